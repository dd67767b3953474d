// WebXR: an "Enter VR" button, shown only when immersive-vr is supported. In VR, pointing a
// controller at a bed and pulling the trigger teleports beside it and shows that bed's panel as a
// floating canvas (readable at arm's length: large type, redrawn at 4 Hz).
import * as THREE from 'three';
import type { WardScene } from './ward-scene';
import type { BedView } from '../model/bed-view';
import { PRIORITY_STYLES } from '../viz/mapping';
import { TextSprite } from './text-sprite';

export class XrSupport {
  private readonly panel = new TextSprite(1.2, 0.6, 'rgba(17,24,33,0.95)');
  private bedId: string | null = null;
  private last = 0;

  constructor(
    private readonly ward: WardScene,
    slot: HTMLElement,
    private readonly select: (bedId: string) => void,
  ) {
    this.panel.sprite.visible = false;
    ward.scene.add(this.panel.sprite);
    const xr = (navigator as Navigator & { xr?: XRSystem }).xr;
    if (!xr) return;
    void xr.isSessionSupported('immersive-vr').then((ok) => {
      if (!ok) return;
      const b = document.createElement('button');
      b.className = 'act';
      b.textContent = 'Enter VR';
      b.onclick = () => void this.enter(xr);
      slot.appendChild(b);
    });
  }

  private async enter(xr: XRSystem): Promise<void> {
    const r = this.ward.renderer;
    r.xr.enabled = true;
    r.xr.setReferenceSpaceType('local-floor');
    const session = await xr.requestSession('immersive-vr', { optionalFeatures: ['local-floor'] });
    await r.xr.setSession(session);
    r.setAnimationLoop(() => this.ward.renderer.render(this.ward.scene, this.ward.camera));
    session.addEventListener('end', () => r.setAnimationLoop(null));
    for (let i = 0; i < 2; i++) {
      const c = r.xr.getController(i);
      c.addEventListener('select', () => this.teleport(c));
      this.ward.rig.add(c);
    }
  }

  private teleport(controller: THREE.Object3D): void {
    const ray = new THREE.Raycaster();
    const m = new THREE.Matrix4().extractRotation(controller.matrixWorld);
    ray.ray.origin.setFromMatrixPosition(controller.matrixWorld);
    ray.ray.direction.set(0, 0, -1).applyMatrix4(m);
    const targets = [...this.ward.avatars.pickTargets()];
    if (this.ward.architecture.bedMesh) targets.push(this.ward.architecture.bedMesh);
    const hit = ray.intersectObjects(targets, false)[0];
    if (!hit) return;
    const id =
      hit.object === this.ward.architecture.bedMesh && hit.instanceId !== undefined
        ? this.ward.architecture.bedIds[hit.instanceId]
        : (hit.object.userData.bedId as string | undefined);
    if (!id) return;
    const vp = this.ward.bedViewpoint(id);
    if (vp) this.ward.rig.position.set(vp.position.x, vp.target.y - 0.8, vp.position.z);
    this.bedId = id;
    this.select(id);
  }

  /** Keeps the floating VR panel on the selected bed. */
  update(views: Map<string, BedView>, nowMs: number): void {
    const presenting = this.ward.renderer.xr.isPresenting;
    this.panel.sprite.visible = presenting && this.bedId !== null;
    if (!this.panel.sprite.visible || nowMs - this.last < 250) return;
    this.last = nowMs;
    const v = views.get(this.bedId!);
    const b = this.ward.layout?.beds.get(this.bedId!);
    if (!v || !b) return;
    this.panel.sprite.position.set(b.x + 1.2, b.y + 1.6, b.z);
    const f = (x?: number) => (x === undefined ? '–' : Math.round(x).toString());
    const style = PRIORITY_STYLES[v.priority];
    this.panel.redraw([
      { text: `Bed ${v.bed.label} · NEWS2 ${v.news2 ?? '–'}`, color: '#f1f5f9', size: 54, bold: true },
      { text: `HR ${f(v.hr)}  SpO₂ ${f(v.spo2)}  RR ${f(v.rr)}`, color: '#4ade80', size: 46, bold: true },
      { text: `BP ${f(v.sys)}/${f(v.dia)}  T ${v.temp?.toFixed(1) ?? '–'}`, color: '#fca5a5', size: 46, bold: true },
      { text: `${style.symbol} ${style.label} ${v.alarmText ?? ''}`, color: style.color, size: 40 },
    ]);
  }
}

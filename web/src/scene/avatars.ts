// Patient avatars lying on their beds with body-part overlays driven by live data:
//   heart  — pulses at the live HR, coloured by the HR band;   lungs — breathe at RR, tinted by SpO2
//   head   — consciousness / temperature;   left arm cuff — systolic BP;   right finger — SpO2 probe
//   halo   — highest alarm priority: colour + marker shape (●/◆/▲) + blink rate;
//   label  — bed, NEWS2 and the priority in words, floating above the bed.
// Level of detail: the organs are drawn only within DETAIL_DISTANCE of the camera; labels are
// redrawn at most LABEL_HZ and only when their text changes.
import * as THREE from 'three';
import type { PlacedBed } from '../model/layout';
import type { BedView } from '../model/bed-view';
import {
  armColor, blinkOn, breath, fingerColor, headColor, heartColor, heartPulse, lungTint, news2Color,
  Priority, PRIORITY_STYLES,
} from '../viz/mapping';
import { TextSprite } from './text-sprite';

export const DETAIL_DISTANCE = 16;
const LABEL_HZ = 2;
const TOP = 0.64; // mattress top

const geo = {
  body: new THREE.CapsuleGeometry(0.2, 1.0, 4, 12).rotateX(Math.PI / 2),
  head: new THREE.SphereGeometry(0.14, 16, 12),
  arm: new THREE.CapsuleGeometry(0.05, 0.55, 3, 8).rotateX(Math.PI / 2),
  heart: new THREE.SphereGeometry(0.065, 14, 10),
  lung: new THREE.SphereGeometry(1, 14, 10),
  cuff: new THREE.CylinderGeometry(0.075, 0.075, 0.12, 14, 1, true).rotateX(Math.PI / 2),
  finger: new THREE.SphereGeometry(0.04, 10, 8),
  halo: new THREE.TorusGeometry(0.22, 0.025, 8, 32).rotateX(Math.PI / 2),
  circle: new THREE.SphereGeometry(0.07, 12, 8),
  diamond: new THREE.OctahedronGeometry(0.09),
  triangle: new THREE.ConeGeometry(0.1, 0.16, 3),
};

function mat(color: string, extra: THREE.MeshStandardMaterialParameters = {}) {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.6, ...extra });
}

class Avatar {
  readonly root = new THREE.Group();
  readonly detail = new THREE.Group();
  private readonly figure = new THREE.Group();
  readonly body: THREE.Mesh;
  private readonly head: THREE.Mesh;
  private readonly heart: THREE.Mesh;
  private readonly lungs: THREE.Mesh[];
  private readonly cuff: THREE.Mesh;
  private readonly finger: THREE.Mesh;
  private readonly halo: THREE.Mesh;
  private readonly markers: Record<'circle' | 'diamond' | 'triangle', THREE.Mesh>;
  readonly label = new TextSprite(1.2, 0.42);
  private lastLabel = -1e9;
  view?: BedView;

  constructor(readonly bedId: string) {
    this.body = new THREE.Mesh(geo.body, mat('#94a3b8', { transparent: true, opacity: 0.38, depthWrite: false }));
    this.body.position.set(0, TOP + 0.16, 0.15);
    this.body.userData.bedId = bedId;
    this.head = new THREE.Mesh(geo.head, mat('#e2c3a6'));
    this.head.position.set(0, TOP + 0.2, -0.72);
    const arms = [-1, 1].map((side) => {
      const a = new THREE.Mesh(geo.arm, this.body.material);
      a.position.set(side * 0.28, TOP + 0.12, -0.05);
      return a;
    });
    this.heart = new THREE.Mesh(geo.heart, mat('#4ade80', { emissive: '#4ade80', emissiveIntensity: 0.8 }));
    this.heart.position.set(0.05, TOP + 0.2, -0.38);
    this.lungs = [-1, 1].map((side) => {
      const l = new THREE.Mesh(geo.lung, mat('#f9a8d4', { transparent: true, opacity: 0.75, emissiveIntensity: 0.25 }));
      l.position.set(side * 0.09, TOP + 0.18, -0.36);
      l.scale.set(0.07, 0.06, 0.14);
      return l;
    });
    this.cuff = new THREE.Mesh(geo.cuff, mat('#4ade80', { emissive: '#4ade80', emissiveIntensity: 0.5, side: THREE.DoubleSide }));
    this.cuff.position.set(-0.28, TOP + 0.12, -0.22);
    this.finger = new THREE.Mesh(geo.finger, mat('#4ade80', { emissive: '#4ade80', emissiveIntensity: 0.9 }));
    this.finger.position.set(0.28, TOP + 0.12, 0.27);
    this.halo = new THREE.Mesh(geo.halo, mat('#4ade80', { emissive: '#4ade80', emissiveIntensity: 1 }));
    this.halo.position.set(0, TOP + 0.62, -0.72);
    this.markers = {
      circle: new THREE.Mesh(geo.circle, this.halo.material),
      diamond: new THREE.Mesh(geo.diamond, this.halo.material),
      triangle: new THREE.Mesh(geo.triangle, this.halo.material),
    };
    for (const mk of Object.values(this.markers)) {
      mk.position.set(0, TOP + 0.86, -0.72);
      this.figure.add(mk);
    }
    this.label.sprite.position.set(0, TOP + 1.5, -0.2);
    this.detail.add(this.heart, ...this.lungs, this.cuff, this.finger);
    this.figure.add(this.body, this.head, ...arms, this.detail, this.halo);
    this.root.add(this.figure, this.label.sprite);
  }

  place(b: PlacedBed): void {
    this.root.position.set(b.x, b.y, b.z);
    this.root.rotation.y = b.rotY;
  }

  update(v: BedView, tSec: number, nowMs: number, near: boolean): void {
    this.view = v;
    this.figure.visible = v.patient !== undefined;
    this.detail.visible = near;
    (this.head.material as THREE.MeshStandardMaterial).color.set(headColor(v.temp, v.consciousness));
    if (near) {
      const hc = heartColor(v.hr);
      const heart = this.heart.material as THREE.MeshStandardMaterial;
      heart.color.set(hc);
      heart.emissive.set(hc);
      this.heart.scale.setScalar(heartPulse(tSec, v.hr));
      const b = 1 + 0.25 * breath(tSec, v.rr);
      for (const l of this.lungs) {
        (l.material as THREE.MeshStandardMaterial).color.set(lungTint(v.spo2));
        l.scale.set(0.07 * b, 0.06 * b, 0.14 * (1 + 0.1 * (b - 1)));
      }
      const ac = armColor(v.sys);
      const cuff = this.cuff.material as THREE.MeshStandardMaterial;
      cuff.color.set(ac);
      cuff.emissive.set(ac);
      const fc = fingerColor(v.spo2, v.scale, v.sensorOff);
      const finger = this.finger.material as THREE.MeshStandardMaterial;
      finger.color.set(fc);
      finger.emissive.set(fc);
      finger.emissiveIntensity = 0.4 + 0.8 * (heartPulse(tSec - 0.2, v.hr) - 1) / 0.22;
    }
    const style = PRIORITY_STYLES[v.priority];
    const halo = this.halo.material as THREE.MeshStandardMaterial;
    halo.color.set(style.color);
    halo.emissive.set(style.color);
    const lit = blinkOn(v.priority, nowMs);
    this.halo.visible = v.patient !== undefined && lit;
    for (const [shape, mk] of Object.entries(this.markers)) {
      mk.visible = lit && shape === style.shape;
      mk.rotation.y = tSec * 1.5;
    }
    if (nowMs - this.lastLabel >= 1000 / LABEL_HZ) {
      this.lastLabel = nowMs;
      this.redrawLabel(v);
    }
  }

  private redrawLabel(v: BedView): void {
    const style = PRIORITY_STYLES[v.priority];
    const n2 = v.news2 === undefined ? 'NEWS2 –' : `NEWS2 ${v.news2}${v.news2Estimated ? ' est.' : ''}`;
    const lines = [
      { text: `${v.bed.label}  ·  ${n2}`, color: news2Color(v.news2, v.risk), size: 64, bold: true },
    ];
    if (v.priority > Priority.None) {
      lines.push({ text: `${style.symbol} ${style.label}${v.alarmText ? ` · ${v.alarmText}` : ''}`, color: style.color, size: 46, bold: true });
    } else {
      lines.push({ text: v.patient ? `HR ${fmt(v.hr)}  SpO₂ ${fmt(v.spo2)}` : 'Unoccupied', color: '#cbd5e1', size: 46, bold: false });
    }
    this.label.redraw(lines, v.priority > Priority.None ? style.color : undefined, v.priority === Priority.Medium);
  }

  dispose(): void {
    this.label.dispose();
    this.root.traverse((o) => {
      const m = o as THREE.Mesh;
      if (m.isMesh) (m.material as THREE.Material).dispose();
    });
  }
}

const fmt = (v?: number) => (v === undefined ? '–' : Math.round(v).toString());

export class AvatarLayer {
  readonly group = new THREE.Group();
  private avatars = new Map<string, Avatar>();
  private readonly tmp = new THREE.Vector3();

  /** Creates/removes avatars so exactly the beds in `placed` have one. */
  sync(placed: Map<string, PlacedBed>): void {
    for (const [id, a] of this.avatars) {
      if (!placed.has(id)) {
        this.group.remove(a.root);
        a.dispose();
        this.avatars.delete(id);
      }
    }
    for (const [id, b] of placed) {
      let a = this.avatars.get(id);
      if (!a) {
        a = new Avatar(id);
        this.avatars.set(id, a);
        this.group.add(a.root);
      }
      a.place(b);
    }
  }

  update(views: Map<string, BedView>, camera: THREE.Camera, nowMs: number): number {
    const tSec = nowMs / 1000;
    let detailed = 0;
    for (const [id, a] of this.avatars) {
      const v = views.get(id);
      if (!v) continue;
      a.root.getWorldPosition(this.tmp);
      const dist = this.tmp.distanceTo(camera.position);
      const near = v.patient !== undefined && dist < DETAIL_DISTANCE;
      // Labels grow with distance (up to 2.2×) so NEWS2 stays readable from the overview camera.
      const k = Math.min(2.2, Math.max(1, dist / 9));
      a.label.sprite.scale.set(1.2 * k, 1.2 * 0.42 * k, 1);
      a.label.sprite.position.y = TOP + 1.3 + 0.25 * k;
      if (near) detailed++;
      a.update(v, tSec, nowMs, near);
    }
    return detailed;
  }

  pickTargets(): THREE.Object3D[] {
    return [...this.avatars.values()].map((a) => a.body);
  }

  labelOf(id: string): THREE.Sprite | undefined {
    return this.avatars.get(id)?.label.sprite;
  }
}

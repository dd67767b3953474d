// The 3D ward: renderer, lights, architecture, avatars, picking and the render loop hooks.
import * as THREE from 'three';
import type { Layout } from '../model/layout';
import type { BedView } from '../model/bed-view';
import { Architecture } from './rooms';
import { AvatarLayer } from './avatars';
import { Navigation } from './navigation';
import { PresenceLayer } from './presence-avatars';
import type { PeerStore } from '../presence/peers';
import type { Pose } from '../presence/pose';
import { spotPose, type HomeView } from '../presence/spawn';
import { bedBoxPoints, frameForEveryone } from './home-view';
import { LABEL_PX } from './avatars';
import type { Placement } from './label-layout';

/** Overlays along the canvas edges (CSS px): the bed list on top, the help line at the bottom. */
const OVERLAY_PX = { top: 58, bottom: 40, side: 14 };

/** True when WebGL runs on a CPU rasteriser, where every pixel costs. */
function isSoftwareGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl');
  if (!gl) return false;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(name);
}

export class WardScene {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(60, 1, 0.05, 400);
  readonly rig = new THREE.Group(); // moved by VR teleport; holds the camera
  readonly nav: Navigation;
  readonly architecture = new Architecture();
  readonly avatars = new AvatarLayer();
  readonly presence = new PresenceLayer();
  peers: PeerStore | null = null;
  layout: Layout | null = null;
  detailedAvatars = 0;
  /** Our spawn spot around the home view (presence/spawn.ts); home() returns there. */
  spawnSpot = 0;
  /** Software rasteriser (SwiftShader, llvmpipe) or ?quality=low: no MSAA, fewer pixels. */
  readonly software: boolean;
  private readonly raycaster = new THREE.Raycaster();
  private placedOnce = false;
  private readonly reducedMotion = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.software = isSoftwareGl() || new URLSearchParams(location.search).get('quality') === 'low';
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: !this.software, powerPreference: 'high-performance' });
    this.renderer.setPixelRatio(this.software ? 1 : Math.min(window.devicePixelRatio || 1, 1.5));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene.background = new THREE.Color(0x0b1017);
    this.scene.fog = new THREE.Fog(0x0b1017, 40, 140);
    this.scene.add(new THREE.HemisphereLight(0xdbeafe, 0x1e293b, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.6);
    sun.position.set(20, 40, 10);
    this.scene.add(sun);
    this.rig.add(this.camera);
    this.scene.add(this.rig, this.architecture.group, this.avatars.group, this.presence.group);
    this.nav = new Navigation(this.camera, canvas);
    this.resize();
    window.addEventListener('resize', () => this.resize());
  }

  resize(): void {
    const w = this.canvas.clientWidth || window.innerWidth;
    const h = this.canvas.clientHeight || window.innerHeight;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / Math.max(1, h);
    this.camera.updateProjectionMatrix();
  }

  setLayout(layout: Layout): void {
    this.layout = layout;
    this.architecture.rebuild(layout);
    this.avatars.sync(layout.beds);
    if (!this.placedOnce && layout.beds.size) {
      this.placedOnce = true;
      this.home();
    }
  }

  /** Our own view of the whole ward: the home view, moved to our spawn spot. */
  home(): void {
    const v = this.homeView();
    if (!v) return;
    const p = spotPose(v, this.spawnSpot);
    this.lookFrom(p.x, p.y, p.z, v.target.x, v.target.y, v.target.z);
  }

  /**
   * The shared view of the whole ward from above the corridor's end, framing every bed with the
   * room its label needs (scene/home-view.ts), clear of the overlays along the canvas's edges,
   * for any ward size. Viewers' spawn spots sit around it (presence/spawn.ts).
   */
  homeView(): HomeView | null {
    const l = this.layout;
    if (!l || !l.beds.size) return null;
    const w = this.canvas.clientWidth || window.innerWidth;
    const h = this.canvas.clientHeight || window.innerHeight;
    const side = Math.min(0.2, OVERLAY_PX.side / w);
    return frameForEveryone(bedBoxPoints(l.beds.values()), this.camera.fov, w / Math.max(1, h), {
      top: Math.min(0.35, (OVERLAY_PX.top + LABEL_PX.h) / h),
      bottom: Math.min(0.2, OVERLAY_PX.bottom / h + 0.03),
      left: side,
      right: side,
    });
  }

  /** Viewpoint at the foot of the bed, looking at the patient. */
  bedViewpoint(bedId: string): { position: THREE.Vector3; target: THREE.Vector3 } | null {
    const b = this.layout?.beds.get(bedId);
    if (!b) return null;
    const foot = new THREE.Vector3(Math.sin(b.rotY), 0, Math.cos(b.rotY)); // head is at −z local
    const target = new THREE.Vector3(b.x, b.y + 0.8, b.z);
    const position = target.clone().addScaledVector(foot, 3.2).add(new THREE.Vector3(0, 1.4, 0));
    // The panel covers the right of the screen: aim right of the bed so it sits left of centre.
    const left = new THREE.Vector3(-foot.z, 0, foot.x); // the viewer's left
    return { position, target: target.clone().addScaledVector(left, -1.1) };
  }

  flyToBed(bedId: string): void {
    const v = this.bedViewpoint(bedId);
    if (v) this.nav.flyTo(v.position, v.target);
  }

  /** The bed under a canvas pixel (client coordinates), if any. */
  pick(clientX: number, clientY: number): string | null {
    const r = this.canvas.getBoundingClientRect();
    const ndc = new THREE.Vector2(((clientX - r.left) / r.width) * 2 - 1, -((clientY - r.top) / r.height) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.camera);
    const targets: THREE.Object3D[] = [...this.avatars.pickTargets()];
    if (this.architecture.bedMesh) targets.push(this.architecture.bedMesh);
    const hit = this.raycaster.intersectObjects(targets, false).find((h) => h.object.visible);
    if (!hit) return null;
    if (hit.object === this.architecture.bedMesh && hit.instanceId !== undefined) {
      return this.architecture.bedIds[hit.instanceId] ?? null;
    }
    return (hit.object.userData.bedId as string) ?? null;
  }

  /** How a bed's label is shown (tests): full / compact / hidden, lift, on-screen rectangle. */
  labelInfo(bedId: string): Placement | null {
    return this.avatars.labelInfo(bedId);
  }

  /** Screen position (CSS px) of a bed, for tests and overlays; null when behind the camera. */
  screenPosition(bedId: string): { x: number; y: number } | null {
    const b = this.layout?.beds.get(bedId);
    if (!b) return null;
    const p = new THREE.Vector3(b.x, b.y + 0.7, b.z).project(this.camera);
    if (p.z > 1) return null;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + ((p.x + 1) / 2) * r.width, y: r.top + ((1 - p.y) / 2) * r.height };
  }

  /** Our camera as a presence pose (world position; heading/pitch of the view direction). */
  cameraPose(): Pose {
    const p = this.camera.getWorldPosition(new THREE.Vector3());
    const d = this.camera.getWorldDirection(new THREE.Vector3());
    return { x: p.x, y: p.y, z: p.z, heading: Math.atan2(-d.x, -d.z), pitch: Math.asin(Math.max(-1, Math.min(1, d.y))) };
  }

  /** Puts the camera at (x, y, z) looking at (tx, ty, tz). */
  lookFrom(x: number, y: number, z: number, tx: number, ty: number, tz: number): void {
    this.camera.position.set(x, y, z);
    this.nav.lookAt(new THREE.Vector3(tx, ty, tz));
  }

  /** Screen position (CSS px) of another viewer's label, or null when not drawn / behind us. */
  presenceScreenPosition(id: string): { x: number; y: number } | null {
    const pos = this.presence.positionOf(id);
    if (!pos) return null;
    const p = pos.add(new THREE.Vector3(0, 1.2, 0)).project(this.camera);
    if (p.z > 1 || Math.abs(p.x) > 1 || Math.abs(p.y) > 1) return null;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + ((p.x + 1) / 2) * r.width, y: r.top + ((1 - p.y) / 2) * r.height };
  }

  render(views: Map<string, BedView>, dt: number, nowMs: number): void {
    if (!this.renderer.xr.isPresenting) this.nav.update(dt);
    const vp = { w: this.canvas.clientWidth || window.innerWidth, h: this.canvas.clientHeight || window.innerHeight };
    this.detailedAvatars = this.avatars.update(views, this.camera, nowMs, vp, !!this.reducedMotion?.matches);
    if (this.peers) this.presence.update(this.peers, this.layout, this.camera, performance.now());
    this.renderer.render(this.scene, this.camera);
  }
}

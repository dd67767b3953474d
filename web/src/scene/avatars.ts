// Patient avatars lying on their beds with body-part overlays driven by live data:
//   heart  — pulses at the live HR, coloured by the HR band;   lungs — breathe at RR, tinted by SpO2
//   head   — consciousness / temperature;   left arm cuff — systolic BP;   right finger — SpO2 probe
//   halo   — highest alarm priority: colour + marker shape (●/◆/▲) + blink rate;
//   ring   — an alarmed bed is circled on the floor in its priority's colour, pulsing at the
//            priority's blink rate (steady for low, and with prefers-reduced-motion);
//   label  — bed, NEWS2 and the priority in words, floating above the bed, the same size in
//            pixels at any distance; where labels would overlap, the most urgent bed's wins and
//            others shrink to a chip (bed · NEWS2) or give way (scene/label-layout.ts); an alarmed
//            bed's label is larger and raised, and is never hidden.
// Level of detail: the organs are drawn only within DETAIL_DISTANCE of the camera; labels are
// redrawn at most LABEL_HZ and only when their text changes.
import * as THREE from 'three';
import type { PlacedBed } from '../model/layout';
import type { BedView } from '../model/bed-view';
import {
  armColor, blinkOn, breath, fingerColor, headColor, heartColor, heartPulse, lungTint, news2Color,
  Priority, PRIORITY_STYLES,
} from '../viz/mapping';
import { compareBeds } from '../viz/ranking';
import { TextSprite } from './text-sprite';
import { declutter, spriteScaleFor, type LabelBox, type Placement } from './label-layout';

export const DETAIL_DISTANCE = 16;
/** Label sizes on screen (CSS px): a bed's label, an alarmed bed's, the compact chip. */
export const LABEL_PX = { w: 150, h: 63 };
export const ALARM_LABEL_PX = { w: 180, h: 76 };
export const CHIP_PX = { w: 70, h: 28 };
/** An alarmed bed's label sits this much higher (px) before any lift to clear others. */
const ALARM_RAISE_PX = 14;
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
  ring: new THREE.RingGeometry(0.84, 1.0, 48).rotateX(-Math.PI / 2),
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
  readonly label = new TextSprite(1.2, 0.42, 'rgba(10,14,19,0.85)', 512, true);
  readonly chip = new TextSprite(1, 0.4, 'rgba(10,14,19,0.85)', 256, true);
  readonly ring: THREE.Mesh;
  private lastLabel = -1e9;
  view?: BedView;
  placement: Placement = { mode: 'hidden', lift: 0, shift: 0, rect: null };

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
    this.label.sprite.position.set(0, TOP + 1.1, -0.2);
    this.chip.sprite.position.copy(this.label.sprite.position);
    this.ring = new THREE.Mesh(geo.ring, new THREE.MeshBasicMaterial({
      color: '#ef4444', transparent: true, opacity: 0.8, depthWrite: false, side: THREE.DoubleSide, fog: false,
    }));
    this.ring.scale.set(0.95, 1, 1.45);
    this.ring.position.y = 0.05;
    this.ring.renderOrder = 5;
    this.ring.visible = false;
    this.detail.add(this.heart, ...this.lungs, this.cuff, this.finger);
    this.figure.add(this.body, this.head, ...arms, this.detail, this.halo);
    this.root.add(this.figure, this.ring, this.label.sprite, this.chip.sprite);
  }

  place(b: PlacedBed): void {
    this.root.position.set(b.x, b.y, b.z);
    this.root.rotation.y = b.rotY;
  }

  update(v: BedView, tSec: number, nowMs: number, near: boolean, still = false): void {
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
    // The floor ring: pulsing at the priority's blink rate (0.5 + 0.5·cos), steady for low.
    const alarmed = v.patient !== undefined && v.priority > Priority.None;
    this.ring.visible = alarmed;
    if (alarmed) {
      const ring = this.ring.material as THREE.MeshBasicMaterial;
      ring.color.set(style.color);
      const s = still || style.blinkHz <= 0 ? 1 : 0.5 + 0.5 * Math.cos(2 * Math.PI * style.blinkHz * tSec);
      ring.opacity = 0.35 + 0.6 * s;
      const k = 1 + 0.14 * s;
      this.ring.scale.set(0.95 * k, 1, 1.45 * k);
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
      // The same alarm as the tile's (model/alarms.ts order); "latched" when it has ended.
      const ended = v.alarmHeadline && v.alarmHeadline.state !== 'active' ? ` · ${v.alarmHeadline.state}` : '';
      lines.push({ text: `${style.symbol} ${style.label}${v.alarmText ? ` · ${v.alarmText}` : ''}${ended}`, color: style.color, size: 46, bold: true });
    } else {
      lines.push({ text: v.patient ? `HR ${fmt(v.hr)}  SpO₂ ${fmt(v.spo2)}` : 'Unoccupied', color: '#cbd5e1', size: 46, bold: false });
    }
    this.label.redraw(lines, v.priority > Priority.None ? style.color : undefined, v.priority === Priority.Medium);
    const n2v = v.news2 === undefined ? '–' : String(v.news2);
    this.chip.redraw([{ text: `${v.bed.label} · ${n2v}`, color: news2Color(v.news2, v.risk), size: 60, bold: true }]);
  }

  /** Shows the label as declutter() placed it, `px` tall on a `viewportH`-px canvas. */
  place2d(p: Placement, alarmed: boolean, fovDeg: number, viewportH: number): void {
    this.placement = p;
    const full = alarmed ? ALARM_LABEL_PX : LABEL_PX;
    const raise = alarmed ? ALARM_RAISE_PX : 0;
    this.label.sprite.visible = p.mode === 'full';
    this.chip.sprite.visible = p.mode === 'compact';
    const show = p.mode === 'full' ? { s: this.label.sprite, px: full } : p.mode === 'compact' ? { s: this.chip.sprite, px: CHIP_PX } : null;
    if (!show) return;
    show.s.scale.set(spriteScaleFor(show.px.w, fovDeg, viewportH), spriteScaleFor(show.px.h, fovDeg, viewportH), 1);
    show.s.center.set(0.5 - p.shift / show.px.w, -(p.lift + raise) / show.px.h);
  }

  dispose(): void {
    this.label.dispose();
    this.chip.dispose();
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

  update(views: Map<string, BedView>, camera: THREE.PerspectiveCamera, nowMs: number, viewport?: { w: number; h: number }, still = false): number {
    const tSec = nowMs / 1000;
    let detailed = 0;
    for (const [id, a] of this.avatars) {
      const v = views.get(id);
      if (!v) continue;
      a.root.getWorldPosition(this.tmp);
      const dist = this.tmp.distanceTo(camera.position);
      const near = v.patient !== undefined && dist < DETAIL_DISTANCE;
      if (near) detailed++;
      a.update(v, tSec, nowMs, near, still);
    }
    if (viewport) this.layoutLabels(views, camera, viewport);
    return detailed;
  }

  /** Screen-space labels: project each anchor, declutter most urgent first, size and place. */
  private layoutLabels(views: Map<string, BedView>, camera: THREE.PerspectiveCamera, vp: { w: number; h: number }): void {
    const ranked = [...this.avatars.values()]
      .filter((a) => views.has(a.bedId))
      .map((a) => ({ a, v: views.get(a.bedId)! }))
      .sort((x, y) => compareBeds(
        { label: x.v.bed.label, priority: x.v.priority, news2: x.v.news2, risk: x.v.risk },
        { label: y.v.bed.label, priority: y.v.priority, news2: y.v.news2, risk: y.v.risk },
      ));
    const boxes: LabelBox[] = ranked.map(({ a, v }, i) => {
      a.label.sprite.getWorldPosition(this.tmp);
      const p = this.tmp.project(camera);
      const x = ((p.x + 1) / 2) * vp.w;
      const y = ((1 - p.y) / 2) * vp.h;
      const alarmed = v.patient !== undefined && v.priority > Priority.None;
      const full = alarmed ? ALARM_LABEL_PX : LABEL_PX;
      return {
        id: a.bedId,
        x,
        y: y - (alarmed ? ALARM_RAISE_PX : 0),
        onScreen: p.z < 1 && p.z > -1 && x > -full.w / 2 && x < vp.w + full.w / 2 && y > 0 && y < vp.h + full.h,
        full,
        compact: CHIP_PX,
        alarmed,
        rank: i,
      };
    });
    const placed = declutter(boxes, vp.w);
    for (const { a, v } of ranked) {
      const alarmed = v.patient !== undefined && v.priority > Priority.None;
      a.place2d(placed.get(a.bedId)!, alarmed, camera.fov, vp.h);
    }
  }

  /** How a bed's label is shown (tests): mode, lift and its rectangle on screen (CSS px). */
  labelInfo(id: string): Placement | null {
    return this.avatars.get(id)?.placement ?? null;
  }

  /** A bed's floor ring (tests): shown, colour, opacity. */
  ringInfo(id: string): { visible: boolean; color: string; opacity: number } | null {
    const a = this.avatars.get(id);
    if (!a) return null;
    const m = a.ring.material as THREE.MeshBasicMaterial;
    return { visible: a.ring.visible, color: `#${m.color.getHexString()}`, opacity: m.opacity };
  }

  pickTargets(): THREE.Object3D[] {
    return [...this.avatars.values()].map((a) => a.body);
  }

  labelOf(id: string): THREE.Sprite | undefined {
    return this.avatars.get(id)?.label.sprite;
  }
}

// Other viewers in the ward: an upright, opaque figure in the viewer's colour (body, head, a
// translucent gaze cone showing where they look, a ring on the floor) with a name label —
// unlike the patients, who lie on their beds, translucent grey. A viewer whose camera is high
// above the floor (overview) is drawn as a floating head at the camera with a line down to the
// floor. Followers are drawn queued behind their leader (their camera copies the leader's).
// An avatar within about a metre of our camera fades out (presence/fade.ts).
import * as THREE from 'three';
import type { Layout } from '../model/layout';
import type { Peer, PeerStore } from '../presence/peers';
import { avatarTransform, entourageOffset, EYE_HEIGHT, floorUnder, type Pose } from '../presence/pose';
import { entourageSlot } from '../presence/follow';
import { figureDistance, proximityOpacity } from '../presence/fade';
import { TextSprite } from './text-sprite';

const geo = {
  body: new THREE.CapsuleGeometry(0.19, 0.85, 4, 14),
  head: new THREE.SphereGeometry(0.13, 18, 12),
  gaze: new THREE.ConeGeometry(0.09, 0.34, 14, 1, true).rotateX(-Math.PI / 2).translate(0, 0, -0.3),
  ring: new THREE.TorusGeometry(0.42, 0.03, 8, 40).rotateX(Math.PI / 2),
  line: new THREE.CylinderGeometry(0.012, 0.012, 1, 6).translate(0, -0.5, 0),
};

class PresenceAvatar {
  readonly root = new THREE.Group();
  private readonly figure = new THREE.Group(); // rotates with the heading
  private readonly body: THREE.Mesh;
  private readonly headPivot = new THREE.Group();
  private readonly ring: THREE.Mesh;
  private readonly line: THREE.Mesh;
  private readonly materials: THREE.MeshStandardMaterial[];
  /** Every material with its own opacity, for fading. */
  private readonly fadeable: Array<[THREE.Material, number]>;
  readonly label = new TextSprite(1.3, 0.34);
  private color = '';
  private opacity = 1;
  shown: Pose | null = null;
  floating = false;

  constructor(readonly id: string) {
    const bodyMat = new THREE.MeshStandardMaterial({ roughness: 0.5 });
    const headMat = new THREE.MeshStandardMaterial({ color: '#f1d3b8', roughness: 0.6 });
    const accent = new THREE.MeshStandardMaterial({ emissiveIntensity: 0.9, roughness: 0.4 });
    const gazeMat = new THREE.MeshStandardMaterial({ transparent: true, opacity: 0.45, depthWrite: false, side: THREE.DoubleSide, emissiveIntensity: 0.6 });
    this.materials = [bodyMat, accent, gazeMat];
    this.body = new THREE.Mesh(geo.body, bodyMat);
    this.body.position.y = 0.22 + 0.19 + 0.425;
    const head = new THREE.Mesh(geo.head, headMat);
    const gaze = new THREE.Mesh(geo.gaze, gazeMat);
    this.headPivot.position.y = EYE_HEIGHT;
    this.headPivot.add(head, gaze);
    this.figure.add(this.body, this.headPivot);
    this.ring = new THREE.Mesh(geo.ring, accent);
    this.ring.position.y = 0.02;
    this.line = new THREE.Mesh(geo.line, accent);
    this.label.sprite.position.y = EYE_HEIGHT + 0.55;
    this.root.add(this.figure, this.ring, this.line, this.label.sprite);
    this.root.userData.presenceId = id;
    this.fadeable = [bodyMat, headMat, accent, gazeMat, this.label.sprite.material].map((m) => [m, m.opacity]);
  }

  /** Fades the whole figure: `k` = 1 as built, 0 invisible. */
  setOpacity(k: number): void {
    if (k === this.opacity) return;
    this.opacity = k;
    for (const [m, base] of this.fadeable) {
      const transparent = base < 1 || k < 1 || m instanceof THREE.SpriteMaterial;
      if (m.transparent !== transparent) {
        m.transparent = transparent;
        m.needsUpdate = true;
      }
      m.opacity = base * k;
      if (!(m instanceof THREE.SpriteMaterial) && base >= 1) m.depthWrite = k >= 1;
    }
  }

  get currentOpacity(): number {
    return this.opacity;
  }

  /** Height of the figure above its root, for the distance to our camera. */
  get figureHeight(): number {
    return this.floating ? 0 : EYE_HEIGHT + 0.13;
  }

  setColor(c: string): void {
    if (c === this.color) return;
    this.color = c;
    for (const m of this.materials) {
      m.color.set(c);
      m.emissive.set(m === this.materials[0] ? '#000000' : c);
    }
  }

  place(pose: Pose, floorY: number): void {
    this.shown = pose;
    const t = avatarTransform(pose, floorY);
    this.floating = t.floating;
    this.root.position.set(t.x, t.y, t.z);
    this.figure.rotation.y = t.rotY;
    this.headPivot.rotation.x = t.headPitch;
    this.body.visible = !t.floating;
    this.ring.visible = true;
    // Floating: the head is at the camera (root), the ring on the floor below, joined by a line.
    this.headPivot.position.y = t.floating ? 0 : EYE_HEIGHT;
    this.ring.position.y = t.floating ? floorY - t.y + 0.02 : 0.02;
    this.line.visible = t.floating;
    this.line.scale.y = Math.max(0.01, t.y - floorY);
    this.label.sprite.position.y = (t.floating ? 0 : EYE_HEIGHT) + 0.5;
  }

  relabel(p: Peer, leaderLabel: string | undefined, followers: number): void {
    const second = p.leading
      ? `▶ leading rounds${followers ? ` · ${followers} following` : ''}`
      : leaderLabel
        ? `following ${leaderLabel}`
        : 'in the ward';
    this.label.redraw(
      [
        { text: p.label, color: '#f8fafc', size: 64, bold: true },
        { text: second, color: p.leading ? '#fde68a' : '#cbd5e1', size: 40 },
      ],
      p.color,
      false,
    );
  }

  dispose(): void {
    this.label.dispose();
    for (const m of this.materials) m.dispose();
    this.root.traverse((o) => {
      const m = o as THREE.Mesh;
      if (m.isMesh && !this.materials.includes(m.material as THREE.MeshStandardMaterial)) (m.material as THREE.Material).dispose();
    });
  }
}

export class PresenceLayer {
  readonly group = new THREE.Group();
  private avatars = new Map<string, PresenceAvatar>();
  private version = -1;
  private readonly tmp = new THREE.Vector3();
  /** A peer not drawn (the leader we follow: our camera is where its head would be). */
  hidden: string | null = null;

  /** Places every peer's avatar at its interpolated pose for local time `localMs`. */
  update(store: PeerStore, layout: Layout | null, camera: THREE.Camera, localMs: number): void {
    const structural = store.version !== this.version;
    this.version = store.version;
    if (structural) {
      for (const [id, a] of this.avatars) {
        if (!store.peers.has(id)) {
          this.group.remove(a.root);
          a.dispose();
          this.avatars.delete(id);
        }
      }
    }
    camera.getWorldPosition(this.tmp);
    for (const p of store.peers.values()) {
      let pose = p.poses.at(localMs);
      let a = this.avatars.get(p.id);
      if (!pose) {
        if (a) a.root.visible = false;
        continue;
      }
      if (!a) {
        a = new PresenceAvatar(p.id);
        this.avatars.set(p.id, a);
        this.group.add(a.root);
      }
      const leader = p.following ? store.peers.get(p.following) : undefined;
      const leaderPose = leader ? leader.poses.at(localMs) : undefined;
      if (leader && leaderPose) {
        // Followed peers stand in a queue behind their leader.
        const off = entourageOffset(Math.max(0, entourageSlot(p.id, store.followersOf(leader.id))), leaderPose.heading);
        pose = { ...pose, x: leaderPose.x + off.dx, z: leaderPose.z + off.dz };
      }
      if (structural || a.shown === null) {
        a.setColor(p.color);
        a.relabel(p, leader?.label, p.leading ? store.followersOf(p.id).length : 0);
      }
      const floorY = layout ? floorUnder(pose.y, layout.min.y, layout.max.y) : 0;
      a.place(pose, floorY);
      const fade = proximityOpacity(figureDistance(this.tmp, a.root.position, a.figureHeight));
      a.setOpacity(fade);
      a.root.visible = p.id !== this.hidden && fade > 0;
      // Labels grow with distance so names stay legible from the overview camera.
      const k = Math.min(2.5, Math.max(1, this.tmp.distanceTo(a.root.position) / 8));
      a.label.sprite.scale.set(1.3 * k, 1.3 * 0.34 * k, 1);
    }
  }

  /** Opacity factor of a peer's avatar (1 opaque, 0 faded out because it is too close). */
  opacityOf(id: string): number {
    return this.avatars.get(id)?.currentOpacity ?? 1;
  }

  /** Ids of the peers drawn right now (tests, readouts). */
  visibleIds(): string[] {
    return [...this.avatars.values()].filter((a) => a.root.visible).map((a) => a.id);
  }

  /** World position of a peer's avatar root (feet, or the head when floating). */
  positionOf(id: string): THREE.Vector3 | null {
    const a = this.avatars.get(id);
    return a && a.root.visible ? a.root.position.clone() : null;
  }
}

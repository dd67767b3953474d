// Static architecture from the layout: one floor slab per storey, a floor tile and three low
// walls per room (cut-away height, open to the corridor) and bed frames — all instanced, so the
// whole ward is a handful of draw calls however many rooms it has.
import * as THREE from 'three';
import type { Layout } from '../model/layout';
import { TextSprite } from './text-sprite';

const WALL_H = 1.1;
const WALL_T = 0.12;

export class Architecture {
  readonly group = new THREE.Group();
  /** Pick target: instance i of `bedMesh` is bed `bedIds[i]`. */
  bedMesh: THREE.InstancedMesh | null = null;
  bedIds: string[] = [];
  private labels: TextSprite[] = [];

  rebuild(layout: Layout): void {
    this.dispose();
    const { rooms } = layout;
    const floorLevels = [...new Set(rooms.map((r) => r.y))];
    const pad = 1.5;
    for (const y of floorLevels) {
      const w = layout.max.x - layout.min.x + 2 * pad;
      const d = layout.max.z - layout.min.z + 2 * pad;
      const slab = new THREE.Mesh(
        new THREE.BoxGeometry(w, 0.1, d),
        new THREE.MeshStandardMaterial({ color: 0x1a2430, roughness: 0.95 }),
      );
      slab.position.set((layout.min.x + layout.max.x) / 2, y - 0.05, (layout.min.z + layout.max.z) / 2);
      this.group.add(slab);
    }

    const tile = new THREE.InstancedMesh(
      new THREE.BoxGeometry(1, 0.02, 1),
      new THREE.MeshStandardMaterial({ color: 0x2a3a4a, roughness: 0.9 }),
      rooms.length,
    );
    const walls = new THREE.InstancedMesh(
      new THREE.BoxGeometry(1, 1, 1),
      new THREE.MeshStandardMaterial({ color: 0x8fa3b8, roughness: 0.7, transparent: true, opacity: 0.85 }),
      rooms.length * 3,
    );
    const m = new THREE.Matrix4();
    const q = new THREE.Quaternion();
    const s = new THREE.Vector3();
    const p = new THREE.Vector3();
    const corridorZ = (layout.min.z + layout.max.z) / 2;
    rooms.forEach((r, i) => {
      m.compose(p.set(r.x, r.y + 0.01, r.z), q, s.set(r.width - 0.3, 1, r.depth - 0.3));
      tile.setMatrixAt(i, m);
      const outerZ = r.z < corridorZ ? r.z - r.depth / 2 : r.z + r.depth / 2;
      m.compose(p.set(r.x, r.y + WALL_H / 2, outerZ), q, s.set(r.width, WALL_H, WALL_T));
      walls.setMatrixAt(i * 3, m);
      m.compose(p.set(r.x - r.width / 2, r.y + WALL_H / 2, r.z), q, s.set(WALL_T, WALL_H, r.depth));
      walls.setMatrixAt(i * 3 + 1, m);
      m.compose(p.set(r.x + r.width / 2, r.y + WALL_H / 2, r.z), q, s.set(WALL_T, WALL_H, r.depth));
      walls.setMatrixAt(i * 3 + 2, m);
      const label = new TextSprite(2.2, 0.25, 'rgba(10,14,19,0.6)');
      label.redraw([{ text: r.name, color: '#cbd5e1', size: 70, bold: true }]);
      const wallSide = r.z < corridorZ ? 1 : -1;
      label.sprite.position.set(r.x, r.y + 0.25, r.z + wallSide * (r.depth / 2 - 0.25));
      this.labels.push(label);
      this.group.add(label.sprite);
    });
    this.group.add(tile, walls);

    const beds = [...layout.beds.values()];
    this.bedIds = beds.map((b) => b.id);
    const frame = new THREE.InstancedMesh(
      new THREE.BoxGeometry(1.0, 0.5, 2.1).translate(0, 0.25, 0),
      new THREE.MeshStandardMaterial({ color: 0xd4dde6, roughness: 0.6 }),
      Math.max(1, beds.length),
    );
    const mattress = new THREE.InstancedMesh(
      new THREE.BoxGeometry(0.9, 0.14, 1.95).translate(0, 0.57, 0),
      new THREE.MeshStandardMaterial({ color: 0x5b8db8, roughness: 0.9 }),
      Math.max(1, beds.length),
    );
    const pillow = new THREE.InstancedMesh(
      new THREE.BoxGeometry(0.6, 0.1, 0.35).translate(0, 0.69, -0.75),
      new THREE.MeshStandardMaterial({ color: 0xf1f5f9, roughness: 1 }),
      Math.max(1, beds.length),
    );
    frame.count = mattress.count = pillow.count = beds.length;
    beds.forEach((b, i) => {
      m.compose(p.set(b.x, b.y, b.z), q.setFromAxisAngle(new THREE.Vector3(0, 1, 0), b.rotY), s.set(1, 1, 1));
      frame.setMatrixAt(i, m);
      mattress.setMatrixAt(i, m);
      pillow.setMatrixAt(i, m);
    });
    q.identity();
    this.bedMesh = frame;
    this.group.add(frame, mattress, pillow);
  }

  dispose(): void {
    for (const l of this.labels) l.dispose();
    this.labels = [];
    this.group.traverse((o) => {
      const mesh = o as THREE.Mesh;
      if (mesh.isMesh) {
        mesh.geometry.dispose();
        (mesh.material as THREE.Material).dispose();
      }
    });
    this.group.clear();
    this.bedMesh = null;
  }
}

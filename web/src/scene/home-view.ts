// The home view: the whole ward from above the corridor's end, framed from the bounding box of
// every bed (and the space its label needs), for any ward size or shape. The camera looks down
// at ELEVATION_DEG towards −z; the distance is the smallest at which every point is inside the
// usable part of the screen (the canvas less the overlays along its edges), and the target is
// moved so the beds sit in the middle of that part. Pure; projectNdc() is the check the tests
// use.
import type { Vec3 } from '../model/structure';
import { HASHED_SPOTS, spotPose } from '../presence/spawn';

export const ELEVATION_DEG = 56;
export const MIN_DISTANCE = 6;

export interface Margins {
  /** Fractions of the viewport covered along each edge (overlays, label height). */
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface CameraView {
  position: Vec3;
  target: Vec3;
}

const sub = (a: Vec3, b: Vec3): Vec3 => ({ x: a.x - b.x, y: a.y - b.y, z: a.z - b.z });
const dot = (a: Vec3, b: Vec3) => a.x * b.x + a.y * b.y + a.z * b.z;
const add = (a: Vec3, b: Vec3, k = 1): Vec3 => ({ x: a.x + b.x * k, y: a.y + b.y * k, z: a.z + b.z * k });
const norm = (a: Vec3): Vec3 => {
  const l = Math.hypot(a.x, a.y, a.z) || 1;
  return { x: a.x / l, y: a.y / l, z: a.z / l };
};
const cross = (a: Vec3, b: Vec3): Vec3 => ({ x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x });

/** Camera basis for a view (world up +y): forward, right, up. */
function basis(v: CameraView): { f: Vec3; r: Vec3; u: Vec3 } {
  const f = norm(sub(v.target, v.position));
  const r = norm(cross(f, { x: 0, y: 1, z: 0 }));
  return { f, r, u: cross(r, f) };
}

/** Normalised device coordinates of `p` seen from `view`; z = depth (m, > 0 in front). */
export function projectNdc(p: Vec3, view: CameraView, fovDeg: number, aspect: number): Vec3 {
  const { f, r, u } = basis(view);
  const d = sub(p, view.position);
  const depth = dot(d, f);
  const tanV = Math.tan((fovDeg * Math.PI) / 360);
  return { x: dot(d, r) / (depth * tanV * aspect), y: dot(d, u) / (depth * tanV), z: depth };
}

/** The corners of every bed's box: footprint ± `halfSize`, from its floor to `height` above. */
export function bedBoxPoints(beds: Iterable<Vec3>, halfSize = 1.15, height = 2.0): Vec3[] {
  const pts: Vec3[] = [];
  for (const b of beds) {
    for (const dx of [-halfSize, halfSize]) {
      for (const dz of [-halfSize, halfSize]) {
        pts.push({ x: b.x + dx, y: b.y, z: b.z + dz }, { x: b.x + dx, y: b.y + height, z: b.z + dz });
      }
    }
  }
  return pts;
}

/**
 * The view that frames all `points` with the camera `ELEVATION_DEG` above the horizontal looking
 * towards −z: every point projects inside [−1 + 2·left, 1 − 2·right] × [−1 + 2·bottom, 1 − 2·top].
 */
export function frameBeds(points: readonly Vec3[], fovDeg: number, aspect: number, m: Margins, elevationDeg = ELEVATION_DEG): CameraView | null {
  if (!points.length) return null;
  const e = (elevationDeg * Math.PI) / 180;
  const f: Vec3 = { x: 0, y: -Math.sin(e), z: -Math.cos(e) };
  const r: Vec3 = { x: 1, y: 0, z: 0 };
  const u: Vec3 = { x: 0, y: Math.cos(e), z: -Math.sin(e) };
  const tanV = Math.tan((fovDeg * Math.PI) / 360);
  const tanH = tanV * aspect;
  // The usable window in NDC.
  const xl = -1 + 2 * m.left;
  const xr = 1 - 2 * m.right;
  const yb = -1 + 2 * m.bottom;
  const yt = 1 - 2 * m.top;
  const lo = { x: Infinity, y: Infinity, z: Infinity };
  const hi = { x: -Infinity, y: -Infinity, z: -Infinity };
  for (const p of points) {
    lo.x = Math.min(lo.x, p.x); lo.y = Math.min(lo.y, p.y); lo.z = Math.min(lo.z, p.z);
    hi.x = Math.max(hi.x, p.x); hi.y = Math.max(hi.y, p.y); hi.z = Math.max(hi.z, p.z);
  }
  let c: Vec3 = { x: (lo.x + hi.x) / 2, y: (lo.y + hi.y) / 2, z: (lo.z + hi.z) / 2 };
  // Smallest distance D from c (camera at c − f·D) putting every point in the window: each
  // bound is linear in D (x/depth ≤ k·tanH with depth = rel·f + D).
  const solve = (centre: Vec3): number => {
    let D = MIN_DISTANCE;
    for (const p of points) {
      const rel = sub(p, centre);
      const x = dot(rel, r);
      const y = dot(rel, u);
      const z = dot(rel, f);
      D = Math.max(D, x / (xr * tanH) - z, x / (xl * tanH) - z, y / (yt * tanV) - z, y / (yb * tanV) - z);
    }
    return D;
  };
  let D = solve(c);
  // Centre the beds in the window: shift the target by the extents' offset, a few times.
  for (let i = 0; i < 4; i++) {
    let nx0 = Infinity, nx1 = -Infinity, ny0 = Infinity, ny1 = -Infinity;
    for (const p of points) {
      const rel = sub(p, c);
      const depth = dot(rel, f) + D;
      const nx = dot(rel, r) / (depth * tanH);
      const ny = dot(rel, u) / (depth * tanV);
      nx0 = Math.min(nx0, nx); nx1 = Math.max(nx1, nx); ny0 = Math.min(ny0, ny); ny1 = Math.max(ny1, ny);
    }
    const dx = ((nx0 + nx1) / 2 - (xl + xr) / 2) * D * tanH;
    const dy = ((ny0 + ny1) / 2 - (yb + yt) / 2) * D * tanV;
    c = add(add(c, r, dx), u, dy);
    D = solve(c);
  }
  return { position: add(c, f, -D), target: c };
}

/**
 * frameBeds(), moved back along the line of sight until every viewer's spawn spot around it
 * (presence/spawn.ts: up to two rings of 1.6 m, each looking at the target) also has every point
 * on screen — in a small ward 3 m aside is a large angle.
 */
export function frameForEveryone(points: readonly Vec3[], fovDeg: number, aspect: number, m: Margins, spots = HASHED_SPOTS): CameraView | null {
  const v = frameBeds(points, fovDeg, aspect, m);
  if (!v) return null;
  const dir = sub(v.position, v.target);
  const seen = (view: CameraView) => points.every((p) => {
    const n = projectNdc(p, view, fovDeg, aspect);
    return n.z > 0 && Math.abs(n.x) <= 1 && Math.abs(n.y) <= 1;
  });
  for (let i = 0; i < 40; i++) {
    const view = { position: add(v.target, dir, 1 + 0.05 * i), target: v.target };
    let ok = true;
    for (let k = 1; k < spots && ok; k++) {
      const s = spotPose(view, k);
      ok = seen({ position: { x: s.x, y: s.y, z: s.z }, target: view.target });
    }
    if (ok) return view;
  }
  return { position: add(v.target, dir, 3), target: v.target };
}

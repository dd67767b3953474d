// Where a viewer starts (and where `H` takes it back): its own spot near the ward's home
// viewpoint, so two viewers never start inside each other and a peer's avatar does not fill
// the screen. Pure.
//
// Spots form rings around the home position in the plane facing the home target (across the
// line of sight, so no spot is nearer the ward than home and every spot sees all of it): spot 0
// is home itself, ring r holds 6·r spots on a circle of radius r·SPAWN_SPACING, so any two spots
// are at least SPAWN_SPACING apart. Each spot looks at the target. A viewer's presence id picks a
// spot by hash; if a peer's camera is within `minGapM` of it, the next spot is tried (linear
// probing, then outer rings), so the choice is deterministic for a given id and set of peers.
import type { Pose } from './pose';

/** Distance between neighbouring spawn spots (m). */
export const SPAWN_SPACING = 1.6;
/** Spots the hash chooses among: home and two rings (1 + 6 + 12). */
export const HASHED_SPOTS = 19;

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** The shared home viewpoint (scene/ward-scene.ts: above the corridor's end, looking at the ward). */
export interface HomeView {
  position: Vec3;
  target: Vec3;
}

/** FNV-1a, 32 bit: a stable, well-spread hash of an id. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Offset of spot `k` in the plane facing the target: `du` to the right, `dv` up (m).
 *  Spot 0 is home; ring r holds spots 3r(r−1)+1 … 3r(r+1). */
export function spotOffset(k: number): { du: number; dv: number } {
  if (k <= 0) return { du: 0, dv: 0 };
  let r = 1;
  while (3 * r * (r + 1) < k) r++;
  const i = k - (3 * r * (r - 1) + 1); // 0 … 6r−1 on ring r
  const a = (2 * Math.PI * i) / (6 * r) + (r % 2 ? 0 : Math.PI / (6 * r)); // odd/even rings staggered
  return { du: r * SPAWN_SPACING * Math.sin(a), dv: r * SPAWN_SPACING * Math.cos(a) };
}

/** The pose at spot `k`: home moved across the line of sight, looking at the target. */
export function spotPose(home: HomeView, k: number): Pose {
  const { position: h, target: t } = home;
  const { du, dv } = spotOffset(k);
  // Line of sight f; right = f × world-up (horizontal); up = right × f.
  const fl = Math.hypot(t.x - h.x, t.y - h.y, t.z - h.z) || 1;
  const f = { x: (t.x - h.x) / fl, y: (t.y - h.y) / fl, z: (t.z - h.z) / fl };
  const rl = Math.hypot(f.z, f.x);
  const r = rl > 1e-9 ? { x: -f.z / rl, y: 0, z: f.x / rl } : { x: 1, y: 0, z: 0 };
  const u = { x: r.y * f.z - r.z * f.y, y: r.z * f.x - r.x * f.z, z: r.x * f.y - r.y * f.x };
  const x = h.x + r.x * du + u.x * dv;
  const y = h.y + r.y * du + u.y * dv;
  const z = h.z + r.z * du + u.z * dv;
  const d = { x: t.x - x, y: t.y - y, z: t.z - z };
  return { x, y, z, heading: Math.atan2(-d.x, -d.z), pitch: Math.atan2(d.y, Math.hypot(d.x, d.z)) };
}

/**
 * The spot for the viewer `id`: its hashed spot among the first HASHED_SPOTS, or the next one
 * no peer in `others` (their current camera positions) is within `minGapM` of.
 */
export function spawnSpot(id: string, home: HomeView, others: readonly Vec3[], minGapM = 1): number {
  const near = others.filter((o) => Number.isFinite(o.x) && Number.isFinite(o.y) && Number.isFinite(o.z));
  const free = (k: number) => {
    const p = spotPose(home, k);
    return near.every((o) => Math.hypot(o.x - p.x, o.y - p.y, o.z - p.z) >= minGapM);
  };
  const start = hashId(id) % HASHED_SPOTS;
  for (let i = 0; i < HASHED_SPOTS; i++) {
    const k = (start + i) % HASHED_SPOTS;
    if (free(k)) return k;
  }
  // Every hashed spot taken: outer rings, which always end somewhere free.
  for (let k = HASHED_SPOTS; ; k++) if (free(k)) return k;
}

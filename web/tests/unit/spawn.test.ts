import { describe, expect, it } from 'vitest';
import { hashId, HASHED_SPOTS, SPAWN_SPACING, spawnSpot, spotOffset, spotPose, type HomeView, type Vec3 } from '../../src/presence/spawn';
import { FADE_FAR, FADE_NEAR, figureDistance, proximityOpacity } from '../../src/presence/fade';
import { wrapAngle } from '../../src/presence/pose';

// The home view of a 12-bed ward (scene/ward-scene.ts homeView): above the corridor's end.
const HOME: HomeView = { position: { x: 9, y: 17.2, z: 18.4 }, target: { x: 9, y: 0, z: 6.8 } };
const dist = (a: Vec3, b: Vec3) => Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `presence-${(0x3a5f00c1 * (i + 1)).toString(16).padStart(16, '0')}`);

/** Viewers joining one after another, each choosing its spot among those already there. */
function joinAll(list: string[], home = HOME): Vec3[] {
  const placed: Vec3[] = [];
  for (const id of list) placed.push(spotPose(home, spawnSpot(id, home, placed)));
  return placed;
}

describe('spawn spots', () => {
  it('puts spot 0 at home and the rings SPAWN_SPACING apart, hexagonally', () => {
    expect(spotOffset(0)).toEqual({ du: 0, dv: 0 });
    const offs = Array.from({ length: 61 }, (_, k) => spotOffset(k)); // home and four rings
    for (let k = 1; k <= 6; k++) expect(Math.hypot(offs[k].du, offs[k].dv)).toBeCloseTo(SPAWN_SPACING, 12);
    for (let k = 7; k <= 18; k++) expect(Math.hypot(offs[k].du, offs[k].dv)).toBeCloseTo(2 * SPAWN_SPACING, 12);
    let min = Infinity;
    for (let i = 0; i < offs.length; i++) {
      for (let j = 0; j < i; j++) min = Math.min(min, Math.hypot(offs[i].du - offs[j].du, offs[i].dv - offs[j].dv));
    }
    expect(min).toBeGreaterThanOrEqual(SPAWN_SPACING - 1e-9);
  });

  it('keeps every spot as far from the ward as home, looking at the home target', () => {
    const homeDist = dist(HOME.position, HOME.target);
    for (let k = 0; k < 37; k++) {
      const p = spotPose(HOME, k);
      expect(dist(p, HOME.target)).toBeGreaterThanOrEqual(homeDist - 1e-9);
      // The view direction (heading, pitch) points at the target.
      const d = { x: HOME.target.x - p.x, y: HOME.target.y - p.y, z: HOME.target.z - p.z };
      expect(wrapAngle(p.heading - Math.atan2(-d.x, -d.z))).toBeCloseTo(0, 9);
      expect(p.pitch).toBeCloseTo(Math.atan2(d.y, Math.hypot(d.x, d.z)), 9);
      expect(p.pitch).toBeLessThan(0); // looking down at the ward
    }
    const h = spotPose(HOME, 0);
    expect(dist(h, HOME.position)).toBeCloseTo(0, 12);
  });

  it('is deterministic: the same id and peers give the same spot', () => {
    const [a] = ids(1);
    expect(hashId(a)).toBe(hashId(a));
    expect(hashId('presence-0000000000000001')).not.toBe(hashId('presence-0000000000000002'));
    expect(spawnSpot(a, HOME, [])).toBe(hashId(a) % HASHED_SPOTS);
    expect(spotPose(HOME, spawnSpot(a, HOME, []))).toEqual(spotPose(HOME, spawnSpot(a, HOME, [])));
  });

  it('spreads different ids over different spots', () => {
    const spots = new Set(ids(200).map((id) => spawnSpot(id, HOME, [])));
    expect(spots.size).toBe(HASHED_SPOTS); // every hashed spot is used by someone
  });

  it('never puts a viewer within a metre of another, however many join', () => {
    for (const n of [2, 5, HASHED_SPOTS, 60]) {
      const placed = joinAll(ids(n));
      for (let i = 0; i < placed.length; i++) {
        for (let j = 0; j < i; j++) expect(dist(placed[i], placed[j]), `viewers ${i} and ${j} of ${n}`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('moves on to the next free spot when a peer stands at (or near) the hashed one', () => {
    const id = 'presence-00000000deadbeef';
    const k = spawnSpot(id, HOME, []);
    const taken = spotPose(HOME, k);
    const moved = spawnSpot(id, HOME, [{ x: taken.x + 0.4, y: taken.y, z: taken.z }]);
    expect(moved).toBe((k + 1) % HASHED_SPOTS);
    expect(dist(spotPose(HOME, moved), taken)).toBeGreaterThanOrEqual(1);
    // A peer that walked away no longer blocks it; a peer with a broken pose blocks nothing.
    expect(spawnSpot(id, HOME, [{ x: taken.x + 5, y: taken.y, z: taken.z }])).toBe(k);
    expect(spawnSpot(id, HOME, [{ x: NaN, y: 0, z: 0 }])).toBe(k);
  });

  it('goes beyond the hashed rings when all of them are taken', () => {
    const all = Array.from({ length: HASHED_SPOTS }, (_, k) => spotPose(HOME, k));
    const k = spawnSpot('presence-0000000000000abc', HOME, all);
    expect(k).toBeGreaterThanOrEqual(HASHED_SPOTS);
    for (const p of all) expect(dist(spotPose(HOME, k), p)).toBeGreaterThanOrEqual(1);
  });

  it('works when home looks straight down', () => {
    const top: HomeView = { position: { x: 0, y: 30, z: 0 }, target: { x: 0, y: 0, z: 0 } };
    const placed = joinAll(ids(10), top);
    for (const p of placed) expect(Number.isFinite(p.x + p.y + p.z)).toBe(true);
    for (let i = 1; i < placed.length; i++) expect(dist(placed[i], placed[0])).toBeGreaterThanOrEqual(1);
  });
});

describe('fading peers near the camera', () => {
  it('hides an avatar within FADE_NEAR, shows it fully from FADE_FAR, and ramps smoothly between', () => {
    expect(FADE_NEAR).toBeLessThan(1);
    expect(FADE_FAR).toBeGreaterThan(1);
    expect(proximityOpacity(0)).toBe(0);
    expect(proximityOpacity(FADE_NEAR)).toBe(0);
    expect(proximityOpacity(FADE_FAR)).toBe(1);
    expect(proximityOpacity(40)).toBe(1);
    expect(proximityOpacity(NaN)).toBe(0);
    const mid = proximityOpacity((FADE_NEAR + FADE_FAR) / 2);
    expect(mid).toBeCloseTo(0.5, 12);
    let prev = 0;
    for (let d = FADE_NEAR; d <= FADE_FAR; d += 0.01) {
      const o = proximityOpacity(d);
      expect(o).toBeGreaterThanOrEqual(prev);
      expect(o).toBeLessThanOrEqual(1);
      prev = o;
    }
    // Mostly gone at a metre; no jump at the ends (smoothstep: zero slope).
    expect(proximityOpacity(1)).toBeLessThan(0.35);
    expect(proximityOpacity(FADE_NEAR + 0.01)).toBeLessThan(0.01);
    expect(proximityOpacity(FADE_FAR - 0.01)).toBeGreaterThan(0.99);
  });

  it('measures to the nearest point of a standing figure, or to a floating head', () => {
    const feet = { x: 2, y: 0, z: 3 };
    // Camera at eye height, 0.5 m beside the figure: 0.5 m from it.
    expect(figureDistance({ x: 2.5, y: 1.6, z: 3 }, feet, 1.73)).toBeCloseTo(0.5, 12);
    // Above its head or below its feet: to the top or the bottom of the figure.
    expect(figureDistance({ x: 2, y: 3.73, z: 3 }, feet, 1.73)).toBeCloseTo(2, 12);
    expect(figureDistance({ x: 2, y: -1, z: 3 }, feet, 1.73)).toBeCloseTo(1, 12);
    // Floating head (height 0): plain distance.
    expect(figureDistance({ x: 5, y: 14, z: 7 }, { x: 2, y: 14, z: 3 }, 0)).toBeCloseTo(5, 12);
    // A peer at our own camera position is not drawn.
    expect(proximityOpacity(figureDistance({ x: 2, y: 1.6, z: 3 }, feet, 1.73))).toBe(0);
  });
});

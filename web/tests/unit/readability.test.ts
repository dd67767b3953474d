// 3D readability: screen-space label sizes and decluttering, the home view framing every bed for
// any ward, and "go to the most urgent bed".
import { describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { declutter, LIFT_GAP, MAX_LIFTS, overlaps, spriteScaleFor, type LabelBox } from '../../src/scene/label-layout';
import { bedBoxPoints, frameBeds, frameForEveryone, projectNdc, type Margins } from '../../src/scene/home-view';
import { spotPose } from '../../src/presence/spawn';
import { layoutWard } from '../../src/model/layout';
import type { Structure, Vec3 } from '../../src/model/structure';
import { mostUrgent } from '../../src/viz/ranking';
import { Priority } from '../../src/viz/mapping';

describe('screen-space labels', () => {
  it('scales a sprite with sizeAttenuation off to the same pixel height at any distance', () => {
    for (const [fov, h, px] of [[60, 748, 63], [60, 1028, 76], [45, 500, 30]] as const) {
      const cam = new THREE.PerspectiveCamera(fov, 1.6, 0.05, 400);
      const s = spriteScaleFor(px, fov, h);
      for (const depth of [2, 10, 80]) {
        // three.js: a non-attenuated sprite's world height is scale × depth.
        const top = new THREE.Vector3(0, (s * depth) / 2, -depth).project(cam).y;
        const bottom = new THREE.Vector3(0, (-s * depth) / 2, -depth).project(cam).y;
        expect(((top - bottom) / 2) * h).toBeCloseTo(px, 6);
      }
    }
  });

  const box = (id: string, x: number, y: number, rank: number, alarmed = false): LabelBox => ({
    id, x, y, onScreen: true, full: { w: 150, h: 63 }, compact: { w: 70, h: 28 }, alarmed, rank,
  });

  it('shows every label in full when they do not touch', () => {
    const p = declutter([box('a', 100, 100, 0), box('b', 400, 100, 1), box('c', 100, 400, 2)]);
    expect([...p.values()].map((x) => x.mode)).toEqual(['full', 'full', 'full']);
  });

  it('gives the more urgent bed the full label and shrinks or hides the others', () => {
    const p = declutter([box('low', 110, 100, 5), box('top', 100, 100, 0), box('mid', 150, 112, 3)]);
    expect(p.get('top')!.mode).toBe('full');
    expect(p.get('low')!.mode).toBe('hidden');
    expect(p.get('mid')!.mode).not.toBe('full');
  });

  it('never hides an alarmed bed: raises or moves it clear, else keeps it in place', () => {
    const p = declutter([box('n', 100, 100, 0), box('al', 100, 100, 9, true)]);
    expect(p.get('al')!).toMatchObject({ mode: 'full', lift: 0 });
    expect(p.get('n')!.mode).not.toBe('full');
    // Alarmed beds on one spot: stacked up clear of each other while lifts remain, then all still shown.
    const stack = Array.from({ length: MAX_LIFTS + 1 }, (_, i) => box(`a${i}`, 300, 500, i, true));
    const q = declutter(stack);
    const rects = [...q.values()].map((x) => x.rect!);
    expect(Math.max(...[...q.values()].map((x) => x.lift))).toBe(MAX_LIFTS * (63 + LIFT_GAP));
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) expect(overlaps(rects[i], rects[j], 0)).toBe(false);
    const many = declutter(Array.from({ length: 12 }, (_, i) => box(`a${i}`, 300, 500, i, true)));
    expect([...many.values()].every((x) => x.mode === 'full')).toBe(true);
  });

  it('never lets two placed labels overlap unless both are alarmed (random wards)', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 60; trial++) {
      const boxes = Array.from({ length: 48 }, (_, i) => box(`b${i}`, rnd() * 1280, 60 + rnd() * 700, i, rnd() < 0.1));
      const p = declutter(boxes);
      const shown = boxes.filter((b) => p.get(b.id)!.mode !== 'hidden');
      expect(boxes.filter((b) => b.alarmed).every((b) => p.get(b.id)!.mode === 'full')).toBe(true);
      for (let i = 0; i < shown.length; i++) {
        for (let j = i + 1; j < shown.length; j++) {
          if (shown[i].alarmed && shown[j].alarmed) continue;
          expect(overlaps(p.get(shown[i].id)!.rect!, p.get(shown[j].id)!.rect!, 0)).toBe(false);
        }
      }
    }
  });

  it('keeps labels inside the screen horizontally', () => {
    const p = declutter([box('left', 10, 300, 0), box('right', 1275, 300, 1, true)], 1280);
    expect(p.get('left')!.rect!.x).toBe(0);
    expect(p.get('left')!.shift).toBe(65); // moved right by what stuck out
    expect(p.get('right')!.rect!.x + p.get('right')!.rect!.w).toBe(1280);
  });

  it('hides labels whose anchor is off screen', () => {
    const p = declutter([{ ...box('x', 10, 10, 0), onScreen: false }]);
    expect(p.get('x')).toEqual({ mode: 'hidden', lift: 0, shift: 0, rect: null });
  });
});

/** A demo-like ward of `n` beds: two beds a room, rooms in two rows (model/layout.ts). */
function ward(n: number): Structure {
  const rooms = new Map<string, { id: string; name: string; wardId: string; bedIds: string[] }>();
  const beds = [];
  for (let i = 0; i < n; i++) {
    const room = `room-${Math.floor(i / 2)}`;
    if (!rooms.has(room)) rooms.set(room, { id: room, name: room, wardId: 'w', bedIds: [] });
    const id = `bed-${i}`;
    rooms.get(room)!.bedIds.push(id);
    beds.push({ id, label: `A${i}`, roomId: room, wardId: 'w' });
  }
  return { wards: [{ id: 'w', name: 'W', floor: 0, roomIds: [...rooms.keys()] }], rooms, beds };
}

describe('home view frames every bed, for any ward', () => {
  const margins: Margins = { top: 0.18, bottom: 0.08, left: 0.07, right: 0.07 };
  const inside = (pts: Vec3[], view: { position: Vec3; target: Vec3 }, aspect: number, slack = 0) =>
    pts.every((p) => {
      const n = projectNdc(p, view, 60, aspect);
      return n.z > 0 && n.x >= -1 - slack && n.x <= 1 + slack && n.y >= -1 - slack && n.y <= 1 + slack;
    });

  for (const [w, h] of [[1280, 748], [1920, 1028], [390, 792]]) {
    for (const n of [1, 2, 12, 48, 200]) {
      it(`${n} beds at ${w}×${h}: every bed box inside the usable screen, from home and every spawn spot`, () => {
        const layout = layoutWard(ward(n));
        const pts = bedBoxPoints(layout.beds.values());
        const view = frameBeds(pts, 60, w / h, margins)!;
        for (const p of pts) {
          const q = projectNdc(p, view, 60, w / h);
          expect(q.x).toBeGreaterThanOrEqual(-1 + 2 * margins.left - 1e-6);
          expect(q.x).toBeLessThanOrEqual(1 - 2 * margins.right + 1e-6);
          expect(q.y).toBeGreaterThanOrEqual(-1 + 2 * margins.bottom - 1e-6);
          expect(q.y).toBeLessThanOrEqual(1 - 2 * margins.top + 1e-6);
        }
        // Tight: some point touches the usable window's edge (no wasted zoom).
        const extent = Math.max(...pts.map((p) => {
          const q = projectNdc(p, view, 60, w / h);
          return Math.max((q.x - (-1 + 2 * margins.left)) <= 1e-3 || (1 - 2 * margins.right - q.x) <= 1e-3 ? 1 : 0,
            (q.y - (-1 + 2 * margins.bottom)) <= 1e-3 || (1 - 2 * margins.top - q.y) <= 1e-3 ? 1 : 0);
        }));
        if (n > 2) expect(extent).toBe(1);
        // Other viewers start up to two rings of 1.6 m away: still everything on screen.
        const shared = frameForEveryone(pts, 60, w / h, margins)!;
        expect(inside(pts, shared, w / h)).toBe(true);
        for (let k = 0; k < 19; k++) {
          const s = spotPose(shared, k);
          expect(inside(pts, { position: { x: s.x, y: s.y, z: s.z }, target: shared.target }, w / h)).toBe(true);
        }
      });
    }
  }

  it('frames scattered beds, on two floors', () => {
    let seed = 3;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const beds = Array.from({ length: 30 }, () => ({ x: rnd() * 80 - 40, y: rnd() < 0.5 ? 0 : 4, z: rnd() * 30 }));
    const pts = bedBoxPoints(beds);
    const view = frameBeds(pts, 60, 1.7, margins)!;
    expect(inside(pts, view, 1.7)).toBe(true);
    expect(frameBeds([], 60, 1.7, margins)).toBeNull();
  });
});

describe('go to the most urgent bed', () => {
  const beds = [
    { id: 'a', label: 'A1', priority: Priority.None, news2: 1 },
    { id: 'b', label: 'A2', priority: Priority.High, news2: 3 },
    { id: 'c', label: 'A3', priority: Priority.None, news2: 8 },
    { id: 'd', label: 'A4', priority: Priority.Medium, news2: 2 },
  ];
  it('goes to the first in overview order, then round the beds that need attention', () => {
    expect(mostUrgent(beds)?.id).toBe('c'); // NEWS2 8 ranks with the high alarms, higher NEWS2
    expect(mostUrgent(beds, 'c')?.id).toBe('b');
    expect(mostUrgent(beds, 'b')?.id).toBe('d');
    expect(mostUrgent(beds, 'd')?.id).toBe('c'); // bed a (NEWS2 1, no alarm) is not in the round
    expect(mostUrgent(beds, 'a')?.id).toBe('c');
  });
  it('takes the top bed when nothing is urgent, and nothing without beds', () => {
    const calm = [{ id: 'x', label: 'B2', priority: Priority.None, news2: 0 }, { id: 'y', label: 'B1', priority: Priority.None, news2: 2 }];
    expect(mostUrgent(calm)?.id).toBe('y');
    expect(mostUrgent(calm, 'y')?.id).toBe('y');
    expect(mostUrgent([])).toBeUndefined();
  });
});

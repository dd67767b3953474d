import { describe, expect, it } from 'vitest';
import { buildStructure, UNASSIGNED_ROOM } from '../../src/model/structure';
import { layoutWard, ROOM_DEPTH } from '../../src/model/layout';
import type { Relationship, Twin } from '../../src/types';

const twin = (id: string, model: string, properties: Record<string, unknown> = {}): Twin => ({
  id, model: `dtmi:lingjing:ward:${model};1`, properties, telemetry: {},
});

function graph(withPositions: boolean) {
  const twins = new Map<string, Twin>();
  const rels = new Map<string, Relationship[]>();
  const add = (t: Twin) => twins.set(t.id, t);
  add(twin('ward-a', 'Ward', { name: 'Ward A', floor: 3 }));
  rels.set('ward-a', []);
  for (let r = 1; r <= 3; r++) {
    const room = `room-a0${r}`;
    add(twin(room, 'Room', withPositions ? { position: { x: r * 10, y: 2, z: 0 } } : {}));
    rels.get('ward-a')!.push({ name: 'contains', target: room });
    rels.set(room, []);
    for (let s = 0; s < 2; s++) {
      const n = (r - 1) * 2 + s + 1;
      const bed = `bed-a0${n}`;
      add(twin(bed, 'Bed', { label: `A0${n}`, ...(withPositions ? { position: { x: r * 10 + s * 3, y: 1, z: 0 } } : {}) }));
      rels.get(room)!.push({ name: 'contains', target: bed });
      add(twin(`patient-a0${n}`, 'Patient'));
      add(twin(`monitor-a0${n}`, 'BedsideMonitor'));
      rels.set(bed, [{ name: 'occupiedBy', target: `patient-a0${n}` }, { name: 'hasDevice', target: `monitor-a0${n}` }]);
    }
  }
  return { twins, rels };
}

describe('structure', () => {
  it('follows contains/occupiedBy/hasDevice', () => {
    const { twins, rels } = graph(false);
    const s = buildStructure(twins, rels);
    expect(s.wards.map((w) => w.id)).toEqual(['ward-a']);
    expect(s.wards[0].roomIds).toEqual(['room-a01', 'room-a02', 'room-a03']);
    expect(s.beds.map((b) => b.label)).toEqual(['A01', 'A02', 'A03', 'A04', 'A05', 'A06']);
    expect(s.beds[2]).toMatchObject({ roomId: 'room-a02', patientId: 'patient-a03', monitorId: 'monitor-a03' });
  });
  it('falls back to the id convention before relationships are known', () => {
    const { twins } = graph(false);
    const s = buildStructure(twins, new Map());
    expect(s.beds[0]).toMatchObject({ roomId: UNASSIGNED_ROOM, patientId: 'patient-a01', monitorId: 'monitor-a01' });
  });
  it('an empty bed (relationships known, none occupiedBy) has no patient', () => {
    const { twins, rels } = graph(false);
    rels.set('bed-a01', [{ name: 'hasDevice', target: 'monitor-a01' }]);
    expect(buildStructure(twins, rels).beds[0].patientId).toBeUndefined();
  });
});

describe('layout', () => {
  it('uses twin positions (position.y is the world z)', () => {
    const { twins, rels } = graph(true);
    const l = layoutWard(buildStructure(twins, rels));
    expect(l.beds.get('bed-a03')).toMatchObject({ x: 20, z: 1, y: 0 });
    expect(l.rooms.find((r) => r.id === 'room-a02')).toMatchObject({ x: 20, z: 2 });
  });
  it('lays out rooms in two rows along a corridor and beds side by side without positions', () => {
    const { twins, rels } = graph(false);
    const l = layoutWard(buildStructure(twins, rels));
    const [r1, r2, r3] = ['room-a01', 'room-a02', 'room-a03'].map((id) => l.rooms.find((r) => r.id === id)!);
    expect(r1.z).toBe(r2.z);
    expect(r3.z).toBeGreaterThan(r1.z + ROOM_DEPTH);
    const b1 = l.beds.get('bed-a01')!;
    const b2 = l.beds.get('bed-a02')!;
    expect(b1.z).toBe(b2.z);
    expect(b2.x).toBeGreaterThan(b1.x);
    expect(Math.abs(b1.x - r1.x)).toBeLessThan(r1.width / 2);
    expect(b1.rotY).toBe(0);
    expect(l.beds.get('bed-a05')!.rotY).toBe(Math.PI); // the other row faces the other way
    // No two beds overlap.
    const all = [...l.beds.values()];
    for (const a of all) for (const b of all) if (a !== b) expect(Math.hypot(a.x - b.x, a.z - b.z)).toBeGreaterThan(1.5);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TwinStore } from '../../src/model/twin-store';
import { bedView } from '../../src/model/bed-view';
import { Priority } from '../../src/viz/mapping';
import type { Twin } from '../../src/types';

const M = (n: string) => `dtmi:lingjing:ward:${n};1`;
const twin = (id: string, model: string, properties: Record<string, unknown> = {}, telemetry: Twin['telemetry'] = {}): Twin => ({
  id, model: M(model), properties, telemetry,
});

describe('TwinStore', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{}', { status: 404 })));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('builds beds from a snapshot, applies deltas and twin join/leave', () => {
    const s = new TwinStore();
    const events: string[] = [];
    s.on((k) => events.push(k));
    s.apply({
      op: 'snapshot', sub: 'ward',
      twins: [twin('ward-a', 'Ward'), twin('bed-a01', 'Bed', { label: 'A01' }), twin('patient-a01', 'Patient'),
        twin('monitor-a01', 'BedsideMonitor', {}, { hr: { t: 1, v: 70 } })],
    });
    expect(s.structure.beds.map((b) => [b.id, b.patientId, b.monitorId])).toEqual([['bed-a01', 'patient-a01', 'monitor-a01']]);
    s.apply({ op: 'delta', sub: 'ward', twins: { 'monitor-a01': { hr: { t: 2, v: 130 } } } });
    expect(s.twins.get('monitor-a01')!.telemetry.hr.v).toBe(130);
    expect(s.pendingTimes).toEqual([2]);
    s.apply({ op: 'twin', sub: 'ward', id: 'patient-a01', removed: true });
    expect(s.structure.beds[0].patientId).toBeUndefined();
    s.apply({ op: 'twin', sub: 'ward', twin: twin('bed-a02', 'Bed', { label: 'A02' }) });
    expect(s.structure.beds.map((b) => b.label)).toEqual(['A01', 'A02']);
    expect(events).toEqual(['structure', 'values', 'structure', 'structure']);
  });
});

describe('bedView', () => {
  const bed = { id: 'bed-a01', label: 'A01', roomId: 'r', wardId: 'w', patientId: 'p', monitorId: 'm' };
  it('estimates NEWS2 from vitals when the engine has not scored the patient', () => {
    const twins = new Map<string, Twin>([
      ['p', twin('p', 'Patient', { spo2Scale: 1 })],
      ['m', twin('m', 'BedsideMonitor', {}, { hr: { t: 1, v: 135 }, rr: { t: 1, v: 26 }, spo2: { t: 1, v: 97 }, nibpSys: { t: 1, v: 120 }, temp: { t: 1, v: 37 } })],
    ]);
    const v = bedView(bed, twins);
    expect(v.news2).toBe(6);
    expect(v.news2Estimated).toBe(true);
    expect(v.risk).toBe('medium');
    expect(v.priority).toBe(Priority.Medium);
  });
  it('prefers the engine NEWS2 and alarm level on the Patient twin', () => {
    const twins = new Map<string, Twin>([
      ['p', twin('p', 'Patient', {}, { news2: { t: 1, v: 8 }, news2Risk: { t: 1, v: 'high' }, alarmLevel: { t: 1, v: 'medium' }, alarmText: { t: 1, v: 'HR 134 > 120' }, consciousness: { t: 1, v: 'voice' } })],
      ['m', twin('m', 'BedsideMonitor', {}, { hr: { t: 5, v: 80 } })],
    ]);
    const v = bedView(bed, twins);
    expect(v).toMatchObject({ news2: 8, news2Estimated: false, risk: 'high', priority: Priority.Medium, alarmText: 'HR 134 > 120', newestT: 5 });
    expect(v.news2Detail.scores.consciousness).toBe(3);
  });
  it('raises a technical low-priority alarm when the leads are off', () => {
    const twins = new Map<string, Twin>([
      ['p', twin('p', 'Patient')],
      ['m', twin('m', 'BedsideMonitor', {}, { hr: { t: 1, v: 70 }, ecgLeadsOff: { t: 1, v: true } })],
    ]);
    expect(bedView(bed, twins)).toMatchObject({ priority: Priority.Low, alarmText: 'ECG leads off' });
  });
});

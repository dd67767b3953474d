import { describe, expect, it } from 'vitest';
import { liveInputs, mergeNews2, News2Sync, parseBreakdown, RESYNC_AFTER_MS, RESYNC_GAP_MS, type LiveInputs } from '../../src/viz/news2-live';
import { estimateNews2 } from '../../src/viz/news2';
import type { Twin } from '../../src/types';

const T = Date.parse('2026-12-07T21:51:15.316Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** The engine's answer for patient-a01 in the demo (GET /api/v1/patients/patient-a01/news2). */
function engine(over: Record<string, Record<string, unknown>> = {}, scale = 1): Record<string, unknown> {
  const p = (value: unknown, score: number, t = T) => ({ missing: false, score, t: iso(t), value });
  const parameters: Record<string, unknown> = {
    air_or_oxygen: p('air', 0, T - 28_000),
    consciousness: p('newConfusion', 3, T - 28_000),
    pulse: p(120, 2),
    respiration_rate: p(20, 0),
    spo2: p(92, 2),
    systolic_bp: p(99, 2),
    temperature: p(38.4, 1),
    ...over,
  };
  return { complete: true, parameters, patient: 'patient-a01', risk: 'high', score: 10, spo2Scale: scale, t: iso(T) };
}

const tv = <V>(v: V, t: number) => ({ v, t });

describe('NEWS2 rows: the engine breakdown, re-scored from live readings', () => {
  it('reads the engine breakdown', () => {
    const b = parseBreakdown(engine());
    expect(b.score).toBe(10);
    expect(b.scale).toBe(1);
    expect(b.params.hr).toEqual({ value: 120, score: 2, t: T });
    const m = parseBreakdown(engine({ temperature: { missing: true, score: 0, t: null, value: null } }));
    expect(m.params.temp.score).toBeUndefined();
  });

  it('equals the engine breakdown while no reading is newer', () => {
    const b = parseBreakdown(engine());
    const live: LiveInputs = { hr: tv(125, T), rr: tv(20, T - 1000) };
    const m = mergeNews2(b, live);
    expect(m.total).toBe(10);
    expect(m.rows.map((r) => [r.param, r.score, r.live])).toEqual([
      ['rr', 0, false], ['spo2', 2, false], ['air', 0, false], ['sys', 2, false], ['hr', 2, false], ['consciousness', 3, false], ['temp', 1, false],
    ]);
    expect(m.rows.find((r) => r.param === 'hr')!.value).toBe('120');
  });

  it('re-scores a parameter whose live reading is newer, and the total follows', () => {
    const b = parseBreakdown(engine());
    const m = mergeNews2(b, { hr: tv(131, T + 1000), temp: tv(36.0, T + 1000), consciousness: tv('alert', T + 5000) });
    expect(m.rows.find((r) => r.param === 'hr')).toEqual({ param: 'hr', value: '131', score: 3, live: true });
    expect(m.rows.find((r) => r.param === 'temp')).toMatchObject({ value: '36.0', score: 1 });
    expect(m.rows.find((r) => r.param === 'consciousness')).toMatchObject({ score: 0 });
    expect(m.total).toBe(0 + 2 + 0 + 2 + 3 + 0 + 1);
  });

  it('reads SpO₂ scale 2 with air or oxygen, and an SpO₂ probe that is off as missing', () => {
    const b = parseBreakdown(engine({ spo2: { missing: false, score: 0, t: iso(T), value: 95 } }, 2));
    // On air, 95 % scores 0 on scale 2; oxygen started: 95 % now scores 2, and oxygen 2.
    const m = mergeNews2(b, { oxygen: tv(true, T + 1000) });
    expect(m.rows.find((r) => r.param === 'air')).toMatchObject({ value: 'oxygen', score: 2 });
    expect(m.rows.find((r) => r.param === 'spo2')).toMatchObject({ value: '95', score: 2 });
    const off = mergeNews2(b, { spo2: tv(60, T + 1000), spo2Off: tv(true, T + 1000) });
    expect(off.rows.find((r) => r.param === 'spo2')).toMatchObject({ value: 'sensor off', score: undefined });
    expect(off.complete).toBe(false);
  });

  it('always sums its rows (random readings)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 500; i++) {
      const b = parseBreakdown(engine({}, rnd() < 0.3 ? 2 : 1));
      const t = () => T + Math.round((rnd() - 0.5) * 4000);
      const live: LiveInputs = {
        hr: tv(30 + rnd() * 120, t()), rr: tv(5 + rnd() * 30, t()), spo2: tv(80 + rnd() * 20, t()), sys: tv(70 + rnd() * 160, t()),
        temp: tv(34 + rnd() * 6, t()), consciousness: tv(rnd() < 0.5 ? 'alert' : 'voice', t()), oxygen: tv(rnd() < 0.5, t()),
        spo2Off: tv(rnd() < 0.1, t()),
      };
      const m = mergeNews2(b, live);
      expect(m.total).toBe(m.rows.reduce((a, r) => a + (r.score ?? 0), 0));
      expect(m.rows).toHaveLength(7);
    }
  });

  it('scores as the client estimate does when every reading is live', () => {
    const b = parseBreakdown(engine());
    const t = T + 10_000;
    const m = mergeNews2(b, { hr: tv(112, t), rr: tv(23, t), spo2: tv(93, t), sys: tv(104, t), temp: tv(38.6, t), consciousness: tv('alert', t), oxygen: tv(false, t) });
    const e = estimateNews2({ hr: 112, rr: 23, spo2: 93, sys: 104, temp: 38.6, consciousness: 'A', onOxygen: false });
    expect(m.total).toBe(e.total);
  });

  it('takes the live readings from the monitor and patient twins', () => {
    const monitor: Twin = { id: 'm', model: 'x', properties: {}, telemetry: { hr: { t: 5, v: 80 }, nibpSys: { t: 6, v: 120 }, spo2SensorOff: { t: 7, v: false } } };
    const patient: Twin = { id: 'p', model: 'x', properties: {}, telemetry: { consciousness: { t: 8, v: 'voice' }, supplementalO2: { t: 9, v: true } } };
    expect(liveInputs(monitor, patient)).toEqual({
      rr: undefined, spo2: undefined, temp: undefined,
      hr: { v: 80, t: 5 }, sys: { v: 120, t: 6 }, spo2Off: { v: false, t: 7 }, consciousness: { v: 'voice', t: 8 }, oxygen: { v: true, t: 9 },
    });
  });
});

describe('News2Sync: fetch again only when the rows and the engine disagree', () => {
  it('waits out a delta that trails, then fetches, then not more often than the gap', () => {
    const s = new News2Sync();
    expect(s.check(5, 5, 0)).toBe(false);
    expect(s.check(5, undefined, 10)).toBe(false);
    expect(s.check(6, 5, 100)).toBe(false);
    expect(s.mismatch).toBe(true);
    expect(s.check(6, 5, 100 + RESYNC_AFTER_MS - 1)).toBe(false);
    expect(s.check(6, 5, 100 + RESYNC_AFTER_MS)).toBe(true);
    expect(s.check(6, 5, 100 + RESYNC_AFTER_MS + 10)).toBe(false);
    expect(s.check(6, 5, 100 + RESYNC_AFTER_MS + RESYNC_GAP_MS)).toBe(true);
    expect(s.check(5, 5, 5000)).toBe(false);
    expect(s.mismatch).toBe(false);
  });
  it('does not ask again right after a fetch answered', () => {
    const s = new News2Sync();
    s.fetched(1000);
    expect(s.check(6, 5, 1100)).toBe(false);
    expect(s.check(6, 5, 1000 + RESYNC_GAP_MS)).toBe(true);
  });
});

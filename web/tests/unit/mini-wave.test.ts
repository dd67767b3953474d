import { describe, expect, it } from 'vitest';
import { chooseTelemetry, LINGER_MS, MAX_TILE_WAVES, miniTrace, planSubscriptions } from '../../src/ecg/mini-wave';
import type { WaveBlock } from '../../src/ecg/strip-math';

describe('tile waveform: which signal', () => {
  it('draws ECG when the monitor sends it, else pleth', () => {
    expect(chooseTelemetry({}, 1000)).toBeNull();
    expect(chooseTelemetry({ ecg: 900, pleth: 950 }, 1000)).toBe('ecg');
    expect(chooseTelemetry({ pleth: 950 }, 1000)).toBe('pleth');
    // ECG stopped (a device without it now), pleth goes on.
    expect(chooseTelemetry({ ecg: 0, pleth: 9900 }, 10_000)).toBe('pleth');
    expect(chooseTelemetry({ ecg: 0 }, 10_000)).toBe('ecg');
  });
});

describe('tile waveform: subscriptions for the tiles on screen', () => {
  it('subscribes to the visible monitors, in display order, within the budget', () => {
    const last = new Map<string, number>();
    const wanted = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const p = planSubscriptions(new Set(), wanted, last, 0);
    expect(p.add).toEqual(wanted.slice(0, MAX_TILE_WAVES));
    expect(p.remove).toEqual([]);
  });

  it('keeps a tile that scrolled away for a moment, then drops it', () => {
    const last = new Map<string, number>();
    const subs = new Set(['a', 'b']);
    planSubscriptions(subs, ['a', 'b'], last, 0);
    expect(planSubscriptions(subs, ['a'], last, 500)).toEqual({ add: [], remove: [] });
    expect(planSubscriptions(subs, ['a'], last, LINGER_MS)).toEqual({ add: [], remove: ['b'] });
  });

  it('makes room for a newly visible tile by dropping a lingering one when over budget', () => {
    const last = new Map<string, number>();
    const subs = new Set(['a', 'b', 'c']);
    planSubscriptions(subs, ['a', 'b', 'c'], last, 0, 3);
    const p = planSubscriptions(subs, ['a', 'b', 'd'], last, 100, 3);
    expect(p).toEqual({ add: ['d'], remove: ['c'] });
  });

  it('never subscribes twice or beyond the budget', () => {
    const last = new Map<string, number>();
    const subs = new Set<string>();
    for (let step = 0; step < 50; step++) {
      const start = (step * 7) % 40;
      const wanted = Array.from({ length: 30 }, (_, i) => `m${(start + i) % 70}`);
      const p = planSubscriptions(subs, wanted, last, step * 400, 24);
      for (const m of p.remove) subs.delete(m);
      for (const m of p.add) {
        expect(subs.has(m)).toBe(false);
        subs.add(m);
      }
      expect(subs.size).toBeLessThanOrEqual(24);
    }
  });
});

describe('tile waveform: the trace', () => {
  const block = (t0: number, rate: number, v: number[]): WaveBlock => ({ t0, dt: 1000 / rate, v, end: t0 + (v.length * 1000) / rate });

  it('keeps a flat ECG flat (asystole is not amplified into a signal)', () => {
    const flat = block(0, 250, Array.from({ length: 1000 }, (_, i) => 20 + (i % 2) * 10));
    const ys = miniTrace([flat], [], 4000, 4000, 100, 'ecg');
    for (let c = 0; c < 100; c++) {
      expect(ys[2 * c]).toBeGreaterThan(0.45);
      expect(ys[2 * c + 1]).toBeLessThan(0.55);
    }
  });

  it('scales a beat into the tile and breaks at gaps and where there is no data', () => {
    const v = Array.from({ length: 1000 }, (_, i) => (i % 250 === 0 ? 1200 : 0));
    const ys = miniTrace([block(1000, 250, v)], [{ from: 2000, to: 2400 }], 5000, 4000, 100, 'ecg');
    const finite = [...ys].filter((y) => !Number.isNaN(y));
    expect(Math.min(...finite)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...finite)).toBeLessThanOrEqual(1);
    expect(Math.min(...finite)).toBeLessThan(0.2); // the R waves reach the top
    expect(Number.isNaN(ys[2 * 26])).toBe(true); // inside the gap (2000–2400 ms → columns 25–35)
    const empty = miniTrace([], [], 5000, 4000, 10, 'pleth');
    expect([...empty].every(Number.isNaN)).toBe(true);
  });
});

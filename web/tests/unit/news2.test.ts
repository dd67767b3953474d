import { describe, expect, it } from 'vitest';
import { estimateNews2, scoreHr, scoreRr, scoreSpo2, scoreSys, scoreTemp } from '../../src/viz/news2';

describe('NEWS2 bands (RCP 2017)', () => {
  it('scores respiration at every boundary', () => {
    expect([8, 9, 11, 12, 20, 21, 24, 25].map(scoreRr)).toEqual([3, 1, 1, 0, 0, 2, 2, 3]);
  });
  it('scores SpO2 on scales 1 and 2', () => {
    expect([91, 92, 93, 94, 95, 96].map((v) => scoreSpo2(v, 1))).toEqual([3, 2, 2, 1, 1, 0]);
    expect([83, 84, 85, 86, 87, 88, 92, 97].map((v) => scoreSpo2(v, 2, false))).toEqual([3, 2, 2, 1, 1, 0, 0, 0]);
    expect([93, 94, 95, 96, 97].map((v) => scoreSpo2(v, 2, true))).toEqual([1, 1, 2, 2, 3]);
  });
  it('scores systolic BP, pulse and temperature', () => {
    expect([90, 91, 100, 101, 110, 111, 219, 220].map(scoreSys)).toEqual([3, 2, 2, 1, 1, 0, 0, 3]);
    expect([40, 41, 50, 51, 90, 91, 110, 111, 130, 131].map(scoreHr)).toEqual([3, 1, 1, 0, 0, 1, 1, 2, 2, 3]);
    expect([35.0, 35.1, 36.0, 36.1, 38.0, 38.1, 39.0, 39.1].map(scoreTemp)).toEqual([3, 1, 1, 0, 0, 1, 1, 2]);
  });
  it('aggregates, flags a single 3 and marks missing parameters', () => {
    const r = estimateNews2({ rr: 26, spo2: 97, sys: 120, hr: 80, temp: 37 });
    expect(r.total).toBe(3);
    expect(r.singleParameter3).toBe(true);
    expect(r.risk).toBe('low-medium');
    expect(r.complete).toBe(false);
    expect(r.missing).toEqual(['air', 'consciousness']);
    const full = estimateNews2({ rr: 22, spo2: 93, onOxygen: true, sys: 105, hr: 115, consciousness: 'A', temp: 38.5 });
    expect(full.total).toBe(2 + 2 + 2 + 1 + 2 + 0 + 1);
    expect(full.risk).toBe('high');
    expect(full.complete).toBe(true);
  });
});

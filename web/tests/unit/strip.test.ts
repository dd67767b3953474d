import { describe, expect, it } from 'vitest';
import { binColumns, CSS_PX_PER_MM, PlaybackClock, pxPerMicrovolt, stripSpanMs, timeToX } from '../../src/ecg/strip-math';

describe('ECG paper geometry', () => {
  it('shows 1 s per 25 mm at any device pixel ratio', () => {
    const pxFor25mm = 25 * CSS_PX_PER_MM;
    expect(stripSpanMs(pxFor25mm, 1)).toBeCloseTo(1000, 6);
    expect(stripSpanMs(pxFor25mm * 2, 2)).toBeCloseTo(1000, 6);
    expect(timeToX(9000, 10000, 500, 1)).toBeCloseTo(500 - pxFor25mm, 6);
  });
  it('draws 1 mV as 10 mm', () => {
    expect(pxPerMicrovolt(1) * 1000).toBeCloseTo(10 * CSS_PX_PER_MM, 6);
  });
});

describe('binColumns', () => {
  const block = { t0: 0, dt: 4, v: Float32Array.from({ length: 250 }, (_, i) => i), end: 1000 };
  it('puts each sample in its column and keeps min/max', () => {
    const { min, max } = binColumns([block], [], 1000, 1000, 10);
    expect(min[0]).toBe(0);
    expect(max[0]).toBe(24);
    expect(min[9]).toBe(225);
  });
  it('breaks the trace where a gap marker lies and where data is missing', () => {
    const { min } = binColumns([block], [{ from: 200, to: 400 }], 1000, 1000, 10);
    expect(Number.isNaN(min[2])).toBe(true);
    expect(Number.isNaN(min[3])).toBe(true);
    expect(Number.isNaN(min[4])).toBe(false);
    const later = binColumns([block], [], 2000, 2000, 10);
    expect(Number.isNaN(later.min[7])).toBe(true); // 1400–1600 ms: no data
  });
});

describe('PlaybackClock', () => {
  it('plays jitterMs behind the newest data and advances with local time', () => {
    const c = new PlaybackClock(400);
    expect(c.playTime(0)).toBeNull();
    c.onBlock(10_000, 10_050); // 50 ms transport delay
    expect(c.playTime(10_050)).toBeCloseTo(10_000 - 400, 6);
    expect(c.playTime(10_150)).toBeCloseTo(10_100 - 400, 6);
  });
  it('glides towards a smaller delay without jumping', () => {
    const c = new PlaybackClock(0);
    for (let t = 0; t <= 2500; t += 100) c.onBlock(t - 200, t); // 200 ms delay while settling
    for (let t = 2600; t <= 4700; t += 100) c.onBlock(t - 50, t); // then 50 ms
    c.playTime(4700);
    const a = c.playTime(4800)!;
    const b = c.playTime(4900)!;
    expect(b - a).toBeGreaterThan(100); // catching up, a little faster than real time
    expect(b - a).toBeLessThanOrEqual(103 + 1e-9); // but by at most 3 %
  });
});

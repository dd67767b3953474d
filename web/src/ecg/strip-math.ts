// ECG paper geometry and sample binning. Paper speed 25 mm/s and gain 10 mm/mV as on a bedside
// monitor; a CSS millimetre is 96 / 25.4 CSS px (true on a calibrated 96-dpi screen). Pure.

export const PAPER_SPEED_MM_S = 25;
export const GAIN_MM_PER_MV = 10;
export const CSS_PX_PER_MM = 96 / 25.4;

export interface WaveBlock {
  t0: number; // ms of the first sample
  dt: number; // ms per sample
  v: ArrayLike<number>;
  end: number; // t0 + n·dt
}

export interface Gap {
  from: number;
  to: number;
}

/** Time shown across `widthPx` device pixels at paper speed. */
export function stripSpanMs(widthPx: number, dpr: number, mmPerSec = PAPER_SPEED_MM_S): number {
  const mm = widthPx / (CSS_PX_PER_MM * dpr);
  return (mm / mmPerSec) * 1000;
}

/** Device-pixel x of time `t` when time `tRight` is at the right edge `widthPx`. */
export function timeToX(t: number, tRight: number, widthPx: number, dpr: number): number {
  return widthPx - ((tRight - t) / 1000) * PAPER_SPEED_MM_S * CSS_PX_PER_MM * dpr;
}

/** Device px per microvolt at 10 mm/mV. */
export function pxPerMicrovolt(dpr: number): number {
  return (GAIN_MM_PER_MV * CSS_PX_PER_MM * dpr) / 1000;
}

/**
 * Min/max of the samples falling in each of `w` columns spanning [t1 − span, t1]; NaN where no
 * sample falls or a gap marker covers the column (the trace breaks there).
 */
export function binColumns(
  blocks: readonly WaveBlock[],
  gaps: readonly Gap[],
  t1: number,
  span: number,
  w: number,
): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(w).fill(NaN);
  const max = new Float32Array(w).fill(NaN);
  const t0 = t1 - span;
  const colMs = span / w;
  for (const b of blocks) {
    if (b.end < t0 || b.t0 > t1) continue;
    const iStart = Math.max(0, Math.floor((t0 - b.t0) / b.dt));
    const iEnd = Math.min(b.v.length, Math.ceil((t1 - b.t0) / b.dt) + 1);
    for (let i = iStart; i < iEnd; i++) {
      const col = Math.floor((b.t0 + i * b.dt - t0) / colMs);
      if (col < 0 || col >= w) continue;
      const y = b.v[i];
      if (!(min[col] <= y)) min[col] = y;
      if (!(max[col] >= y)) max[col] = y;
    }
  }
  for (const g of gaps) {
    const a = Math.max(0, Math.floor((g.from - t0) / colMs));
    const z = Math.min(w, Math.ceil((g.to - t0) / colMs));
    for (let c = a; c < z; c++) {
      min[c] = NaN;
      max[c] = NaN;
    }
  }
  return { min, max };
}

/**
 * Playback clock: shows data `jitterMs` behind the estimated newest sample so the trace scrolls
 * at constant speed despite bursty delivery. The offset (arrival − block end: transport delay
 * plus clock skew) is the minimum over 2 s windows; the applied offset glides towards it by at
 * most 3 % of elapsed time so the paper speed never visibly changes.
 */
export class PlaybackClock {
  private offset: number | null = null;
  private target = 0;
  private windowMin = Infinity;
  private windowStart = 0;
  private first = 0;
  private last = 0;

  constructor(readonly jitterMs = 400) {}

  onBlock(blockEnd: number, arrival: number): void {
    const d = arrival - blockEnd;
    if (d < this.windowMin) this.windowMin = d;
    if (this.offset === null) {
      this.first = this.windowStart = this.last = arrival;
      this.offset = this.target = d;
      return;
    }
    if (arrival - this.first < 2000 && d < this.offset) this.offset = this.target = d;
    if (arrival - this.windowStart > 2000) {
      this.target = this.windowMin;
      this.windowMin = Infinity;
      this.windowStart = arrival;
    }
  }

  /** Time at the right edge of the strip for local time `now`, or null before any data. */
  playTime(now: number): number | null {
    if (this.offset === null) return null;
    const diff = this.target - this.offset;
    const step = Math.min(Math.max(0, now - this.last), 100) * 0.03;
    this.offset = Math.abs(diff) > 1500 ? this.target : this.offset + Math.max(-step, Math.min(step, diff));
    this.last = now;
    return now - this.offset - this.jitterMs;
  }
}

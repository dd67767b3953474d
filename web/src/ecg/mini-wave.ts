// The small live waveform of a central-station tile: which signal (ECG when the monitor sends
// one, else pleth), which monitors to subscribe to (the visible tiles', most urgent first, within
// a budget of subscriptions), and the trace as one y per pixel column, scaled so a flat line
// stays flat. Pure.
import { binColumns, type Gap, type WaveBlock } from './strip-math';

export type MiniTelemetry = 'ecg' | 'pleth';

/** Seconds of signal across a tile. */
export const MINI_SPAN_MS = 4000;
/** At most this many tile subscriptions (the engine allows 64 per connection; the ward, presence
 *  and the panel's waveforms use 3). */
export const MAX_TILE_WAVES = 48;
/** A tile that scrolled away keeps its subscription this long (no churn while scrolling). */
export const LINGER_MS = 1500;

/** ECG when an ECG block arrived within `freshMs`, else pleth when one did; null before any. */
export function chooseTelemetry(lastArrival: { ecg?: number; pleth?: number }, now: number, freshMs = 3000): MiniTelemetry | null {
  if (lastArrival.ecg !== undefined && now - lastArrival.ecg <= freshMs) return 'ecg';
  if (lastArrival.pleth !== undefined && now - lastArrival.pleth <= freshMs) return 'pleth';
  if (lastArrival.ecg !== undefined) return 'ecg';
  if (lastArrival.pleth !== undefined) return 'pleth';
  return null;
}

/**
 * Subscription changes: `wanted` monitors (visible tiles in display order) up to `max`; a
 * subscribed monitor no longer wanted is dropped once it has not been wanted for `linger` ms.
 * `lastWanted` is updated in place.
 */
export function planSubscriptions(
  subscribed: ReadonlySet<string>,
  wanted: readonly string[],
  lastWanted: Map<string, number>,
  now: number,
  max = MAX_TILE_WAVES,
  linger = LINGER_MS,
): { add: string[]; remove: string[] } {
  const want = [...new Set(wanted)].slice(0, max);
  for (const m of want) lastWanted.set(m, now);
  const wantSet = new Set(want);
  const remove = [...subscribed].filter((m) => !wantSet.has(m) && now - (lastWanted.get(m) ?? -Infinity) >= linger);
  for (const m of remove) lastWanted.delete(m);
  let room = max - (subscribed.size - remove.length);
  const add: string[] = [];
  for (const m of want) {
    if (subscribed.has(m)) continue;
    if (room <= 0) {
      // Over budget: make room by dropping lingering ones that are not wanted now.
      const spare = [...subscribed].find((s) => !wantSet.has(s) && !remove.includes(s));
      if (!spare) break;
      remove.push(spare);
      lastWanted.delete(spare);
      room++;
    }
    add.push(m);
    room--;
  }
  return { add, remove };
}

/** Smallest vertical range drawn: 1.5 mV for ECG (µV), so asystole is a flat line, not noise. */
const MIN_RANGE: Record<MiniTelemetry, number> = { ecg: 1500, pleth: 1 };

/**
 * One y per column in 0 (top) … 1 (bottom), NaN where the trace breaks (no data, a gap), for
 * the last `span` ms up to `t1`. The range is the window's min/max, at least MIN_RANGE.
 */
export function miniTrace(
  blocks: readonly WaveBlock[],
  gaps: readonly Gap[],
  t1: number,
  span: number,
  cols: number,
  telemetry: MiniTelemetry,
): Float32Array {
  const { min, max } = binColumns(blocks, gaps, t1, span, cols);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < cols; i++) {
    if (Number.isNaN(min[i])) continue;
    if (min[i] < lo) lo = min[i];
    if (max[i] > hi) hi = max[i];
  }
  const out = new Float32Array(cols * 2).fill(NaN);
  if (lo > hi) return out;
  const range = Math.max(hi - lo, MIN_RANGE[telemetry]);
  const mid = (hi + lo) / 2;
  const top = mid + range / 2;
  for (let i = 0; i < cols; i++) {
    if (Number.isNaN(min[i])) continue;
    out[2 * i] = (top - max[i]) / range; // the column's highest point
    out[2 * i + 1] = (top - min[i]) / range; // and its lowest
  }
  return out;
}

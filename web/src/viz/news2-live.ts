// The patient panel's NEWS2 rows, live. The engine's breakdown (GET /api/v1/patients/{id}/news2:
// per parameter the value it scored, the score, whether it is missing, the reading's time) is
// fetched once when the panel opens; from then on every parameter whose live reading (monitor
// `hr`, `rr`, `spo2`, `nibpSys`, `temp`, `spo2SensorOff`; Patient `consciousness`,
// `supplementalO2` — the deltas the ward subscription already brings) is newer than the one the
// engine scored is re-scored here with the same RCP 2017 chart (viz/news2.ts, the engine's
// rounding). The rows always sum to the total shown under them. The engine's own live `news2`
// is the check: when the rows' sum differs from it (a reading went stale, a source the client
// does not see), the breakdown is fetched again — on that event, never on a timer. Pure.
import type { Twin } from '../types';
import { NEWS2_PARAMS, scoreHr, scoreRr, scoreSpo2, scoreSys, scoreTemp, type News2Param } from './news2';
import { parseTime } from '../model/alarms';

/** The engine's parameter keys for our short names. */
export const ENGINE_PARAMS: Record<News2Param, string> = {
  rr: 'respiration_rate', spo2: 'spo2', air: 'air_or_oxygen', sys: 'systolic_bp', hr: 'pulse',
  consciousness: 'consciousness', temp: 'temperature',
};

export interface ParamReading {
  value?: unknown;
  score?: number; // undefined = missing
  t?: number; // ms of the reading
}

export interface News2Base {
  score: number;
  scale: 1 | 2;
  params: Record<News2Param, ParamReading>;
}

/** The engine's breakdown JSON → per-parameter readings. */
export function parseBreakdown(j: Record<string, unknown>): News2Base {
  const raw = (j.parameters ?? {}) as Record<string, Record<string, unknown>>;
  const params = {} as Record<News2Param, ParamReading>;
  for (const p of NEWS2_PARAMS) {
    const e = raw[ENGINE_PARAMS[p]] ?? {};
    const missing = e.missing === true || typeof e.score !== 'number';
    params[p] = { value: e.value ?? undefined, score: missing ? undefined : (e.score as number), t: parseTime(e.t) };
  }
  return { score: typeof j.score === 'number' ? j.score : 0, scale: j.spo2Scale === 2 ? 2 : 1, params };
}

interface Timed<T> {
  v: T;
  t: number;
}

export interface LiveInputs {
  rr?: Timed<number>;
  spo2?: Timed<number>;
  spo2Off?: Timed<boolean>;
  sys?: Timed<number>;
  hr?: Timed<number>;
  temp?: Timed<number>;
  consciousness?: Timed<string>;
  oxygen?: Timed<boolean>;
}

function timedNum(t: Twin | undefined, name: string): Timed<number> | undefined {
  const tv = t?.telemetry?.[name];
  return tv && typeof tv.v === 'number' && Number.isFinite(tv.v) && typeof tv.t === 'number' ? { v: tv.v, t: tv.t } : undefined;
}

function timedBool(t: Twin | undefined, name: string): Timed<boolean> | undefined {
  const tv = t?.telemetry?.[name];
  if (!tv || typeof tv.t !== 'number') return undefined;
  return { v: tv.v === true || tv.v === 1 || tv.v === 'true', t: tv.t };
}

/** The live readings NEWS2 is made of, from the bed's monitor and patient twins. */
export function liveInputs(monitor: Twin | undefined, patient: Twin | undefined): LiveInputs {
  const c = patient?.telemetry?.consciousness;
  return {
    rr: timedNum(monitor, 'rr'),
    spo2: timedNum(monitor, 'spo2'),
    spo2Off: timedBool(monitor, 'spo2SensorOff'),
    sys: timedNum(monitor, 'nibpSys'),
    hr: timedNum(monitor, 'hr'),
    temp: timedNum(monitor, 'temp'),
    consciousness: c && typeof c.v === 'string' && typeof c.t === 'number' ? { v: c.v, t: c.t } : undefined,
    oxygen: timedBool(patient, 'supplementalO2'),
  };
}

export interface News2Row {
  param: News2Param;
  value?: string; // as shown: "92", "38.4", "air", "newConfusion"
  score?: number; // undefined = not recorded
  live: boolean; // re-scored from a live reading newer than the engine's
}

export interface News2Rows {
  rows: News2Row[];
  total: number; // the sum of the rows' scores
  complete: boolean;
}

const newer = (live: { t: number } | undefined, base: ParamReading): boolean =>
  !!live && (base.t === undefined || live.t > base.t);

/** A reading as the chart reads it: whole numbers, temperature to a tenth. */
function shown(v: unknown, digits = 0): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v.toFixed(digits);
  return String(v);
}

/** The engine's readings, with every parameter that has a newer live reading re-scored. */
export function mergeNews2(base: News2Base, live: LiveInputs): News2Rows {
  const rows = new Map<News2Param, News2Row>();
  const digits = (p: News2Param) => (p === 'temp' ? 1 : 0);
  const keep = (p: News2Param) => rows.set(p, { param: p, value: shown(base.params[p].value, digits(p)), score: base.params[p].score, live: false });
  const num = (p: News2Param, r: Timed<number> | undefined, f: (x: number) => number) => {
    if (newer(r, base.params[p])) rows.set(p, { param: p, value: shown(r!.v, digits(p)), score: f(r!.v), live: true });
    else keep(p);
  };
  num('rr', live.rr, scoreRr);
  num('sys', live.sys, scoreSys);
  num('hr', live.hr, scoreHr);
  num('temp', live.temp, scoreTemp);
  // Air or oxygen first: SpO₂ scale 2 is read with it.
  if (newer(live.oxygen, base.params.air)) {
    const o = live.oxygen!.v;
    rows.set('air', { param: 'air', value: o ? 'oxygen' : 'air', score: o ? 2 : 0, live: true });
  } else keep('air');
  const air = rows.get('air')!;
  const onOxygen = air.score === undefined ? undefined : air.score > 0;
  const spo2Base = base.params.spo2;
  // As the engine: a probe that is off reads nonsense, so SpO₂ is missing while the flag is set.
  const offNow = live.spo2Off?.v === true;
  if (offNow) {
    rows.set('spo2', { param: 'spo2', value: 'sensor off', score: undefined, live: true });
  } else if (newer(live.spo2, spo2Base) || (base.scale === 2 && air.live && typeof spo2Base.value === 'number')) {
    // Scale 2 is read with air/oxygen: a live change of either re-scores the SpO₂ row.
    const v = newer(live.spo2, spo2Base) ? live.spo2!.v : (spo2Base.value as number);
    const score = base.scale === 1 ? scoreSpo2(v, 1) : onOxygen === undefined ? undefined : scoreSpo2(v, 2, onOxygen);
    rows.set('spo2', { param: 'spo2', value: shown(v), score, live: true });
  } else keep('spo2');
  if (newer(live.consciousness, base.params.consciousness)) {
    const c = live.consciousness!.v;
    rows.set('consciousness', { param: 'consciousness', value: c, score: c === 'alert' || c === 'A' ? 0 : 3, live: true });
  } else keep('consciousness');
  const list = NEWS2_PARAMS.map((p) => rows.get(p)!);
  return {
    rows: list,
    total: list.reduce((a, r) => a + (r.score ?? 0), 0),
    complete: list.every((r) => r.score !== undefined),
  };
}

export const RESYNC_AFTER_MS = 700;
export const RESYNC_GAP_MS = 2500;

/**
 * Decides when the rows must be fetched again: their sum has differed from the engine's live
 * total for RESYNC_AFTER_MS (a delta of the engine's `news2` may trail the vitals' by one
 * coalescing interval), and the last fetch is RESYNC_GAP_MS old. Pure state machine.
 */
export class News2Sync {
  private since: number | null = null;
  private lastFetch = -Infinity;

  /** `engine`: the live `news2` (undefined: none yet). True when a fetch should start now. */
  check(rowsTotal: number, engine: number | undefined, now: number): boolean {
    if (engine === undefined || engine === rowsTotal) {
      this.since = null;
      return false;
    }
    if (this.since === null) this.since = now;
    if (now - this.since < RESYNC_AFTER_MS || now - this.lastFetch < RESYNC_GAP_MS) return false;
    this.lastFetch = now;
    return true;
  }

  /** Whether the rows and the engine's total disagree right now. */
  get mismatch(): boolean {
    return this.since !== null;
  }

  fetched(now: number): void {
    this.lastFetch = now;
    this.since = null;
  }

  reset(): void {
    this.since = null;
    this.lastFetch = -Infinity;
  }
}

// The shown alarms of every patient the viewer may see (doc/protocols/alarms.md), kept by one
// store that the overview tiles, the 3D labels and the patient panel all read, so they can never
// disagree. The live API carries each patient's alarm summary as derived telemetry (`alarmLevel`,
// `alarmText`, `alarmCount`) but not the alarms themselves: the store fetches the list once
// (`GET /api/v1/alarms`, every patient in one request), then again only when a patient's summary
// changes on the live feed (debounced, one request at a time) — no polling. What the summary
// cannot show is an active high alarm becoming latched (its condition ended before anyone
// acknowledged it: level, text and count stay the same), so while such an alarm is shown the
// store re-reads the list every RECONCILE_MS; the server change that would remove this is in
// doc/design/web-client.md ("Alarms on the live feed"). The time a latched alarm ended is not in
// the alarm object either: it comes from the patient's alarm history, once per alarm.
// Ordering, timing text and the acknowledge permission are pure functions, unit-tested.
import { parsePriority, Priority } from '../viz/mapping';

export type AlarmState = 'active' | 'acknowledged' | 'latched' | 'cleared';

export interface Alarm {
  id: string;
  patient: string;
  ward: string;
  kind: string;
  technical: boolean;
  priority: Priority;
  /** The engine's word: high, medium, low, inop. */
  priorityName: string;
  state: AlarmState;
  message: string;
  onset?: number; // ms since the epoch
  acknowledged?: number;
  acknowledgedBy: string;
  cleared?: number;
  endReason: string;
  silencedUntil?: number;
  /** When the condition ended: `cleared`, or for a latched alarm the time it latched. */
  ended?: number;
}

export interface AlarmEvent {
  t?: number;
  event: string;
  priority: Priority;
  state: string;
  message: string;
}

export interface HistoryAlarm extends Alarm {
  events: AlarmEvent[];
}

/** What the viewer is (GET /api/v1/whoami); `auth` false when the engine runs without access control. */
export interface Viewer {
  auth: boolean;
  role: string;
  wards?: string[];
}

const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : d);

/** RFC 3339 or a number (ms) → ms since the epoch. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

const STATES: AlarmState[] = ['active', 'acknowledged', 'latched', 'cleared'];

export function parseAlarm(j: Record<string, unknown>): Alarm {
  const state = STATES.includes(j.state as AlarmState) ? (j.state as AlarmState) : 'active';
  const cleared = parseTime(j.cleared);
  return {
    id: str(j.id),
    patient: str(j.patient),
    ward: str(j.ward),
    kind: str(j.kind),
    technical: j.technical === true,
    priority: parsePriority(j.priority),
    priorityName: str(j.priority),
    state,
    message: str(j.message ?? j.text),
    onset: parseTime(j.onset),
    acknowledged: parseTime(j.acknowledged),
    acknowledgedBy: str(j.acknowledgedBy),
    cleared,
    endReason: str(j.endReason),
    silencedUntil: parseTime(j.silencedUntil),
    ended: cleared,
  };
}

export function parseHistoryAlarm(j: Record<string, unknown>): HistoryAlarm {
  const a = parseAlarm(j);
  const events = (Array.isArray(j.events) ? (j.events as Array<Record<string, unknown>>) : []).map((e) => ({
    t: parseTime(e.t),
    event: str(e.event),
    priority: parsePriority(e.priority),
    state: str(e.state),
    message: str(e.message),
  }));
  const latched = [...events].reverse().find((e) => e.event === 'latched');
  if (a.ended === undefined && a.state === 'latched' && latched?.t !== undefined) a.ended = latched.t;
  return { ...a, events };
}

/** Sounding, or latched: the alarm still wants someone to acknowledge it. */
export function needsAck(a: Alarm): boolean {
  return a.state === 'active' || a.state === 'latched';
}

/** The condition is over (latched: ended before anyone acknowledged; cleared: in the history). */
export function isEnded(a: Alarm): boolean {
  return a.state === 'latched' || a.state === 'cleared';
}

const STATE_RANK: Record<AlarmState, number> = { active: 0, latched: 1, acknowledged: 2, cleared: 3 };

/**
 * Order on a central-station tile and in the panel: what is happening now first — active alarms
 * by priority, the newest first among equals — then latched ones (ended, still to be
 * acknowledged), then acknowledged ones; so an old latched "HR 164 > 150" never hides a new
 * asystole.
 */
export function compareAlarms(a: Alarm, b: Alarm): number {
  if (STATE_RANK[a.state] !== STATE_RANK[b.state]) return STATE_RANK[a.state] - STATE_RANK[b.state];
  if (a.priority !== b.priority) return b.priority - a.priority;
  const ta = a.onset ?? 0;
  const tb = b.onset ?? 0;
  if (ta !== tb) return tb - ta;
  return Number(b.id) - Number(a.id);
}

export function orderAlarms(list: readonly Alarm[]): Alarm[] {
  return [...list].sort(compareAlarms);
}

/** May this viewer acknowledge (or silence) `a`? The engine's rule (doc/design/security.md). */
export function canAcknowledge(v: Viewer, a: Pick<Alarm, 'ward'>): boolean {
  if (!v.auth) return true; // no access control: anyone may (recorded as unauthenticated)
  if (v.role === 'administrator') return true;
  if (v.role === 'clinician') return !a.ward || (v.wards ?? []).includes(a.ward);
  return false; // viewers; devices and services do not use the browser
}

/** "45 s", "3 min 05 s" (under 10 min), "12 min", "2 h 05 min". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Local wall-clock time "14:03:21". */
export function formatClock(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The state as shown: "active", "acknowledged", "ended · latched", "ended". */
export function stateWords(a: Alarm): string {
  if (a.state === 'latched') return 'ended · latched';
  if (a.state === 'cleared') return 'ended';
  return a.state;
}

/**
 * Onset and duration as one line: "since 14:03:21 · 2 min 05 s" while it lasts, "14:03:21–14:05:10
 * · lasted 1 min 49 s" once ended (a latched alarm whose end time is not known yet: "since
 * 14:03:21 · ended").
 */
export function alarmTiming(a: Alarm, now: number): string {
  if (a.onset === undefined) return isEnded(a) ? 'ended' : '';
  if (isEnded(a)) {
    if (a.ended === undefined) return `since ${formatClock(a.onset)} · ended`;
    return `${formatClock(a.onset)}–${formatClock(a.ended)} · lasted ${formatDuration(a.ended - a.onset)}`;
  }
  return `since ${formatClock(a.onset)} · ${formatDuration(now - a.onset)}`;
}

/** A patient's live alarm summary (`alarmLevel`, `alarmText`, `alarmCount`) as one string. */
export function liveSignature(telemetry: Record<string, { v: unknown }> | undefined): string {
  if (!telemetry) return '';
  const v = (k: string) => (telemetry[k] === undefined ? '' : String(telemetry[k].v));
  return `${v('alarmLevel')}\u0001${v('alarmText')}\u0001${v('alarmCount')}`;
}

export type FetchFn = (url: string, init?: RequestInit) => Promise<Response>;

export interface AlarmStoreDeps {
  fetch: FetchFn;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (h: unknown) => void;
}

export const DEBOUNCE_MS = 120;
export const MIN_GAP_MS = 400;
export const RECONCILE_MS = 10_000;

export interface AckResult {
  ok: boolean;
  status: number;
  message: string;
}

/** Alarms by patient, refreshed on live changes (see the top of this file). */
export class AlarmStore {
  /** null until the first answer; false when the engine has no alarm API (404 no route, 503). */
  available: boolean | null = null;
  /** Bumped whenever what the store shows changed. */
  revision = 0;
  /** Requests made, by reason (tests and the HUD: there is no poll). */
  readonly fetches: Record<string, number> = {};
  private byPatient = new Map<string, Alarm[]>();
  private seen = new Map<string, string>();
  private fetched = new Map<string, string>();
  private endLookups = new Set<string>();
  private ended = new Map<string, number>();
  private timer: unknown = null;
  private due = Infinity;
  private inFlight = false;
  private again = false;
  private lastStart = -Infinity;
  private reasons = new Set<string>();
  private listeners: Array<() => void> = [];
  private readonly deps: AlarmStoreDeps;

  constructor(
    private readonly api: string,
    deps?: Partial<AlarmStoreDeps>,
  ) {
    this.deps = {
      fetch: deps?.fetch ?? ((u, i) => fetch(u, i)),
      now: deps?.now ?? (() => Date.now()),
      setTimeout: deps?.setTimeout ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimeout: deps?.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
  }

  on(l: () => void): void {
    this.listeners.push(l);
  }

  private emit(): void {
    this.revision++;
    for (const l of this.listeners) l();
  }

  /** The patient's shown alarms, in tile order (compareAlarms). */
  forPatient(id: string | undefined): Alarm[] {
    return (id && this.byPatient.get(id)) || [];
  }

  /** The live summary changed after the list was fetched: an update is on its way. */
  pending(id: string | undefined): boolean {
    if (!id || this.available !== true) return false;
    const s = this.seen.get(id);
    return s !== undefined && s !== this.fetched.get(id);
  }

  /** Feeds the live summaries (patient id → liveSignature); a change schedules one refresh. */
  noteLive(signatures: ReadonlyMap<string, string>): void {
    let changed = false;
    for (const [id, sig] of signatures) {
      if (this.seen.get(id) === sig) continue;
      this.seen.set(id, sig);
      changed = true;
    }
    if (changed && this.available !== false) this.request('live', DEBOUNCE_MS);
  }

  /** Asks for a refresh in `delayMs` (coalesced with any other; at most one request at a time). */
  request(reason: string, delayMs = 0): void {
    this.reasons.add(reason);
    const now = this.deps.now();
    const at = Math.max(now + delayMs, this.lastStart + MIN_GAP_MS);
    if (this.timer !== null && this.due <= at) return;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.due = at;
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      this.due = Infinity;
      void this.refresh();
    }, Math.max(0, at - now));
  }

  /** Reads every shown alarm now (callers normally use request()). */
  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    this.lastStart = this.deps.now();
    const reasons = [...this.reasons];
    this.reasons.clear();
    for (const r of reasons.length ? reasons : ['direct']) this.fetches[r] = (this.fetches[r] ?? 0) + 1;
    const sigs = new Map(this.seen);
    try {
      const r = await this.deps.fetch(`${this.api}/api/v1/alarms`, { headers: { Accept: 'application/json' } });
      if (r.status === 404 || r.status === 503) {
        const body = (await r.json().catch(() => ({}))) as { message?: string };
        if (r.status === 503 || /no route/i.test(body.message ?? 'no route')) {
          this.available = false;
          this.byPatient.clear();
          this.emit();
          return;
        }
      }
      if (!r.ok) throw new Error(`alarms: HTTP ${r.status}`);
      const j = (await r.json()) as { value?: Array<Record<string, unknown>> };
      const next = new Map<string, Alarm[]>();
      for (const raw of j.value ?? []) {
        const a = parseAlarm(raw);
        if (a.state === 'latched' && a.ended === undefined) a.ended = this.ended.get(a.id);
        let list = next.get(a.patient);
        if (!list) next.set(a.patient, (list = []));
        list.push(a);
      }
      for (const [p, list] of next) next.set(p, orderAlarms(list));
      this.byPatient = next;
      this.fetched = sigs;
      this.available = true;
      this.emit();
      this.lookUpEnds();
    } catch {
      // Network trouble: try again on the next live change or reconnect.
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.request('again', 0);
      } else if (this.needsReconcile()) {
        this.request('reconcile', RECONCILE_MS);
      }
    }
  }

  /** An active high alarm may latch without any change to the live summary. */
  private needsReconcile(): boolean {
    for (const list of this.byPatient.values()) {
      if (list.some((a) => a.state === 'active' && a.priority === Priority.High)) return true;
    }
    return false;
  }

  /** Latched alarms whose end we do not know: their patient's history says when they latched. */
  private lookUpEnds(): void {
    for (const list of this.byPatient.values()) {
      for (const a of list) {
        if (a.state !== 'latched' || a.ended !== undefined || this.endLookups.has(a.id) || a.onset === undefined) continue;
        this.endLookups.add(a.id);
        this.fetches.latchedEnd = (this.fetches.latchedEnd ?? 0) + 1;
        const from = new Date(a.onset - 1000).toISOString();
        void this.deps
          .fetch(`${this.api}/api/v1/patients/${encodeURIComponent(a.patient)}/alarms/history?from=${encodeURIComponent(from)}`, {
            headers: { Accept: 'application/json' },
          })
          .then(async (r) => {
            if (!r.ok) return;
            const j = (await r.json()) as { value?: Array<Record<string, unknown>> };
            const h = (j.value ?? []).map(parseHistoryAlarm).find((x) => x.id === a.id);
            if (h?.ended === undefined) return;
            this.ended.set(a.id, h.ended);
            const cur = this.byPatient.get(a.patient)?.find((x) => x.id === a.id);
            if (cur && cur.state === 'latched') {
              cur.ended = h.ended;
              this.emit();
            }
          })
          .catch(() => undefined);
      }
    }
  }

  /** Puts an alarm as the engine answered it (acknowledge, silence) in place at once. */
  apply(a: Alarm): void {
    const list = (this.byPatient.get(a.patient) ?? []).filter((x) => x.id !== a.id);
    if (a.state !== 'cleared') list.push(a);
    this.byPatient.set(a.patient, orderAlarms(list));
    this.emit();
  }

  private async post(path: string, body: object, reason: string): Promise<AckResult> {
    try {
      const r = await this.deps.fetch(`${this.api}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const j = (await r.json().catch(() => ({}))) as Record<string, unknown>;
      if (r.ok && typeof j.id === 'string') this.apply(parseAlarm(j));
      this.request(reason, 250);
      const message = r.ok ? '' : r.status === 403 ? 'Not allowed to acknowledge this alarm' : str(j.message, `HTTP ${r.status}`);
      return { ok: r.ok, status: r.status, message };
    } catch (e) {
      return { ok: false, status: 0, message: (e as Error).message };
    }
  }

  /** POST …/acknowledge as the logged-in user (the engine records who). */
  acknowledge(id: string): Promise<AckResult> {
    return this.post(`/api/v1/alarms/${encodeURIComponent(id)}/acknowledge`, { by: 'web-client' }, 'ack');
  }

  silence(id: string, seconds = 120): Promise<AckResult> {
    return this.post(`/api/v1/alarms/${encodeURIComponent(id)}/silence`, { seconds }, 'silence');
  }
}

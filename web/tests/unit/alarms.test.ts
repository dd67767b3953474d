import { describe, expect, it } from 'vitest';
import {
  alarmTiming, AlarmStore, canAcknowledge, compareAlarms, DEBOUNCE_MS, formatClock, formatDuration, liveSignature,
  needsAck, orderAlarms, parseAlarm, parseHistoryAlarm, RECONCILE_MS, stateWords, type Alarm,
} from '../../src/model/alarms';
import { bedView } from '../../src/model/bed-view';
import { Priority } from '../../src/viz/mapping';
import type { Twin } from '../../src/types';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function raw(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '17', patient: 'patient-a01', ward: 'ward-a', kind: 'hr_high', technical: false,
    priority: 'medium', conditionPriority: 'medium', state: 'active',
    message: 'HR 134 > 120', value: 134, limit: 120,
    onset: iso(T0), acknowledged: null, acknowledgedBy: '',
    cleared: null, endReason: '', silencedUntil: null, escalations: 0, announcements: 1,
    ...over,
  };
}

const alarm = (over: Record<string, unknown>): Alarm => parseAlarm(raw(over));

describe('alarm objects (doc/protocols/alarms.md)', () => {
  it('parses the engine alarm object', () => {
    const a = alarm({});
    expect(a).toMatchObject({
      id: '17', patient: 'patient-a01', ward: 'ward-a', kind: 'hr_high', priority: Priority.Medium, priorityName: 'medium',
      state: 'active', message: 'HR 134 > 120', onset: T0, acknowledgedBy: '',
    });
    expect(a.acknowledged).toBeUndefined();
    expect(a.ended).toBeUndefined();
    expect(alarm({ priority: 'inop', technical: true }).priority).toBe(Priority.Low);
    expect(alarm({ state: 'bogus' }).state).toBe('active');
    expect(alarm({ state: 'cleared', cleared: iso(T0 + 5000) }).ended).toBe(T0 + 5000);
  });

  it('takes a latched alarm end from its history events', () => {
    const h = parseHistoryAlarm(raw({
      state: 'latched', priority: 'high',
      events: [
        { t: iso(T0), event: 'raised', priority: 'high', state: 'active', message: 'HR 164 > 150' },
        { t: iso(T0 + 42_000), event: 'latched', priority: 'high', state: 'latched', message: 'HR 164 > 150' },
      ],
    }));
    expect(h.ended).toBe(T0 + 42_000);
    expect(h.events.map((e) => e.event)).toEqual(['raised', 'latched']);
  });
});

describe('tile order: what is current first', () => {
  it('puts a new active asystole before an older latched HR alarm (the bug)', () => {
    const latchedHr = alarm({ id: '3', priority: 'high', state: 'latched', message: 'HR 164 > 150', onset: iso(T0) });
    const asystole = alarm({ id: '9', kind: 'asystole', priority: 'high', state: 'active', message: 'Asystole: no QRS for 6 s', onset: iso(T0 + 60_000) });
    expect(orderAlarms([latchedHr, asystole]).map((a) => a.message)).toEqual(['Asystole: no QRS for 6 s', 'HR 164 > 150']);
    // Also when the latched one is newer: an active alarm always comes first.
    const newerLatched = alarm({ id: '12', priority: 'high', state: 'latched', onset: iso(T0 + 120_000) });
    expect(orderAlarms([newerLatched, asystole])[0].id).toBe('9');
  });

  it('orders active by priority, then newest; then latched; then acknowledged', () => {
    const list = [
      alarm({ id: '1', priority: 'high', state: 'acknowledged', onset: iso(T0 + 9000) }),
      alarm({ id: '2', priority: 'medium', state: 'active', onset: iso(T0) }),
      alarm({ id: '3', priority: 'high', state: 'latched', onset: iso(T0 + 8000) }),
      alarm({ id: '4', priority: 'medium', state: 'active', onset: iso(T0 + 5000) }),
      alarm({ id: '5', priority: 'high', state: 'active', onset: iso(T0 + 1000) }),
      alarm({ id: '6', priority: 'inop', state: 'active', onset: iso(T0 + 7000) }),
    ];
    expect(orderAlarms(list).map((a) => a.id)).toEqual(['5', '4', '2', '6', '3', '1']);
    expect(compareAlarms(list[4], list[4])).toBe(0);
  });

  it('says which alarms still want an acknowledgement and which have ended', () => {
    expect(needsAck(alarm({ state: 'active' }))).toBe(true);
    expect(needsAck(alarm({ state: 'latched' }))).toBe(true);
    expect(needsAck(alarm({ state: 'acknowledged' }))).toBe(false);
    expect(stateWords(alarm({ state: 'latched' }))).toBe('ended · latched');
    expect(stateWords(alarm({ state: 'cleared' }))).toBe('ended');
    expect(stateWords(alarm({ state: 'acknowledged' }))).toBe('acknowledged');
  });
});

describe('onset and duration', () => {
  it('formats durations at every boundary', () => {
    expect(formatDuration(-5)).toBe('0 s');
    expect(formatDuration(59_999)).toBe('59 s');
    expect(formatDuration(60_000)).toBe('1 min 00 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(599_999)).toBe('9 min 59 s');
    expect(formatDuration(600_000)).toBe('10 min');
    expect(formatDuration(3_599_999)).toBe('59 min');
    expect(formatDuration(3_600_000 + 5 * 60_000)).toBe('1 h 05 min');
  });

  it('shows onset and how long it has lasted, or when it ended', () => {
    const at = formatClock(T0);
    expect(at).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(alarmTiming(alarm({}), T0 + 125_000)).toBe(`since ${at} · 2 min 05 s`);
    expect(alarmTiming(alarm({ state: 'latched' }), T0 + 9e6)).toBe(`since ${at} · ended`);
    const latched = { ...alarm({ state: 'latched' }), ended: T0 + 42_000 };
    expect(alarmTiming(latched, T0 + 9e6)).toBe(`${at}–${formatClock(T0 + 42_000)} · lasted 42 s`);
    expect(alarmTiming(alarm({ onset: null }), T0)).toBe('');
  });
});

describe('who may acknowledge (doc/design/security.md: acknowledge_alarm)', () => {
  const a = { ward: 'ward-a' };
  it('follows the engine rule', () => {
    expect(canAcknowledge({ auth: false, role: '' }, a)).toBe(true);
    expect(canAcknowledge({ auth: true, role: 'administrator' }, a)).toBe(true);
    expect(canAcknowledge({ auth: true, role: 'clinician', wards: ['ward-a'] }, a)).toBe(true);
    expect(canAcknowledge({ auth: true, role: 'clinician', wards: ['ward-b'] }, a)).toBe(false);
    expect(canAcknowledge({ auth: true, role: 'clinician' }, a)).toBe(false);
    expect(canAcknowledge({ auth: true, role: 'viewer' }, a)).toBe(false);
    expect(canAcknowledge({ auth: true, role: 'device' }, a)).toBe(false);
  });
});

describe('the bed view shows the alarm list', () => {
  const bed = { id: 'bed-a01', label: 'A01', roomId: 'r', wardId: 'w', patientId: 'patient-a01', monitorId: 'monitor-a01' };
  const twins = new Map<string, Twin>([
    ['patient-a01', { id: 'patient-a01', model: 'dtmi:lingjing:ward:Patient;1', properties: {}, telemetry: {
      alarmLevel: { t: 1, v: 'high' }, alarmText: { t: 1, v: 'HR 164 > 150' }, alarmCount: { t: 1, v: 2 },
    } }],
  ]);
  const list = orderAlarms([
    alarm({ id: '3', priority: 'high', state: 'latched', message: 'HR 164 > 150' }),
    alarm({ id: '9', priority: 'high', state: 'active', message: 'Asystole: no QRS for 6 s', onset: iso(T0 + 1000) }),
  ]);
  it('names the first alarm in tile order, not the engine text', () => {
    const v = bedView(bed, twins, { list, pending: false });
    expect(v.priority).toBe(Priority.High);
    expect(v.alarmText).toBe('Asystole: no QRS for 6 s');
    expect(v.alarmHeadline?.id).toBe('9');
    expect(v.alarms.map((a) => a.id)).toEqual(['9', '3']);
  });
  it('keeps the live text while the list is out of date, and without one', () => {
    expect(bedView(bed, twins, { list, pending: true }).alarmText).toBe('HR 164 > 150');
    expect(bedView(bed, twins).alarmText).toBe('HR 164 > 150');
    expect(bedView(bed, twins).alarms).toEqual([]);
  });
});

/** An AlarmStore with a fake clock, timers and engine. */
function rig(answer: () => { status: number; body: unknown }) {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const calls: string[] = [];
  const fetchFn = async (url: string, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${url}`);
    const a = answer();
    if (url.includes('/acknowledge')) {
      return new Response(JSON.stringify(raw({ id: '9', state: 'acknowledged', acknowledgedBy: 'nurse.jones', priority: 'high' })), { status: 200 });
    }
    if (url.includes('/alarms/history')) {
      return new Response(JSON.stringify({ value: [raw({ id: '3', state: 'latched', priority: 'high', events: [{ t: iso(T0 + 30_000), event: 'latched' }] })] }), { status: 200 });
    }
    return new Response(JSON.stringify(a.body), { status: a.status });
  };
  const store = new AlarmStore('', {
    fetch: fetchFn,
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = timers.indexOf(h as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  /** Advances the fake clock, firing due timers and letting their fetches settle. */
  const advance = async (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
      for (let i = 0; i < 5; i++) await flush();
    }
    now = end;
    for (let i = 0; i < 5; i++) await flush();
  };
  return { store, calls, advance, listCalls: () => calls.filter((c) => c === 'GET /api/v1/alarms') };
}

describe('AlarmStore: fetched on live changes, never polled', () => {
  const active = { status: 200, body: { value: [raw({ id: '9', priority: 'medium' })] } };

  it('fetches once for a burst of live changes and not again while nothing changes', async () => {
    const r = rig(() => active);
    r.store.noteLive(new Map([['patient-a01', 'medium|HR|1'], ['patient-a02', 'none||0']]));
    r.store.noteLive(new Map([['patient-a02', 'low|T|1']]));
    expect(r.listCalls()).toHaveLength(0);
    await r.advance(DEBOUNCE_MS);
    expect(r.listCalls()).toHaveLength(1);
    expect(r.store.available).toBe(true);
    expect(r.store.forPatient('patient-a01').map((a) => a.id)).toEqual(['9']);
    // The same summaries again: nothing to fetch, however long we wait.
    r.store.noteLive(new Map([['patient-a01', 'medium|HR|1']]));
    await r.advance(10 * 60_000);
    expect(r.listCalls()).toHaveLength(1);
    expect(r.store.fetches).toEqual({ live: 1 });
  });

  it('marks a patient pending from its live change until the list is fetched again', async () => {
    const r = rig(() => active);
    r.store.noteLive(new Map([['patient-a01', 'a']]));
    await r.advance(DEBOUNCE_MS);
    expect(r.store.pending('patient-a01')).toBe(false);
    r.store.noteLive(new Map([['patient-a01', 'b']]));
    expect(r.store.pending('patient-a01')).toBe(true);
    await r.advance(1000);
    expect(r.store.pending('patient-a01')).toBe(false);
    expect(r.listCalls()).toHaveLength(2);
  });

  it('re-reads the list while an active high alarm is shown (it may latch unseen)', async () => {
    const r = rig(() => ({ status: 200, body: { value: [raw({ id: '9', priority: 'high' })] } }));
    r.store.request('snapshot');
    await r.advance(0);
    expect(r.listCalls()).toHaveLength(1);
    await r.advance(RECONCILE_MS - 1);
    expect(r.listCalls()).toHaveLength(1);
    await r.advance(1);
    expect(r.listCalls()).toHaveLength(2);
    expect(r.store.fetches).toMatchObject({ snapshot: 1, reconcile: 1 });
  });

  it('applies an acknowledgement at once and then resyncs', async () => {
    const r = rig(() => ({ status: 200, body: { value: [raw({ id: '9', priority: 'high' })] } }));
    r.store.request('snapshot');
    await r.advance(0);
    const rev = r.store.revision;
    const res = await r.store.acknowledge('9');
    expect(res.ok).toBe(true);
    expect(r.store.revision).toBeGreaterThan(rev);
    expect(r.store.forPatient('patient-a01')[0]).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'nurse.jones' });
    expect(r.calls).toContain('POST /api/v1/alarms/9/acknowledge');
    await r.advance(1000);
    expect(r.store.fetches.ack).toBe(1);
  });

  it('says why an acknowledgement was refused', async () => {
    const r = rig(() => active);
    const s = new AlarmStore('', {
      fetch: async () => new Response(JSON.stringify({ code: 1003, error: 'forbidden', message: 'no' }), { status: 403 }),
      setTimeout: () => 0, clearTimeout: () => undefined, now: () => 0,
    });
    const res = await s.acknowledge('9');
    expect(res).toEqual({ ok: false, status: 403, message: 'Not allowed to acknowledge this alarm' });
    void r;
  });

  it('gives up on an engine without the alarm API', async () => {
    const r = rig(() => ({ status: 404, body: { message: 'no route for GET /api/v1/alarms' } }));
    r.store.noteLive(new Map([['patient-a01', 'a']]));
    await r.advance(DEBOUNCE_MS);
    expect(r.store.available).toBe(false);
    r.store.noteLive(new Map([['patient-a01', 'b']]));
    await r.advance(5000);
    expect(r.listCalls()).toHaveLength(1);
    expect(r.store.pending('patient-a01')).toBe(false);
  });

  it('looks up when a latched alarm ended, once', async () => {
    const r = rig(() => ({ status: 200, body: { value: [raw({ id: '3', priority: 'high', state: 'latched' })] } }));
    r.store.request('snapshot');
    await r.advance(0);
    expect(r.store.forPatient('patient-a01')[0].ended).toBe(T0 + 30_000);
    r.store.request('again');
    await r.advance(1000);
    expect(r.calls.filter((c) => c.includes('/alarms/history'))).toHaveLength(1);
    expect(r.store.forPatient('patient-a01')[0].ended).toBe(T0 + 30_000);
  });

  it('signs a patient live summary from alarmLevel, alarmText and alarmCount only', () => {
    const a = liveSignature({ alarmLevel: { v: 'high' }, alarmText: { v: 'HR 164 > 150' }, alarmCount: { v: 2 }, news2: { v: 5 } });
    expect(a).toBe(liveSignature({ alarmLevel: { v: 'high' }, alarmText: { v: 'HR 164 > 150' }, alarmCount: { v: 2 }, news2: { v: 7 } }));
    expect(a).not.toBe(liveSignature({ alarmLevel: { v: 'high' }, alarmText: { v: 'HR 164 > 150' }, alarmCount: { v: 3 } }));
    expect(liveSignature(undefined)).toBe('');
  });
});

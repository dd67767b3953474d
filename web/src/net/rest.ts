// REST calls beyond the live WebSocket: alarms (doc/protocols/alarms.md) and history
// (doc/protocols/history-api.md). Each returns null when the engine has no such route yet (404),
// so the panel can say "not available" instead of failing.

export interface AlarmItem {
  id: string;
  priority: unknown;
  text: string;
  state: string; // active | acknowledged | latched | cleared
  since?: number;
}

export interface TrendPoint {
  t: number;
  mean: number;
  min: number;
  max: number;
}

function str(v: unknown, d = ''): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : d;
}

function time(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Shown alarms of one patient (doc/protocols/alarms.md), or null when the alarm API is absent. */
export async function fetchAlarms(base: string, patientId: string): Promise<AlarmItem[] | null> {
  const r = await fetch(`${base}/api/v1/alarms?patient=${encodeURIComponent(patientId)}`, {
    headers: { Accept: 'application/json' },
  });
  if (r.status === 404 || r.status === 503) {
    const body = (await r.json().catch(() => ({}))) as { message?: string };
    if (r.status === 503 || /no route/i.test(body.message ?? 'no route')) return null;
    return []; // unknown patient: nothing shown
  }
  if (!r.ok) throw new Error(`alarms: HTTP ${r.status}`);
  const j = (await r.json()) as { value?: Array<Record<string, unknown>> };
  return (j.value ?? []).map((a) => ({
    id: str(a.id),
    priority: a.priority,
    text: str(a.message ?? a.text),
    state: str(a.state, 'active'),
    since: time(a.onset),
  }));
}

export async function acknowledgeAlarm(base: string, alarmId: string): Promise<boolean> {
  const r = await fetch(`${base}/api/v1/alarms/${encodeURIComponent(alarmId)}/acknowledge`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ by: 'web-client' }),
  });
  return r.ok;
}

export async function silenceAlarm(base: string, alarmId: string, seconds = 120): Promise<boolean> {
  const r = await fetch(`${base}/api/v1/alarms/${encodeURIComponent(alarmId)}/silence`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ seconds }),
  });
  return r.ok;
}

export interface News2Breakdown {
  score: number;
  complete: boolean;
  risk: string;
  response?: string;
  parameters: Record<string, { value?: unknown; score?: number; missing?: boolean }>;
}

/** The engine's NEWS2 breakdown of a patient, or null without the clinical API. */
export async function fetchNews2(base: string, patientId: string): Promise<News2Breakdown | null> {
  const r = await fetch(`${base}/api/v1/patients/${encodeURIComponent(patientId)}/news2`);
  if (!r.ok) return null;
  return (await r.json()) as News2Breakdown;
}

/**
 * Trend of one telemetry over the last `rangeMs` in equal-width buckets (min/max/avg), from
 * GET /api/v1/twins/{id}/telemetry/{name}/history?from&to&buckets (doc/protocols/history-api.md).
 * null when the engine has no history route; [] when the series has no stored data.
 */
export async function fetchTrend(
  base: string,
  twinId: string,
  telemetry: string,
  rangeMs: number,
  buckets = 120,
): Promise<TrendPoint[] | null> {
  const to = Date.now();
  const from = to - rangeMs;
  const url =
    `${base}/api/v1/twins/${encodeURIComponent(twinId)}/telemetry/${encodeURIComponent(telemetry)}` +
    `/history?from=${from}&to=${to}&buckets=${buckets}`;
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (r.status === 404) {
    const body = (await r.json().catch(() => ({}))) as { message?: string };
    return /no route/i.test(body.message ?? 'no route') ? null : [];
  }
  if (!r.ok) throw new Error(`history: HTTP ${r.status}`);
  const j = (await r.json()) as { buckets?: Array<Record<string, unknown>> };
  return (j.buckets ?? [])
    .filter((b) => Number(b.count) > 0)
    .map((b) => ({ t: Number(b.t), mean: Number(b.avg), min: Number(b.min), max: Number(b.max) }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.mean));
}

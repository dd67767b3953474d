// REST calls beyond the live WebSocket: the NEWS2 breakdown and alarm history
// (doc/protocols/alarms.md), telemetry history (doc/protocols/history-api.md). Each returns null
// when the engine has no such route (404 "no route", 503), so the panel can say "not available"
// instead of failing. The shown alarms, acknowledge and silence are model/alarms.ts (AlarmStore).
import { parseHistoryAlarm, type HistoryAlarm } from '../model/alarms';

export interface TrendPoint {
  t: number;
  mean: number;
  min: number;
  max: number;
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
  const r = await fetch(`${base}/api/v1/patients/${encodeURIComponent(patientId)}/news2`, { headers: { Accept: 'application/json' } });
  if (!r.ok) return null;
  return (await r.json()) as News2Breakdown;
}

/**
 * A patient's alarms overlapping [now − rangeMs, now] with their events
 * (GET /api/v1/patients/{id}/alarms/history), newest onset first; null without the clinical API.
 */
export async function fetchAlarmHistory(base: string, patientId: string, rangeMs: number, limit = 1000): Promise<HistoryAlarm[] | null> {
  const to = Date.now();
  const q = `from=${encodeURIComponent(new Date(to - rangeMs).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}&limit=${limit}`;
  const r = await fetch(`${base}/api/v1/patients/${encodeURIComponent(patientId)}/alarms/history?${q}`, { headers: { Accept: 'application/json' } });
  if (r.status === 404 || r.status === 503) {
    const body = (await r.json().catch(() => ({}))) as { message?: string };
    if (r.status === 503 || /no route/i.test(body.message ?? 'no route')) return null;
    return [];
  }
  if (!r.ok) throw new Error(`alarm history: HTTP ${r.status}`);
  const j = (await r.json()) as { value?: Array<Record<string, unknown>> };
  return (j.value ?? []).map(parseHistoryAlarm).sort((a, b) => (b.onset ?? 0) - (a.onset ?? 0));
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

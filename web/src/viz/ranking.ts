// Central-station ranking by clinical urgency. Two signals can make a bed urgent: its highest
// active alarm priority (IEC 60601-1-8) and its NEWS2 clinical-response band (RCP 2017:
// aggregate 0–4 low; a single parameter scoring 3, or 5–6, urgent — medium; ≥ 7 emergency —
// high). Whichever of the two is more urgent decides the bed's tier, so a NEWS2 of 8 without an
// alarm ranks with the high alarms, not below a medium one. Within a tier: higher NEWS2 first
// (unknown last), then higher alarm priority, then bed label (A2 before A10). Pure.
import { Priority } from './mapping';
import type { Risk } from './news2';

export interface SortableBed {
  label: string;
  priority: Priority; // highest active alarm priority
  news2?: number;
  risk?: Risk; // the engine's news2Risk or the estimate's (carries "single parameter 3")
}

/** The NEWS2 response band on the alarm-priority scale; None when there is no score. */
export function news2Tier(news2: number | undefined, risk?: Risk): Priority {
  if (news2 === undefined && risk === undefined) return Priority.None;
  const n = news2 ?? 0;
  if (n >= 7 || risk === 'high') return Priority.High;
  if (n >= 5 || risk === 'medium' || risk === 'low-medium') return Priority.Medium;
  return Priority.Low;
}

/** The bed's urgency tier: the more urgent of its alarm priority and its NEWS2 band. */
export function urgencyTier(b: SortableBed): Priority {
  return Math.max(b.priority, news2Tier(b.news2, b.risk)) as Priority;
}

/** Overview order (most urgent first); use with Array.prototype.sort. */
export function compareBeds(a: SortableBed, b: SortableBed): number {
  const ta = urgencyTier(a);
  const tb = urgencyTier(b);
  if (ta !== tb) return tb - ta;
  const na = a.news2 ?? -1;
  const nb = b.news2 ?? -1;
  if (na !== nb) return nb - na;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.label.localeCompare(b.label, undefined, { numeric: true });
}

/**
 * The bed "go to the most urgent bed" goes to: the first in overview order. Pressed again while
 * `current` is that bed, the next one that needs attention (an alarm, or a NEWS2 band of medium
 * or above), round them in order, so repeated presses tour them all. undefined without beds.
 */
export function mostUrgent<T extends SortableBed & { id: string }>(beds: readonly T[], current?: string | null): T | undefined {
  const sorted = [...beds].sort(compareBeds);
  if (!sorted.length) return undefined;
  const urgent = sorted.filter((b) => b.priority > Priority.None || urgencyTier(b) >= Priority.Medium);
  const ring = urgent.length ? urgent : [sorted[0]];
  const i = current ? ring.findIndex((b) => b.id === current) : -1;
  return i < 0 ? ring[0] : ring[(i + 1) % ring.length];
}

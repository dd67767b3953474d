// Tells screen-reader users about new high-priority alarms through an aria-live="assertive"
// region (index.html: #alarm-announcer). A bed is announced when it rises to high priority, or
// when its high alarm becomes a different one (the text with its numbers left out, so "HR 134 >
// 120" becoming "HR 140 > 120" is the same alarm, "SpO₂ 84 < 90" a new one). Several beds in one
// update make one message. The decision is pure (announcements); the class only writes the region.
import { Priority, PRIORITY_STYLES } from '../viz/mapping';

export interface BedAlarm {
  id: string;
  label: string;
  patient: string; // patient's name, '' for an empty bed
  priority: Priority;
  text: string; // alarm text, '' when none
}

/** The alarm's identity: its text without the numbers, which change with every reading. */
export function alarmKey(text: string): string {
  return text.replace(/[-+]?\d+([.,]\d+)?/g, '#').replace(/\s+/g, ' ').trim();
}

/**
 * The message for beds whose high-priority alarm is new since `seen` (bed id → alarm key of the
 * high alarm announced), and the `seen` map to keep for the next call. '' when nothing is new.
 */
export function announcements(seen: ReadonlyMap<string, string>, beds: readonly BedAlarm[]): { message: string; seen: Map<string, string> } {
  const next = new Map<string, string>();
  const parts: string[] = [];
  for (const b of beds) {
    if (b.priority < Priority.High) continue;
    const key = alarmKey(b.text);
    next.set(b.id, key);
    if (seen.get(b.id) === key) continue;
    const who = b.patient ? `bed ${b.label}, ${b.patient}` : `bed ${b.label}`;
    parts.push(`${who}${b.text ? `: ${b.text}` : ''}`);
  }
  if (!parts.length) return { message: '', seen: next };
  const what = `${PRIORITY_STYLES[Priority.High].label.toLowerCase()} priority alarm`;
  const head = parts.length === 1 ? `${what[0].toUpperCase()}${what.slice(1)}` : `${parts.length} new ${what}s`;
  return { message: `${head}: ${parts.join('; ')}.`, seen: next };
}

export class AlarmAnnouncer {
  private seen = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The last message written (tests, readouts). */
  last = '';

  constructor(private readonly region: HTMLElement) {}

  update(beds: readonly BedAlarm[]): void {
    const { message, seen } = announcements(this.seen, beds);
    this.seen = seen;
    if (!message) return;
    this.last = message;
    // Empty the region first so that a message equal to the previous one is read again.
    this.region.textContent = '';
    clearTimeout(this.timer);
    this.timer = setTimeout(() => (this.region.textContent = message), 100);
  }
}

// Central-station overview: one tile per bed, ranked by clinical urgency (viz/ranking.ts: the more
// urgent of alarm priority and NEWS2 band, then NEWS2, alarm, bed), with alarm cues
// that do not rely on colour (border style, blink rate, symbol and words). Values refresh at
// 4 Hz; the order at most once a second so tiles do not jump under the pointer.
// A tile shows what is current: the patient's alarms in tile order (model/alarms.ts: the most
// severe active alarm first, the newest among equals; then latched; then acknowledged), the first
// with its onset time and how long it has lasted; a latched or acknowledged alarm has an outlined
// badge and says "ended · latched" / "acknowledged". "Acknowledge" acknowledges the first alarm
// that still needs it, shown only to viewers allowed to (canAcknowledge); a small live waveform
// (ECG, else pleth) is drawn for the tiles on screen (ui/tile-waves.ts).
// Each tile is a card holding the tile proper — a button for the keyboard too (Tab, Enter or
// Space opens the patient panel; its accessible name is its text, alarm included; it keeps focus
// when the order changes) — and, beside it, the Acknowledge button (a button inside a button
// would be unreachable for assistive technology).
import { patientName, type BedView } from '../model/bed-view';
import { alarmTiming, canAcknowledge, needsAck, stateWords, type Alarm, type AlarmStore, type Viewer } from '../model/alarms';
import { news2Color, Priority, PRIORITY_STYLES } from '../viz/mapping';
import { textOn } from '../viz/contrast';
import { compareBeds, urgencyTier } from '../viz/ranking';
import type { TileWaves } from './tile-waves';
import { el, fmt, setText } from './dom';

interface Tile {
  card: HTMLElement;
  e: HTMLElement; // the tile proper (role=button)
  pt: HTMLElement;
  n2: HTMLElement;
  n2v: HTMLElement;
  n2r: HTMLElement;
  vals: HTMLElement;
  alarm: HTMLElement;
  when: HTMLElement | null;
  more: HTMLElement;
  actions: HTMLElement;
  ack: HTMLButtonElement;
  ackNote: HTMLElement;
  ackId: string;
  headline?: Alarm;
}

export interface OverviewDeps {
  waves: TileWaves;
  alarms: AlarmStore;
  viewer: () => Viewer;
}

/** An alarm badge: symbol (hidden from screen readers) and word; outlined unless sounding. */
export function alarmBadge(parent: HTMLElement, p: Priority, active: boolean): HTMLElement {
  const style = PRIORITY_STYLES[p];
  const badge = el('span', active ? 'badge' : 'badge outline', parent);
  el('span', '', badge, style.symbol).setAttribute('aria-hidden', 'true');
  badge.append(` ${style.label}`);
  if (active) {
    badge.style.background = style.color;
    badge.style.color = textOn(style.color);
  } else {
    badge.style.borderColor = style.color;
  }
  return badge;
}

export class Overview {
  private tiles = new Map<string, Tile>();
  private lastSort = 0;
  private lastValues = 0;
  private readonly root: HTMLElement; // the grid of tiles
  private denied = false; // the engine refused an acknowledge (403): hide the buttons

  constructor(
    section: HTMLElement,
    private readonly onSelect: (bedId: string) => void,
    private readonly deps: OverviewDeps,
  ) {
    el('h2', 'sr-only', section, 'Central station overview').id = 'overview-title';
    this.root = el('div', 'tiles', section);
  }

  /** Bed ids in display order. */
  order(): string[] {
    return [...this.root.children].map((c) => (c as HTMLElement).dataset.bed ?? '');
  }

  private tile(id: string, label: string): Tile {
    let t = this.tiles.get(id);
    if (t) return t;
    const card = el('div', 'card');
    card.dataset.bed = id;
    const e = el('div', 'tile', card);
    e.dataset.bed = id;
    e.tabIndex = 0;
    e.setAttribute('role', 'button');
    e.onclick = () => this.onSelect(id);
    e.onkeydown = (ev) => {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      ev.preventDefault(); // Space would scroll the overview
      if (!ev.repeat) this.onSelect(id);
    };
    const bed = el('div', 'bed', e);
    el('span', 'sr-only', bed, 'Bed ');
    bed.append(label);
    const n2 = el('div', 'n2', e);
    const n2v = el('b', '', n2, '–');
    const n2r = el('span', '', n2, 'NEWS2');
    const pt = el('div', 'pt', e);
    const vals = el('div', 'vals', e);
    const wave = el('div', 'wave', e);
    wave.setAttribute('aria-hidden', 'true');
    const tag = el('span', 'wave-tag', wave);
    const canvas = el('canvas', '', wave);
    const alarm = el('div', 'alarm', e);
    const more = el('div', 'more', e);
    const actions = el('div', 'actions', card);
    const ack = el('button', 'act ack', actions, 'Acknowledge');
    ack.type = 'button';
    ack.hidden = true;
    const ackNote = el('span', 'ack-note', actions);
    t = { card, e, pt, n2, n2v, n2r, vals, alarm, when: null, more, actions, ack, ackNote, ackId: '' };
    const tt = t;
    ack.onclick = () => void this.acknowledge(tt, label);
    this.tiles.set(id, t);
    this.deps.waves.attach(id, card, canvas, tag);
    return t;
  }

  private async acknowledge(t: Tile, label: string): Promise<void> {
    const id = t.ackId;
    if (!id) return;
    t.ack.disabled = true;
    setText(t.ackNote, '');
    const r = await this.deps.alarms.acknowledge(id);
    t.ack.disabled = false;
    if (r.ok) return;
    if (r.status === 403) this.denied = true;
    setText(t.ackNote, r.message || `Could not acknowledge (bed ${label})`);
  }

  update(views: BedView[], nowMs: number, force = false): void {
    if (!force && nowMs - this.lastValues < 250) return;
    this.lastValues = nowMs;
    const keep = new Set(views.map((v) => v.bed.id));
    for (const [id, t] of this.tiles) {
      if (!keep.has(id)) {
        t.card.remove();
        this.deps.waves.detach(id);
        this.tiles.delete(id);
      }
    }
    const wall = Date.now();
    const viewer = this.deps.viewer();
    for (const v of views) {
      const t = this.tile(v.bed.id, v.bed.label);
      this.deps.waves.setMonitor(v.bed.id, v.patient ? v.bed.monitorId : undefined);
      setText(t.pt, patientName(v) || 'Unoccupied');
      setText(t.n2v, v.news2 === undefined ? '–' : String(v.news2));
      setText(t.n2r, v.news2Estimated ? 'NEWS2 est.' : 'NEWS2');
      const n2bg = news2Color(v.news2, v.risk);
      t.n2.style.background = n2bg;
      t.n2.style.color = textOn(n2bg);
      const vals = v.patient
        ? `<span><i>HR</i>${fmt(v.hr)}</span><span><i>SpO₂</i>${fmt(v.spo2)}</span><span><i>RR</i>${fmt(v.rr)}</span>` +
          `<span><i>BP</i>${fmt(v.sys)}/${fmt(v.dia)}</span><span><i>T</i>${fmt(v.temp, 1)}</span>`
        : '';
      if (t.vals.innerHTML !== vals) t.vals.innerHTML = vals;
      const cls = `card p${v.priority}`;
      if (t.card.className !== cls) t.card.className = cls;
      t.e.className = `tile p${v.priority}`;
      t.e.dataset.priority = String(v.priority);
      t.e.dataset.news2 = v.news2 === undefined ? '' : String(v.news2);
      t.e.dataset.tier = String(urgencyTier({ label: v.bed.label, priority: v.priority, news2: v.news2, risk: v.risk }));
      this.renderAlarm(t, v, wall);
      this.renderAck(t, v, viewer);
    }
    if (force || nowMs - this.lastSort >= 1000) {
      this.lastSort = nowMs;
      const order = [...views]
        .map((v) => ({ id: v.bed.id, label: v.bed.label, priority: v.priority, news2: v.news2, risk: v.risk }))
        .sort(compareBeds);
      const focused = document.activeElement;
      order.forEach((o, i) => {
        const e = this.tiles.get(o.id)!.card;
        if (this.root.children[i] !== e) this.root.insertBefore(e, this.root.children[i] ?? null);
      });
      // Moving a node drops its focus: give it back, so keyboard users keep their place.
      if (focused instanceof HTMLElement && focused !== document.activeElement && this.root.contains(focused)) {
        focused.focus({ preventScroll: true });
      }
    }
  }

  /**
   * The first alarm (headline) with its onset and duration, and "+n" with the next one. Without
   * the alarm list (no alarm API, or a refresh on its way) the engine's live alarm text.
   */
  private renderAlarm(t: Tile, v: BedView, wall: number): void {
    const h = v.alarmHeadline;
    let key: string;
    if (h) key = `L\n${h.id}\n${h.state}\n${h.priority}\n${h.message}\n${h.acknowledgedBy}`;
    else key = v.priority > Priority.None ? `V\n${v.priority}\n${v.alarmText ?? ''}` : '';
    t.headline = h;
    if (t.alarm.dataset.key !== key) {
      t.alarm.dataset.key = key;
      t.alarm.replaceChildren();
      t.when = null;
      t.alarm.dataset.state = h ? h.state : key ? 'active' : '';
      if (h) {
        // Symbol hidden from screen readers ("!!!"); they read "HIGH alarm: <text>, ended · latched".
        alarmBadge(t.alarm, h.priority, h.state === 'active');
        el('span', 'sr-only', t.alarm, ' alarm: ');
        el('span', 'text', t.alarm, h.message);
        if (h.state !== 'active') el('span', 'state', t.alarm, h.state === 'acknowledged' && h.acknowledgedBy ? `acknowledged by ${h.acknowledgedBy}` : stateWords(h));
        t.when = el('span', 'when', t.alarm);
      } else if (key) {
        alarmBadge(t.alarm, v.priority, true);
        el('span', 'sr-only', t.alarm, ' alarm: ');
        el('span', 'text', t.alarm, v.alarmText ?? '');
      }
    }
    if (t.when && h) setText(t.when, alarmTiming(h, wall));
    const rest = h ? v.alarms.slice(1) : [];
    const next = rest[0];
    const more = next ? `+${rest.length}: ${PRIORITY_STYLES[next.priority].label} ${next.message} · ${stateWords(next)}` : '';
    setText(t.more, more);
    t.more.hidden = !more;
  }

  private renderAck(t: Tile, v: BedView, viewer: Viewer): void {
    const target = v.alarms.find(needsAck);
    const allowed = !!target && !this.denied && canAcknowledge(viewer, target);
    const id = allowed ? target!.id : '';
    if (id !== t.ackId) {
      t.ackId = id;
      setText(t.ackNote, '');
      if (target) {
        const what = `${PRIORITY_STYLES[target.priority].label} alarm ${target.message}`;
        t.ack.setAttribute('aria-label', `Acknowledge ${what}, bed ${v.bed.label}`);
        t.ack.dataset.alarm = target.id;
      }
    }
    t.ack.hidden = !allowed;
    t.actions.hidden = !allowed && !t.ackNote.textContent;
  }
}

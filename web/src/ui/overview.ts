// Central-station overview: one tile per bed, ranked by clinical urgency (viz/ranking.ts: the more
// urgent of alarm priority and NEWS2 band, then NEWS2, alarm, bed), with alarm cues
// that do not rely on colour (border style, blink rate, symbol and words). Values refresh at
// 4 Hz; the order at most once a second so tiles do not jump under the pointer.
// Tiles are buttons for the keyboard too (Tab, Enter or Space opens the patient panel); their
// accessible name is their text, alarm included, and a tile keeps focus when the order changes.
import { patientName, type BedView } from '../model/bed-view';
import { news2Color, Priority, PRIORITY_STYLES } from '../viz/mapping';
import { textOn } from '../viz/contrast';
import { compareBeds, urgencyTier } from '../viz/ranking';
import { el, fmt, setText } from './dom';

interface Tile {
  e: HTMLElement;
  pt: HTMLElement;
  n2: HTMLElement;
  n2v: HTMLElement;
  n2r: HTMLElement;
  vals: HTMLElement;
  alarm: HTMLElement;
}

export class Overview {
  private tiles = new Map<string, Tile>();
  private lastSort = 0;
  private lastValues = 0;
  private readonly root: HTMLElement; // the grid of tiles

  constructor(
    section: HTMLElement,
    private readonly onSelect: (bedId: string) => void,
  ) {
    el('h2', 'sr-only', section, 'Central station overview').id = 'overview-title';
    this.root = el('div', 'tiles', section);
  }

  private tile(id: string, label: string): Tile {
    let t = this.tiles.get(id);
    if (t) return t;
    const e = el('div', 'tile');
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
    const alarm = el('div', 'alarm', e);
    t = { e, pt, n2, n2v, n2r, vals, alarm };
    this.tiles.set(id, t);
    return t;
  }

  update(views: BedView[], nowMs: number, force = false): void {
    if (!force && nowMs - this.lastValues < 250) return;
    this.lastValues = nowMs;
    const keep = new Set(views.map((v) => v.bed.id));
    for (const [id, t] of this.tiles) {
      if (!keep.has(id)) {
        t.e.remove();
        this.tiles.delete(id);
      }
    }
    for (const v of views) {
      const t = this.tile(v.bed.id, v.bed.label);
      setText(t.pt, patientName(v) || 'Unoccupied');
      setText(t.n2v, v.news2 === undefined ? '–' : String(v.news2));
      setText(t.n2r, v.news2Estimated ? 'NEWS2 est.' : 'NEWS2');
      const n2bg = news2Color(v.news2, v.risk);
      t.n2.style.background = n2bg;
      t.n2.style.color = textOn(n2bg);
      t.vals.innerHTML = v.patient
        ? `<span><i>HR</i>${fmt(v.hr)}</span><span><i>SpO₂</i>${fmt(v.spo2)}</span><span><i>RR</i>${fmt(v.rr)}</span>` +
          `<span><i>BP</i>${fmt(v.sys)}/${fmt(v.dia)}</span><span><i>T</i>${fmt(v.temp, 1)}</span>`
        : '';
      const style = PRIORITY_STYLES[v.priority];
      t.e.className = `tile p${v.priority}`;
      t.e.dataset.priority = String(v.priority);
      t.e.dataset.news2 = v.news2 === undefined ? '' : String(v.news2);
      t.e.dataset.tier = String(urgencyTier({ label: v.bed.label, priority: v.priority, news2: v.news2, risk: v.risk }));
      const alarmKey = v.priority > Priority.None ? `${v.priority}\n${v.alarmText ?? ''}` : '';
      if (t.alarm.dataset.key !== alarmKey) {
        t.alarm.dataset.key = alarmKey;
        t.alarm.replaceChildren();
        if (alarmKey) {
          // Symbol hidden from screen readers ("!!!"); they read "HIGH alarm: <text>".
          const badge = el('span', 'badge', t.alarm);
          el('span', '', badge, style.symbol).setAttribute('aria-hidden', 'true');
          badge.append(` ${style.label}`);
          badge.style.background = style.color;
          badge.style.color = textOn(style.color);
          el('span', 'sr-only', t.alarm, ' alarm: ');
          el('span', 'text', t.alarm, v.alarmText ?? '');
        }
      }
    }
    if (force || nowMs - this.lastSort >= 1000) {
      this.lastSort = nowMs;
      const order = [...views]
        .map((v) => ({ id: v.bed.id, label: v.bed.label, priority: v.priority, news2: v.news2, risk: v.risk }))
        .sort(compareBeds);
      const focused = document.activeElement;
      order.forEach((o, i) => {
        const e = this.tiles.get(o.id)!.e;
        if (this.root.children[i] !== e) this.root.insertBefore(e, this.root.children[i] ?? null);
      });
      // Moving a node drops its focus: give it back, so keyboard users keep their place.
      if (focused instanceof HTMLElement && focused !== document.activeElement && this.root.contains(focused)) {
        focused.focus({ preventScroll: true });
      }
    }
  }
}

// Patient panel: header, numerics with alarm levels (colour + ▲ marks), live ECG strip at 25 mm/s,
// trends 1 h / 24 h (history API), NEWS2 breakdown, alarms with acknowledge, the alarm history of
// the last 8 h / 24 h and the record summary (problems, allergies, medications from the Patient
// twin).
// Nothing here polls. The alarm list is the shared alarm store's (model/alarms.ts: refreshed when
// the patient's live alarm summary changes), so it is the very list the overview tile and the 3D
// label show. The NEWS2 rows are the engine's breakdown, fetched once when the panel opens, then
// re-scored from the live readings (viz/news2-live.ts); they always sum to the total under them,
// and the breakdown is fetched again only when that sum and the engine's live NEWS2 disagree.
// Acknowledge and Silence are offered only to viewers allowed to (canAcknowledge).
// Keyboard: opened by the user, the panel takes focus (its heading); closing it (Esc, Close)
// gives focus back to what opened it — a tile, the bed list, the 3D view.
import type { BedView } from '../model/bed-view';
import type { WaveStore } from '../ecg/wave-store';
import { NEWS2_PARAMS, type News2Param } from '../viz/news2';
import { hrLevel, news2Color, PRIORITY_STYLES, rrLevel, spo2Level, sysLevel, tempLevel, type Level } from '../viz/mapping';
import { fetchAlarmHistory, fetchNews2, fetchTrend } from '../net/rest';
import {
  alarmTiming, canAcknowledge, formatClock, needsAck, stateWords, type Alarm, type AlarmStore, type HistoryAlarm, type Viewer,
} from '../model/alarms';
import { liveInputs, mergeNews2, News2Sync, parseBreakdown, type News2Base, type News2Row } from '../viz/news2-live';
import { drawEcgStrip, drawTrend } from './ecg-strip';
import { alarmBadge } from './overview';
import { el, fmt, setText } from './dom';

const PARAM_NAMES: Record<News2Param, string> = {
  rr: 'Respiration rate', spo2: 'SpO₂', air: 'Air or oxygen', sys: 'Systolic BP', hr: 'Pulse',
  consciousness: 'Consciousness', temp: 'Temperature',
};

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Telemetry that has a trend, with its name in the list. */
const TREND_SERIES: Record<string, string> = { hr: 'HR', spo2: 'SpO₂', rr: 'RR', nibpSys: 'Systolic BP', temp: 'Temp' };

interface NumCell { e: HTMLElement; b: HTMLElement; }

export interface PanelDeps {
  waves: WaveStore;
  apiBase: string;
  alarms: AlarmStore;
  viewer: () => Viewer;
  onClose: () => void;
}

export class PatientPanel {
  bedId: string | null = null;
  /** Breakdown requests: when the panel opened, and to resync with the engine's total (tests). */
  readonly news2Fetches = { open: 0, resync: 0 };
  private numerics = new Map<string, NumCell>();
  private ecg!: HTMLCanvasElement;
  private title!: HTMLElement;
  private sub!: HTMLElement;
  private n2table!: HTMLTableElement;
  private n2note!: HTMLElement;
  private alarmList!: HTMLElement;
  private alarmNote!: HTMLElement;
  private historyTable!: HTMLTableElement;
  private historyNote!: HTMLElement;
  private record!: HTMLElement;
  private trendCanvas!: HTMLCanvasElement;
  private trendNote!: HTMLElement;
  private trendRange = 3600_000;
  private trendSeries = 'hr';
  private historyRange = 8 * 3600_000;
  private lastSlow = 0;
  private view?: BedView;
  private loadedFor: string | null = null; // bed whose trend and breakdown were first fetched
  private news2Base: News2Base | null = null;
  private news2For: string | null = null; // patient of news2Base
  private news2Absent = false; // the engine has no breakdown route
  private readonly news2Sync = new News2Sync();
  private alarmKey = '';
  private alarmTimes: Array<{ e: HTMLElement; a: Alarm }> = [];
  private historyKey = '';
  private historyTimer: ReturnType<typeof setTimeout> | undefined;
  private opener: HTMLElement | null = null; // focused before the user opened the panel
  private readonly waves: WaveStore;
  private readonly apiBase: string;

  constructor(
    private readonly root: HTMLElement,
    private readonly deps: PanelDeps,
  ) {
    this.waves = deps.waves;
    this.apiBase = deps.apiBase;
    this.build();
  }

  private build(): void {
    const r = this.root;
    const head = el('div', 'ph', r);
    this.title = el('h2', '', head, 'Bed');
    this.title.id = 'panel-title';
    this.title.tabIndex = -1;
    this.sub = el('span', 'sub', head);
    const close = el('button', 'act', head, 'Close');
    close.title = 'Close (Esc)';
    close.onclick = () => this.deps.onClose();
    el('h3', '', r, 'Vital signs');
    const nums = el('div', 'numerics', r);
    for (const [key, label] of [['hr', 'HR bpm'], ['spo2', 'SpO₂ %'], ['rr', 'RR /min'], ['nibp', 'NIBP mmHg'], ['temp', 'Temp °C'], ['news2', 'NEWS2']]) {
      const e = el('div', 'num', nums);
      e.dataset.num = key;
      el('span', '', e, label);
      this.numerics.set(key, { e, b: el('b', '', e, '–') });
    }
    el('h3', '', r, 'ECG II');
    this.ecg = el('canvas', '', r);
    this.ecg.id = 'ecg';
    this.ecg.setAttribute('role', 'img');
    this.ecg.setAttribute('aria-label', 'Live ECG lead II strip; the numbers above are the measured values');
    el('div', 'scale', r, '25 mm/s · 10 mm/mV · grid 1 mm / 5 mm (at 96 CSS px per inch)');
    el('h3', '', r, 'Trends');
    const bar = el('div', 'trend-bar', r);
    const buttons: HTMLButtonElement[] = [];
    for (const [label, ms] of [['1 h', 3600_000], ['24 h', 86_400_000]] as const) {
      const b = el('button', 'act', bar, label);
      b.setAttribute('aria-pressed', String(ms === this.trendRange));
      b.onclick = () => {
        this.trendRange = ms;
        this.setTrendLabel();
        buttons.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
        void this.loadTrend();
      };
      buttons.push(b);
    }
    const sel = el('select', '', bar);
    sel.setAttribute('aria-label', 'Trend of');
    for (const [v, l] of Object.entries(TREND_SERIES)) {
      const o = el('option', '', sel, l);
      o.value = v;
    }
    sel.onchange = () => {
      this.trendSeries = sel.value;
      this.setTrendLabel();
      void this.loadTrend();
    };
    this.trendCanvas = el('canvas', '', r);
    this.trendCanvas.id = 'trend';
    this.trendCanvas.setAttribute('role', 'img');
    this.trendCanvas.setAttribute('aria-describedby', 'trend-note');
    this.trendNote = el('div', 'muted', r);
    this.trendNote.id = 'trend-note';
    el('h3', '', r, 'NEWS2').id = 'n2-title';
    this.n2table = el('table', 'n2', r);
    this.n2table.setAttribute('aria-labelledby', 'n2-title');
    this.n2note = el('div', 'muted n2-note', r);
    el('h3', '', r, 'Alarms');
    this.alarmList = el('ul', 'alarms', r);
    this.alarmNote = el('div', 'muted alarm-note', r);
    this.alarmNote.setAttribute('role', 'status');
    el('h3', '', r, 'Alarm history').id = 'history-title';
    const hbar = el('div', 'trend-bar history-bar', r);
    hbar.setAttribute('role', 'group');
    hbar.setAttribute('aria-label', 'Alarm history range');
    const hbuttons: HTMLButtonElement[] = [];
    for (const [label, ms] of [['8 h', 8 * 3600_000], ['24 h', 86_400_000]] as const) {
      const b = el('button', 'act', hbar, label);
      b.dataset.range = label.replace(' ', '');
      b.setAttribute('aria-pressed', String(ms === this.historyRange));
      b.title = `Alarms of the last ${label.replace('h', 'hours')}`;
      b.onclick = () => {
        this.historyRange = ms;
        hbuttons.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
        void this.loadHistory();
      };
      hbuttons.push(b);
    }
    this.historyNote = el('div', 'muted', r);
    this.historyNote.id = 'history-note';
    const wrap = el('div', 'history-wrap', r);
    this.historyTable = el('table', 'history', wrap);
    this.historyTable.setAttribute('aria-labelledby', 'history-title');
    this.historyTable.setAttribute('aria-describedby', 'history-note');
    el('h3', '', r, 'Record');
    this.record = el('dl', 'record', r);
  }

  /**
   * Shows the panel for `bedId` (`label` titles it until the first update); with `takeFocus`
   * (the user opened it) focus moves to its heading and returns to the opener on close.
   */
  open(bedId: string, label: string, takeFocus: boolean): void {
    this.bedId = bedId;
    this.root.hidden = false;
    setText(this.title, `Bed ${label}`);
    this.setTrendLabel();
    if (takeFocus) {
      const active = document.activeElement;
      if (active instanceof HTMLElement && active !== document.body && !this.root.contains(active)) this.opener = active;
      this.title.focus();
    }
    this.lastSlow = 0;
    this.loadedFor = null;
    this.view = undefined;
    this.news2Base = null;
    this.news2For = null;
    this.news2Sync.reset();
    this.alarmKey = '';
    this.historyKey = '';
    this.n2table.replaceChildren();
    this.historyTable.replaceChildren();
    setText(this.historyNote, '');
  }

  close(): void {
    const hadFocus = this.root.contains(document.activeElement);
    this.bedId = null;
    this.root.hidden = true;
    clearTimeout(this.historyTimer);
    const opener = this.opener;
    this.opener = null;
    if (hadFocus && opener?.isConnected) opener.focus();
  }

  private setTrendLabel(): void {
    const range = this.trendRange >= 86_400_000 ? '24 hours' : '1 hour';
    this.trendCanvas.setAttribute('aria-label', `Trend of ${TREND_SERIES[this.trendSeries] ?? this.trendSeries} over the last ${range}`);
  }

  /** Called every frame while open: ECG every frame, the rest at 4 Hz. */
  update(v: BedView, playTime: number | null, nowMs: number): void {
    this.view = v;
    if (this.loadedFor !== v.bed.id) {
      this.loadedFor = v.bed.id;
      void this.loadTrend();
    }
    if (v.bed.monitorId) {
      const { blocks, gaps } = this.waves.get(v.bed.monitorId, 'ecg');
      drawEcgStrip(this.ecg, blocks, gaps, playTime);
    }
    if (nowMs - this.lastSlow < 250) return;
    this.lastSlow = nowMs;
    const p = v.patient?.properties ?? {};
    setText(this.title, `Bed ${v.bed.label}`);
    setText(this.sub, v.patient ? `${String(p.name ?? v.patient.id)} · MRN ${String(p.mrn ?? '–')}` : 'Unoccupied');
    this.setNum('hr', fmt(v.hr), hrLevel(v.hr));
    this.setNum('spo2', fmt(v.spo2), spo2Level(v.spo2, v.scale));
    this.setNum('rr', fmt(v.rr), rrLevel(v.rr));
    this.setNum('nibp', `${fmt(v.sys)}/${fmt(v.dia)}`, sysLevel(v.sys));
    this.setNum('temp', fmt(v.temp, 1), tempLevel(v.temp));
    const n2 = this.numerics.get('news2')!;
    setText(n2.b, v.news2 === undefined ? '–' : `${v.news2}${v.news2Estimated ? ' est.' : ''}`);
    n2.b.style.color = news2Color(v.news2, v.risk);
    this.renderNews2(v, nowMs);
    this.renderAlarms(v);
    this.scheduleHistory(v);
    this.renderRecord(v);
  }

  private setNum(key: string, text: string, level: Level): void {
    const c = this.numerics.get(key)!;
    setText(c.b, text);
    c.e.className = `num ${level}`;
  }

  /** Fetches the engine's breakdown (reason: "open" or "resync"). */
  private async loadNews2(patient: string, reason: 'open' | 'resync'): Promise<void> {
    this.news2Fetches[reason]++;
    try {
      const j = await fetchNews2(this.apiBase, patient);
      if (this.view?.bed.patientId !== patient) return;
      this.news2Absent = j === null;
      if (j) {
        this.news2Base = parseBreakdown(j as unknown as Record<string, unknown>);
        this.news2Sync.fetched(performance.now());
      }
    } catch {
      /* keep what we have; the next mismatch asks again */
    }
  }

  private renderNews2(v: BedView, nowMs: number): void {
    const pid = v.bed.patientId;
    if (pid && pid !== this.news2For && !v.news2Estimated) {
      this.news2For = pid;
      this.news2Base = null;
      this.news2Sync.reset();
      void this.loadNews2(pid, 'open');
    }
    let rows: News2Row[];
    let total: number;
    let label: string;
    let busy = false;
    if (v.news2Estimated || (this.news2Absent && !this.news2Base)) {
      const d = v.news2Detail;
      rows = NEWS2_PARAMS.map((p) => ({ param: p, score: d.scores[p], live: true }));
      total = d.total;
      label = 'Estimate from monitor vitals';
    } else if (!this.news2Base) {
      if (this.n2table.dataset.state !== 'loading') {
        this.n2table.dataset.state = 'loading';
        this.n2table.innerHTML = '<tr><td>Loading the breakdown…</td><td></td></tr>';
      }
      return;
    } else {
      const m = mergeNews2(this.news2Base, liveInputs(v.monitor, v.patient));
      rows = m.rows;
      total = m.total;
      if (this.news2Sync.check(total, v.news2, nowMs) && pid) void this.loadNews2(pid, 'resync');
      busy = this.news2Sync.mismatch;
      label = `NEWS2${m.complete ? '' : ' (incomplete)'}`;
    }
    const body = rows.map((r) => {
      const value = r.value !== undefined ? ` <span class="muted">(${esc(r.value)})</span>` : '';
      return `<tr data-param="${r.param}"><td>${PARAM_NAMES[r.param]}${value}</td><td class="score">${r.score === undefined ? 'not recorded' : r.score}</td></tr>`;
    });
    const risk = v.news2Estimated ? '' : ` · risk ${esc(v.risk ?? '–')}`;
    const html =
      body.join('') +
      `<tr class="total" data-total="${total}"><td><b>${label}</b>${risk}</td><td class="score"><b>${total}</b></td></tr>`;
    this.n2table.dataset.state = busy ? 'updating' : 'ok';
    this.n2table.setAttribute('aria-busy', String(busy));
    if (this.n2table.innerHTML !== html) this.n2table.innerHTML = html;
    setText(this.n2note, busy ? 'Updating from the engine…' : v.news2Estimated ? 'The engine has no NEWS2 for this patient yet: estimated here.' : 'Sum of the rows; re-scored live as readings arrive.');
  }

  /** The alarm list from the shared store; rebuilt only when an alarm changes (buttons keep focus). */
  private renderAlarms(v: BedView): void {
    const store = this.deps.alarms;
    const viewer = this.deps.viewer();
    const pid = v.bed.patientId;
    const list = v.alarms;
    const key = JSON.stringify([
      pid ?? '', store.available, v.alarmsPending,
      store.available === false ? [v.priority, v.alarmText] : list.map((a) => [a.id, a.state, a.priority, a.message, a.acknowledgedBy, a.silencedUntil, a.ended, canAcknowledge(viewer, a)]),
    ]);
    if (key !== this.alarmKey) {
      this.alarmKey = key;
      this.alarmList.replaceChildren();
      this.alarmTimes = [];
      this.alarmList.setAttribute('aria-busy', String(v.alarmsPending));
      if (!pid) {
        el('li', 'muted', this.alarmList, 'No patient');
      } else if (store.available === false) {
        // No alarm API: the twin's current alarm, without acknowledge.
        if (v.alarmText && v.priority > 0) {
          const li = el('li', '', this.alarmList);
          alarmBadge(li, v.priority, true);
          el('span', '', li, v.alarmText);
        } else el('li', 'muted', this.alarmList, 'No active alarms');
        el('li', 'muted', this.alarmList, 'Alarm API not available: acknowledge disabled.');
      } else if (store.available === null) {
        el('li', 'muted', this.alarmList, 'Loading alarms…');
      } else if (!list.length) {
        el('li', 'muted', this.alarmList, 'No active alarms');
      } else {
        for (const a of list) this.alarmRow(a, canAcknowledge(viewer, a));
      }
    }
    const now = Date.now();
    for (const { e, a } of this.alarmTimes) setText(e, alarmTiming(a, now));
  }

  private alarmRow(a: Alarm, canAck: boolean): void {
    const li = el('li', `alarm-${a.state}`, this.alarmList);
    li.dataset.alarm = a.id;
    li.dataset.state = a.state;
    alarmBadge(li, a.priority, a.state === 'active');
    el('span', 'text', li, a.message);
    if (a.state !== 'active') el('span', 'acked', li, stateWords(a));
    const when = el('span', 'when', li);
    this.alarmTimes.push({ e: when, a });
    if (a.acknowledgedBy) el('span', 'by', li, `by ${a.acknowledgedBy}`);
    if (a.silencedUntil && a.silencedUntil > Date.now() && a.state === 'active') el('span', 'by', li, `silenced until ${formatClock(a.silencedUntil)}`);
    if (!canAck || !needsAck(a)) return;
    const what = `${PRIORITY_STYLES[a.priority].label} alarm ${a.message}`;
    const b = el('button', 'act ack', li, 'Acknowledge');
    b.setAttribute('aria-label', `Acknowledge ${what}`);
    b.onclick = async () => {
      b.disabled = true;
      const r = await this.deps.alarms.acknowledge(a.id);
      if (!r.ok) {
        b.disabled = false;
        setText(this.alarmNote, r.message);
      } else setText(this.alarmNote, '');
    };
    if (a.state === 'active') {
      const m = el('button', 'act', li, 'Silence 2 min');
      m.setAttribute('aria-label', `Silence 2 min: ${what}`);
      m.onclick = async () => {
        m.disabled = true;
        const r = await this.deps.alarms.silence(a.id, 120);
        m.disabled = false;
        setText(this.alarmNote, r.ok ? '' : r.message);
      };
    }
  }

  /** The history follows the alarm list: fetched on open, and again a second after it changes. */
  private scheduleHistory(v: BedView): void {
    const key = `${v.bed.patientId ?? ''}\n${this.historyRange}\n${v.alarms.map((a) => `${a.id}:${a.state}:${a.priority}`).join(',')}`;
    if (key === this.historyKey) return;
    const first = !this.historyKey.startsWith(`${v.bed.patientId ?? ''}\n`);
    this.historyKey = key;
    clearTimeout(this.historyTimer);
    this.historyTimer = setTimeout(() => void this.loadHistory(), first ? 0 : 1000);
  }

  private async loadHistory(): Promise<void> {
    const pid = this.view?.bed.patientId;
    const range = this.historyRange;
    const hours = Math.round(range / 3600_000);
    if (!pid) {
      this.historyTable.replaceChildren();
      setText(this.historyNote, 'No patient');
      return;
    }
    let items: HistoryAlarm[] | null;
    try {
      items = await fetchAlarmHistory(this.apiBase, pid, range);
    } catch (e) {
      setText(this.historyNote, `Alarm history unavailable: ${(e as Error).message}`);
      return;
    }
    if (this.view?.bed.patientId !== pid || this.historyRange !== range) return;
    if (items === null) {
      this.historyTable.replaceChildren();
      setText(this.historyNote, 'Alarm history not available in this engine build.');
      return;
    }
    setText(this.historyNote, items.length ? `${items.length} alarm${items.length === 1 ? '' : 's'} in the last ${hours} h, newest first` : `No alarms in the last ${hours} h`);
    const day = new Date().toDateString();
    const when = (t?: number) => {
      if (t === undefined) return '';
      const d = new Date(t);
      const date = d.toDateString() === day ? '' : `${d.getDate()} ${d.toLocaleString('en', { month: 'short' })} `;
      return date + formatClock(t);
    };
    const rows = items.map((a) => {
      const style = PRIORITY_STYLES[a.priority];
      const end = a.ended !== undefined
        ? `${when(a.ended)}${a.state === 'latched' ? ' (latched)' : a.endReason && a.endReason !== 'resolved' ? ` (${esc(a.endReason.replace('_', ' '))})` : ''}`
        : 'ongoing';
      const ack = a.acknowledgedBy ? `${esc(a.acknowledgedBy)}${a.acknowledged ? ` <span class="muted">${when(a.acknowledged)}</span>` : ''}` : '—';
      return `<tr data-alarm="${esc(a.id)}" data-state="${a.state}"><td class="t">${when(a.onset)}</td><td class="t">${end}</td>` +
        `<td class="t"><span class="lvl" style="border-color:${style.color}"><span aria-hidden="true">${style.symbol}</span> ${style.label}</span></td>` +
        `<td class="msg">${esc(a.message)}</td><td class="msg">${ack}</td></tr>`;
    });
    this.historyTable.innerHTML =
      '<thead><tr><th scope="col">Onset</th><th scope="col">End</th><th scope="col">Level</th><th scope="col">Alarm</th><th scope="col">Acknowledged by</th></tr></thead>' +
      `<tbody>${rows.join('')}</tbody>`;
  }

  private renderRecord(v: BedView): void {
    const p = v.patient?.properties ?? {};
    const list = (x: unknown) => (Array.isArray(x) && x.length ? x.map(String).join(', ') : 'none recorded');
    const html =
      `<dt>Born · sex</dt><dd>${esc(String(p.birthDate ?? '–'))} · ${esc(String(p.sex ?? '–'))}</dd>` +
      `<dt>Problems</dt><dd>${esc(list(p.problems))}</dd>` +
      `<dt>Allergies</dt><dd>${esc(list(p.allergies))}</dd>` +
      `<dt>Medications</dt><dd>${esc(list(p.medications))}</dd>`;
    if (this.record.innerHTML !== html) this.record.innerHTML = html;
  }

  private async loadTrend(): Promise<void> {
    const bed = this.bedId;
    const v = this.view;
    const monitor = v?.bed.monitorId;
    if (!bed || !monitor) return;
    const to = Date.now();
    try {
      const pts = await fetchTrend(this.apiBase, monitor, this.trendSeries, this.trendRange);
      if (this.bedId !== bed) return;
      if (pts === null) {
        setText(this.trendNote, 'History API not available in this engine build.');
        drawTrend(this.trendCanvas, [], 0, 1, '#4ade80');
        return;
      }
      setText(this.trendNote, `${pts.length} points · band = min/max, line = mean`);
      drawTrend(this.trendCanvas, pts, to - this.trendRange, to, '#4ade80');
    } catch (e) {
      setText(this.trendNote, `Trend unavailable: ${(e as Error).message}`);
    }
  }
}

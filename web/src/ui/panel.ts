// Patient panel: header, numerics with alarm levels (colour + ▲ marks), live ECG strip at 25 mm/s,
// trends 1 h / 24 h (history API), NEWS2 breakdown, alarms with acknowledge (alarm API) and the
// record summary (problems, allergies, medications from the Patient twin).
// Keyboard: opened by the user, the panel takes focus (its heading); closing it (Esc, Close)
// gives focus back to what opened it — a tile, the bed list, the 3D view.
import type { BedView } from '../model/bed-view';
import type { WaveStore } from '../ecg/wave-store';
import { NEWS2_PARAMS, type News2Param } from '../viz/news2';
import { hrLevel, news2Color, Priority, PRIORITY_STYLES, rrLevel, spo2Level, sysLevel, tempLevel, type Level } from '../viz/mapping';
import { acknowledgeAlarm, fetchAlarms, fetchNews2, fetchTrend, silenceAlarm, type AlarmItem, type News2Breakdown } from '../net/rest';
import { parsePriority } from '../viz/mapping';
import { textOn } from '../viz/contrast';
import { drawEcgStrip, drawTrend } from './ecg-strip';
import { el, fmt, setText } from './dom';

/** The engine's parameter keys (GET /api/v1/patients/{id}/news2) for our short names. */
const ENGINE_PARAMS: Record<News2Param, string> = {
  rr: 'respiration_rate', spo2: 'spo2', air: 'air_or_oxygen', sys: 'systolic_bp', hr: 'pulse',
  consciousness: 'consciousness', temp: 'temperature',
};

const PARAM_NAMES: Record<News2Param, string> = {
  rr: 'Respiration rate', spo2: 'SpO₂', air: 'Air or oxygen', sys: 'Systolic BP', hr: 'Pulse',
  consciousness: 'Consciousness', temp: 'Temperature',
};

/** Telemetry that has a trend, with its name in the list. */
const TREND_SERIES: Record<string, string> = { hr: 'HR', spo2: 'SpO₂', rr: 'RR', nibpSys: 'Systolic BP', temp: 'Temp' };

interface NumCell { e: HTMLElement; b: HTMLElement; }

export class PatientPanel {
  bedId: string | null = null;
  private numerics = new Map<string, NumCell>();
  private ecg!: HTMLCanvasElement;
  private title!: HTMLElement;
  private sub!: HTMLElement;
  private n2table!: HTMLElement;
  private alarmList!: HTMLElement;
  private record!: HTMLElement;
  private trendCanvas!: HTMLCanvasElement;
  private trendNote!: HTMLElement;
  private trendRange = 3600_000;
  private trendSeries = 'hr';
  private lastSlow = 0;
  private alarmTimer: ReturnType<typeof setInterval> | undefined;
  private view?: BedView;
  private loadedFor: string | null = null;
  private engineNews2: News2Breakdown | null = null; // bed whose trend and alarms were first fetched
  private opener: HTMLElement | null = null; // focused before the user opened the panel

  constructor(
    private readonly root: HTMLElement,
    private readonly waves: WaveStore,
    private readonly apiBase: string,
    private readonly onClose: () => void,
  ) {
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
    close.onclick = () => this.onClose();
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
    el('h3', '', r, 'NEWS2');
    this.n2table = el('table', 'n2', r);
    el('h3', '', r, 'Alarms');
    this.alarmList = el('ul', 'alarms', r);
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
    clearInterval(this.alarmTimer);
    this.alarmTimer = setInterval(() => void this.loadAlarms(), 3000);
  }

  close(): void {
    const hadFocus = this.root.contains(document.activeElement);
    this.bedId = null;
    this.root.hidden = true;
    clearInterval(this.alarmTimer);
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
      void this.loadAlarms();
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
    this.renderNews2(v);
    this.renderRecord(v);
  }

  private setNum(key: string, text: string, level: Level): void {
    const c = this.numerics.get(key)!;
    setText(c.b, text);
    c.e.className = `num ${level}`;
  }

  private renderNews2(v: BedView): void {
    const d = v.news2Detail;
    const e = !v.news2Estimated && this.engineNews2 ? this.engineNews2 : null;
    const rows = NEWS2_PARAMS.map((p) => {
      const ep = e?.parameters?.[ENGINE_PARAMS[p]];
      const s = e ? (ep?.missing ? undefined : ep?.score) : d.scores[p];
      const value = e && ep && !ep.missing && ep.value !== undefined ? ` <span class="muted">(${String(ep.value)})</span>` : '';
      return `<tr><td>${PARAM_NAMES[p]}${value}</td><td>${s === undefined ? 'not recorded' : s}</td></tr>`;
    });
    const total = v.news2Estimated
      ? `<tr><td><b>Estimate from monitor vitals</b></td><td><b>${d.total}</b></td></tr>`
      : `<tr><td><b>NEWS2 (engine)</b> · risk ${v.risk ?? '–'}</td><td><b>${v.news2}</b></td></tr>`;
    const html = rows.join('') + total;
    if (this.n2table.innerHTML !== html) this.n2table.innerHTML = html;
  }

  private renderRecord(v: BedView): void {
    const p = v.patient?.properties ?? {};
    const list = (x: unknown) => (Array.isArray(x) && x.length ? x.map(String).join(', ') : 'none recorded');
    const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
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

  private async loadAlarms(): Promise<void> {
    const v = this.view;
    const pid = v?.bed.patientId;
    if (!pid) {
      this.alarmList.innerHTML = '<li class="muted">No patient</li>';
      return;
    }
    let items: AlarmItem[] | null = null;
    try {
      items = await fetchAlarms(this.apiBase, pid);
      this.engineNews2 = await fetchNews2(this.apiBase, pid);
    } catch {
      items = null;
    }
    if (this.view?.bed.patientId !== pid) return;
    this.alarmList.innerHTML = '';
    if (items === null) {
      // No alarm API: show the twin's current alarm, without acknowledge.
      if (v && v.priority > Priority.None) this.alarmRow({ id: '', priority: v.priority, text: v.alarmText ?? '', state: 'active' }, false);
      else el('li', 'muted', this.alarmList, 'No active alarms');
      el('li', 'muted', this.alarmList, 'Alarm API not available: acknowledge disabled.');
      return;
    }
    if (!items.length) el('li', 'muted', this.alarmList, 'No active alarms');
    for (const a of items) this.alarmRow(a, true);
  }

  private alarmRow(a: AlarmItem, canAck: boolean): void {
    const li = el('li', '', this.alarmList);
    li.dataset.alarm = a.id;
    const p = parsePriority(a.priority);
    const style = PRIORITY_STYLES[p];
    const badge = el('span', 'badge', li);
    el('span', '', badge, style.symbol).setAttribute('aria-hidden', 'true');
    badge.append(` ${style.label}`);
    badge.style.background = style.color;
    badge.style.color = textOn(style.color);
    el('span', '', li, a.text);
    if (a.state !== 'active') el('span', 'acked', li, a.state);
    if (canAck && (a.state === 'active' || a.state === 'latched') && a.id) {
      const b = el('button', 'act ack', li, 'Acknowledge');
      b.style.marginLeft = 'auto';
      b.onclick = async () => {
        b.disabled = true;
        await acknowledgeAlarm(this.apiBase, a.id);
        void this.loadAlarms();
      };
      if (a.state === 'active') {
        const m = el('button', 'act', li, 'Silence 2 min');
        m.onclick = async () => {
          m.disabled = true;
          await silenceAlarm(this.apiBase, a.id, 120);
          void this.loadAlarms();
        };
      }
    }
  }
}

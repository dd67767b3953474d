// Live waveforms on the central-station tiles, drawn cheaply: one small canvas per tile, one
// render pass for all of them from the app's frame loop (at most DRAW_HZ), and only the tiles on
// screen — an IntersectionObserver tells which — are subscribed to (`{twin: <monitor>}`,
// waveforms, RATE_HZ) and drawn. Each canvas is a CPU-rastered 2D canvas
// (`willReadFrequently`) on its own compositor layer (CSS `will-change: transform`): a trace
// is a few hundred line segments, and this way a redraw uploads a small texture instead of
// repainting the tile around it — measured with 48 beds on a software rasteriser: frame interval
// 17 ms, against 280 ms with GPU canvases and 100 ms with CPU canvases painted into the page. The ward subscription carries no waveforms, so with 48 beds
// the page receives the signals of the tiles in view only; a tile that scrolls away is
// unsubscribed after LINGER_MS, and everything is when the overview is left.
import type { GapMessage, WaveMessage } from '../types';
import { WaveStore } from '../ecg/wave-store';
import { PlaybackClock } from '../ecg/strip-math';
import { chooseTelemetry, MINI_SPAN_MS, miniTrace, planSubscriptions, type MiniTelemetry } from '../ecg/mini-wave';
import { fitCanvas } from './ecg-strip';

export const TILE_SUB_PREFIX = 'tw:';
const RATE_HZ = 5;
const DRAW_HZ = 15;
const PLAN_MS = 500;
const COLORS: Record<MiniTelemetry, string> = { ecg: '#4ade80', pleth: '#38d4f0' };
const NAMES: Record<MiniTelemetry, string> = { ecg: 'ECG', pleth: 'Pleth' };

interface TileCanvas {
  card: HTMLElement;
  canvas: HTMLCanvasElement;
  tag: HTMLElement;
  monitor?: string;
  drawnKey: string;
}

export class TileWaves {
  readonly store = new WaveStore(MINI_SPAN_MS + 4000);
  private readonly clocks = new Map<string, PlaybackClock>();
  private readonly arrivals = new Map<string, { ecg?: number; pleth?: number }>();
  private readonly tiles = new Map<string, TileCanvas>(); // bed id →
  private readonly visible = new Set<string>(); // bed ids on screen
  readonly subscribed = new Set<string>(); // monitor ids
  private readonly lastWanted = new Map<string, number>();
  private readonly io: IntersectionObserver | null;
  private enabled = false;
  private lastPlan = -Infinity;
  private lastDraw = -Infinity;
  /** Tiles drawn in the last pass and what it cost (tests, the measure script). */
  drawn = 0;
  drawMs = 0;

  constructor(
    scroller: HTMLElement,
    private readonly send: (m: object) => boolean,
  ) {
    this.io = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
      for (const e of entries) {
        const bed = (e.target as HTMLElement).dataset.bed;
        if (!bed) continue;
        if (e.isIntersecting) this.visible.add(bed);
        else this.visible.delete(bed);
      }
    }, { root: scroller, rootMargin: '40px 0px' });
  }

  static subscription(monitor: string): object {
    return { op: 'subscribe', id: TILE_SUB_PREFIX + monitor, rate_hz: RATE_HZ, waveforms: true, target: { twin: monitor } };
  }

  /** Sent again on every (re)connect. */
  subscriptions(): object[] {
    return [...this.subscribed].map((m) => TileWaves.subscription(m));
  }

  attach(bedId: string, card: HTMLElement, canvas: HTMLCanvasElement, tag: HTMLElement): void {
    this.tiles.set(bedId, { card, canvas, tag, drawnKey: '' });
    this.io?.observe(card);
  }

  detach(bedId: string): void {
    const t = this.tiles.get(bedId);
    if (t) this.io?.unobserve(t.card);
    this.tiles.delete(bedId);
    this.visible.delete(bedId);
  }

  setMonitor(bedId: string, monitor: string | undefined): void {
    const t = this.tiles.get(bedId);
    if (t) t.monitor = monitor;
  }

  /** The overview is shown (true) or left (false: every tile subscription ends). */
  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    this.lastPlan = -Infinity;
    if (!on) {
      for (const m of this.subscribed) this.send({ op: 'unsubscribe', id: TILE_SUB_PREFIX + m });
      this.subscribed.clear();
      this.lastWanted.clear();
      this.store.clear();
      this.clocks.clear();
      this.arrivals.clear();
    }
  }

  onWave(m: WaveMessage): void {
    const monitor = m.sub.slice(TILE_SUB_PREFIX.length);
    if (!this.subscribed.has(monitor) || (m.telemetry !== 'ecg' && m.telemetry !== 'pleth')) return;
    const b = this.store.addWave(m);
    if (!b) return;
    const now = performance.timeOrigin + performance.now();
    const a = this.arrivals.get(monitor) ?? {};
    a[m.telemetry] = now;
    this.arrivals.set(monitor, a);
    const key = `${monitor}\u0000${m.telemetry}`;
    let c = this.clocks.get(key);
    if (!c) this.clocks.set(key, (c = new PlaybackClock(700)));
    c.onBlock(b.end, now);
  }

  onGap(m: GapMessage): void {
    if (this.subscribed.has(m.sub.slice(TILE_SUB_PREFIX.length))) this.store.addGap(m);
  }

  /** Per frame while the overview is shown: `order` = bed ids in display order. */
  update(nowMs: number, order: readonly string[]): void {
    if (!this.enabled) return;
    if (nowMs - this.lastPlan >= PLAN_MS) {
      this.lastPlan = nowMs;
      const wanted = order.filter((b) => this.visible.has(b)).flatMap((b) => this.tiles.get(b)?.monitor ?? []);
      const { add, remove } = planSubscriptions(this.subscribed, wanted, this.lastWanted, nowMs);
      for (const m of remove) {
        this.send({ op: 'unsubscribe', id: TILE_SUB_PREFIX + m });
        this.subscribed.delete(m);
        this.arrivals.delete(m);
      }
      for (const m of add) {
        if (this.send(TileWaves.subscription(m))) this.subscribed.add(m);
      }
    }
    if (nowMs - this.lastDraw < 1000 / DRAW_HZ) return;
    this.lastDraw = nowMs;
    const t0 = performance.now();
    const wall = performance.timeOrigin + nowMs;
    let drawn = 0;
    for (const bed of this.visible) {
      const t = this.tiles.get(bed);
      if (!t) continue;
      if (this.draw(t, wall)) drawn++;
    }
    this.drawn = drawn;
    this.drawMs = performance.now() - t0;
  }

  private draw(t: TileCanvas, wall: number): boolean {
    const ctx = t.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return false;
    const monitor = t.monitor;
    const kind = monitor && this.subscribed.has(monitor) ? chooseTelemetry(this.arrivals.get(monitor) ?? {}, wall) : null;
    const tag = kind ? NAMES[kind] : '';
    if (t.tag.textContent !== tag) t.tag.textContent = tag;
    const dpr = fitCanvas(t.canvas);
    const { width: w, height: h } = t.canvas;
    const play = kind ? this.clocks.get(`${monitor}\u0000${kind}`)?.playTime(wall) ?? null : null;
    if (!kind || play === null) {
      if (t.drawnKey !== 'empty') {
        ctx.clearRect(0, 0, w, h);
        t.drawnKey = 'empty';
      }
      return false;
    }
    t.drawnKey = '';
    ctx.clearRect(0, 0, w, h);
    const { blocks, gaps } = this.store.get(monitor!, kind);
    const x0 = Math.round(34 * dpr); // room for the tag
    const cols = Math.max(1, w - x0);
    const ys = miniTrace(blocks, gaps, play, MINI_SPAN_MS, cols, kind);
    const pad = 3 * dpr;
    const H = h - 2 * pad;
    ctx.strokeStyle = COLORS[kind];
    ctx.lineWidth = 1.3 * dpr;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let last = -10;
    for (let c = 0; c < cols; c++) {
      const a = ys[2 * c];
      if (Number.isNaN(a)) continue;
      const b = ys[2 * c + 1];
      const x = x0 + c + 0.5;
      if (c - last > 3) ctx.moveTo(x, pad + a * H);
      else ctx.lineTo(x, pad + a * H);
      if (b !== a) ctx.lineTo(x, pad + b * H);
      last = c;
    }
    ctx.stroke();
    return true;
  }
}

// Draws an ECG strip on a canvas at true paper speed (25 mm/s, 10 mm/mV, 1 mm / 5 mm grid at
// 96 CSS px per inch), right edge = the playback time, with a 1 mV calibration pulse. Columns with
// no data or under a gap marker break the trace.
import { binColumns, CSS_PX_PER_MM, pxPerMicrovolt, stripSpanMs, type Gap, type WaveBlock } from '../ecg/strip-math';

export function fitCanvas(c: HTMLCanvasElement): number {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(c.clientWidth * dpr));
  const h = Math.max(1, Math.round(c.clientHeight * dpr));
  if (c.width !== w || c.height !== h) {
    c.width = w;
    c.height = h;
  }
  return dpr;
}

export function drawEcgStrip(
  c: HTMLCanvasElement,
  blocks: readonly WaveBlock[],
  gaps: readonly Gap[],
  t1: number | null,
  color = '#6ef29a',
): void {
  const dpr = fitCanvas(c);
  const ctx = c.getContext('2d');
  if (!ctx) return;
  const { width: w, height: h } = c;
  const mm = CSS_PX_PER_MM * dpr;
  ctx.fillStyle = '#0c1116';
  ctx.fillRect(0, 0, w, h);
  for (let pass = 0; pass < 2; pass++) {
    ctx.strokeStyle = pass ? 'rgba(248,113,113,0.30)' : 'rgba(248,113,113,0.10)';
    ctx.lineWidth = pass ? 1 : 0.6;
    ctx.beginPath();
    const step = pass ? 5 * mm : mm;
    for (let x = w; x >= 0; x -= step) {
      ctx.moveTo(Math.round(x) - 0.5, 0);
      ctx.lineTo(Math.round(x) - 0.5, h);
    }
    for (let y = 0; y <= h; y += step) {
      ctx.moveTo(0, Math.round(y) + 0.5);
      ctx.lineTo(w, Math.round(y) + 0.5);
    }
    ctx.stroke();
  }
  const y0 = Math.round((h * 0.62) / mm) * mm;
  ctx.strokeStyle = '#d6dee8';
  ctx.lineWidth = 1.2 * dpr;
  ctx.beginPath();
  ctx.moveTo(2 * mm, y0);
  ctx.lineTo(4 * mm, y0);
  ctx.lineTo(4 * mm, y0 - 10 * mm);
  ctx.lineTo(9 * mm, y0 - 10 * mm);
  ctx.lineTo(9 * mm, y0);
  ctx.lineTo(11 * mm, y0);
  ctx.stroke();
  if (t1 === null) return;
  const x0 = Math.round(13 * mm);
  const cols = w - x0;
  const span = stripSpanMs(cols, dpr);
  const { min, max } = binColumns(blocks, gaps, t1, span, cols);
  const k = pxPerMicrovolt(dpr);
  const joinCols = Math.max(1, Math.ceil((4 * 1.6) / (span / cols)));
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.6 * dpr;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let last = -1e9;
  for (let col = 0; col < cols; col++) {
    if (Number.isNaN(min[col])) continue;
    const x = x0 + col + 0.5;
    const a = y0 - max[col] * k;
    const b = y0 - min[col] * k;
    if (col - last > joinCols) ctx.moveTo(x, a);
    else ctx.lineTo(x, a);
    if (b !== a) ctx.lineTo(x, b);
    last = col;
  }
  ctx.stroke();
  // Gap markers: hatched band with a label, so a loss is visible rather than a silent flat line.
  const colMs = span / cols;
  ctx.fillStyle = 'rgba(251,191,36,0.18)';
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  for (const g of gaps) {
    const a = x0 + (g.from - (t1 - span)) / colMs;
    const z = x0 + (g.to - (t1 - span)) / colMs;
    if (z < x0 || a > w) continue;
    ctx.fillRect(Math.max(x0, a), 0, Math.min(w, z) - Math.max(x0, a), h);
    ctx.fillStyle = '#fbbf24';
    ctx.fillText('gap', Math.max(x0, a) + 3 * dpr, 12 * dpr);
    ctx.fillStyle = 'rgba(251,191,36,0.18)';
  }
}

/** Trend chart: min/max band and mean line, time axis = the requested range. */
export function drawTrend(
  c: HTMLCanvasElement,
  pts: readonly { t: number; mean: number; min: number; max: number }[],
  from: number,
  to: number,
  color: string,
): void {
  const dpr = fitCanvas(c);
  const ctx = c.getContext('2d');
  if (!ctx) return;
  const { width: w, height: h } = c;
  ctx.clearRect(0, 0, w, h);
  if (!pts.length) return;
  let lo = Math.min(...pts.map((p) => p.min));
  let hi = Math.max(...pts.map((p) => p.max));
  if (hi - lo < 1e-6) {
    hi += 1;
    lo -= 1;
  }
  const pad = 14 * dpr;
  const X = (t: number) => ((t - from) / (to - from)) * w;
  const Y = (v: number) => pad + (1 - (v - lo) / (hi - lo)) * (h - 2 * pad);
  ctx.fillStyle = `${color}40`;
  ctx.beginPath();
  pts.forEach((p, i) => (i ? ctx.lineTo(X(p.t), Y(p.max)) : ctx.moveTo(X(p.t), Y(p.max))));
  for (let i = pts.length - 1; i >= 0; i--) ctx.lineTo(X(pts[i].t), Y(pts[i].min));
  ctx.fill();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * dpr;
  ctx.beginPath();
  pts.forEach((p, i) => (i ? ctx.lineTo(X(p.t), Y(p.mean)) : ctx.moveTo(X(p.t), Y(p.mean))));
  ctx.stroke();
  ctx.fillStyle = '#7d8b9b';
  ctx.font = `${10 * dpr}px system-ui, sans-serif`;
  ctx.fillText(hi.toFixed(0), 4 * dpr, pad - 3 * dpr);
  ctx.fillText(lo.toFixed(0), 4 * dpr, h - 3 * dpr);
}

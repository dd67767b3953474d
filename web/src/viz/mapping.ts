// Data → visual mapping for the avatars, the panel and the overview. Every function is pure so
// the mapping table in doc/design/web-client.md is exactly what the tests check.
// Alarm priority is never shown by colour alone: each priority also has a symbol, a text label,
// a halo marker shape and a blink rate (IEC 60601-1-8: high flashes 1.4–2.8 Hz, medium
// 0.4–0.8 Hz, low is steady).
import { scoreHr, scoreSpo2, scoreSys, scoreRr, scoreTemp, type Risk } from './news2';

export enum Priority {
  None = 0,
  Low = 1,
  Medium = 2,
  High = 3,
}

export type MarkerShape = 'none' | 'circle' | 'diamond' | 'triangle';

export interface PriorityStyle {
  label: string;
  symbol: string;
  color: string;
  blinkHz: number; // 0 = steady
  shape: MarkerShape;
}

export const PRIORITY_STYLES: Record<Priority, PriorityStyle> = {
  [Priority.None]: { label: 'No alarm', symbol: '', color: '#4ade80', blinkHz: 0, shape: 'none' },
  [Priority.Low]: { label: 'LOW', symbol: '!', color: '#38bdf8', blinkHz: 0, shape: 'circle' },
  [Priority.Medium]: { label: 'MEDIUM', symbol: '!!', color: '#fbbf24', blinkHz: 0.6, shape: 'diamond' },
  [Priority.High]: { label: 'HIGH', symbol: '!!!', color: '#ef4444', blinkHz: 2, shape: 'triangle' },
};

/** Accepts the alarm engine's level in any reasonable spelling: names, IEC words or 0–3. */
export function parsePriority(v: unknown): Priority {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return Math.max(Priority.None, Math.min(Priority.High, Math.round(v))) as Priority;
  }
  if (typeof v !== 'string') return Priority.None;
  switch (v.trim().toLowerCase()) {
    case 'high':
    case 'critical':
    case 'red':
      return Priority.High;
    case 'medium':
    case 'warning':
    case 'yellow':
      return Priority.Medium;
    case 'low':
    case 'inop':
    case 'technical':
    case 'advisory':
    case 'info':
    case 'cyan':
      return Priority.Low;
    default:
      return Priority.None;
  }
}

/** Whether a blinking priority indicator is lit at time `tMs` (50 % duty cycle). */
export function blinkOn(p: Priority, tMs: number): boolean {
  const hz = PRIORITY_STYLES[p].blinkHz;
  if (hz <= 0) return true;
  const phase = ((tMs / 1000) * hz) % 1;
  return phase < 0.5;
}

export function priorityFromRisk(risk: Risk | undefined): Priority {
  switch (risk) {
    case 'high':
      return Priority.High;
    case 'medium':
      return Priority.Medium;
    case 'low-medium':
      return Priority.Low;
    default:
      return Priority.None;
  }
}

/** Reads the engine's `news2Risk` ("low", "lowMedium", "low-medium", "medium", "high"). */
export function parseRisk(v: unknown): Risk | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.toLowerCase().replace(/[^a-z]/g, '');
  if (s === 'high') return 'high';
  if (s === 'medium') return 'medium';
  if (s === 'lowmedium') return 'low-medium';
  if (s === 'low') return 'low';
  return undefined;
}

export const NEWS2_COLORS: Record<Risk, string> = {
  low: '#4ade80',
  'low-medium': '#fde047',
  medium: '#fb923c',
  high: '#ef4444',
};

export function news2Color(score: number | undefined, risk: Risk | undefined): string {
  if (score === undefined) return '#64748b';
  if (score === 0) return '#94a3b8';
  return NEWS2_COLORS[risk ?? 'low'];
}

// Per-parameter state: a NEWS2 single-parameter score 0 → normal, 1–2 → warning, 3 → critical.
export type Level = 'unknown' | 'normal' | 'warning' | 'critical';
export const LEVEL_COLORS: Record<Level, string> = {
  unknown: '#64748b',
  normal: '#4ade80',
  warning: '#fbbf24',
  critical: '#ef4444',
};

export function levelOfScore(score: number | undefined): Level {
  if (score === undefined) return 'unknown';
  return score === 0 ? 'normal' : score < 3 ? 'warning' : 'critical';
}

const levelOf = (v: number | undefined, f: (x: number) => number): Level =>
  v === undefined || !Number.isFinite(v) ? 'unknown' : levelOfScore(f(v));

export const hrLevel = (hr?: number) => levelOf(hr, scoreHr);
export const rrLevel = (rr?: number) => levelOf(rr, scoreRr);
export const sysLevel = (sys?: number) => levelOf(sys, scoreSys);
export const tempLevel = (t?: number) => levelOf(t, scoreTemp);
export const spo2Level = (s?: number, scale: 1 | 2 = 1) => levelOf(s, (x) => scoreSpo2(x, scale));

/** Heart scale over one beat: a sharp systole at phase 0 decaying to 1. Period = 60 / bpm s. */
export function heartPulse(tSec: number, bpm: number | undefined): number {
  if (!bpm || bpm <= 0) return 1;
  const phase = ((tSec * bpm) / 60) % 1;
  return 1 + 0.22 * Math.exp(-phase * 9);
}

/** Lung inflation 0 (exhaled) … 1 (inhaled); period = 60 / rr s. */
export function breath(tSec: number, rr: number | undefined): number {
  if (!rr || rr <= 0) return 0;
  return 0.5 - 0.5 * Math.cos(2 * Math.PI * ((tSec * rr) / 60));
}

function mix(a: string, b: string, f: number): string {
  const pa = parseInt(a.slice(1), 16);
  const pb = parseInt(b.slice(1), 16);
  const ch = (p: number, s: number) => (p >> s) & 255;
  const c = (s: number) => Math.round(ch(pa, s) + (ch(pb, s) - ch(pa, s)) * f);
  return `#${((c(16) << 16) | (c(8) << 8) | c(0)).toString(16).padStart(6, '0')}`;
}

const LUNG_PINK = '#f9a8d4';
const LUNG_BLUE = '#3b82f6';

/** Lungs: pink at SpO2 ≥ 96 %, shading linearly to cyanotic blue at ≤ 85 %; grey if unknown. */
export function lungTint(spo2: number | undefined): string {
  if (spo2 === undefined || !Number.isFinite(spo2)) return '#94a3b8';
  const f = Math.max(0, Math.min(1, (96 - spo2) / (96 - 85)));
  return mix(LUNG_PINK, LUNG_BLUE, f);
}

/** Head: consciousness other than Alert wins (violet), then temperature bands. */
export function headColor(temp: number | undefined, consciousness?: string): string {
  if (consciousness && consciousness.toUpperCase() !== 'A' && consciousness.toLowerCase() !== 'alert') {
    return '#a855f7';
  }
  if (temp === undefined || !Number.isFinite(temp)) return '#e2c3a6';
  const t = Math.round(temp * 10) / 10;
  if (t <= 35.0) return '#3b82f6';
  if (t <= 36.0) return '#93c5fd';
  if (t <= 38.0) return '#e2c3a6';
  if (t <= 39.0) return '#fb923c';
  return '#ef4444';
}

export const heartColor = (hr?: number) => LEVEL_COLORS[hrLevel(hr)];
export const armColor = (sys?: number) => LEVEL_COLORS[sysLevel(sys)];
export function fingerColor(spo2: number | undefined, scale: 1 | 2 = 1, sensorOff = false): string {
  return sensorOff ? LEVEL_COLORS.unknown : LEVEL_COLORS[spo2Level(spo2, scale)];
}

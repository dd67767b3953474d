// Bed labels in screen space: a label keeps the same size in pixels at any distance (three.js
// sprites with sizeAttenuation off, scaled by spriteScaleFor), so it is as readable from the
// whole-ward view as from the foot of the bed and never fills the screen up close. Where labels
// would cover each other, declutter() decides, most urgent bed first: a bed with an alarm always
// gets its full label, raised by whole label heights (or moved half a label aside) until it is
// clear, else where it belongs;
// any other bed gets its full label if it fits, else a compact chip (bed and NEWS2), else none —
// its bed is still in the bed list. Pure.

export interface LabelBox {
  id: string;
  /** Screen position (CSS px) of the label's anchor: its bottom centre before any lift. */
  x: number;
  y: number;
  onScreen: boolean;
  full: { w: number; h: number };
  compact: { w: number; h: number };
  alarmed: boolean;
  /** Lower = more important (the overview's ranking, then nearer first). */
  rank: number;
}

export type LabelMode = 'full' | 'compact' | 'hidden';

export interface Placement {
  mode: LabelMode;
  /** Pixels above the anchor. */
  lift: number;
  /** Pixels to the right of the anchor (negative: left). */
  shift: number;
  rect: Rect | null;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Lifts tried for an alarmed label, in label heights; at each, these shifts (label widths). */
export const MAX_LIFTS = 4;
const SHIFTS = [0, -0.55, 0.55];
/** Space between two placed labels (px), and between stacked ones. */
const PAD = 2;
export const LIFT_GAP = 4;

export function overlaps(a: Rect, b: Rect, pad = PAD): boolean {
  return a.x < b.x + b.w + pad && b.x < a.x + a.w + pad && a.y < b.y + b.h + pad && b.y < a.y + a.h + pad;
}

function rectAt(b: LabelBox, size: { w: number; h: number }, lift: number, shift = 0, width = Infinity): Rect {
  // Kept inside the screen horizontally (a bed at the edge keeps its label readable).
  const x = Math.max(0, Math.min(width - size.w, b.x + shift - size.w / 2));
  return { x: Number.isFinite(x) ? x : b.x + shift - size.w / 2, y: b.y - lift - size.h, w: size.w, h: size.h };
}

function overlapArea(a: Rect, list: readonly Rect[]): number {
  let sum = 0;
  for (const b of list) {
    const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
    const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    if (w > 0 && h > 0) sum += w * h;
  }
  return sum;
}

/**
 * Where each label goes and how much of it is drawn (see the top of this file); labels stay
 * within `width` px horizontally.
 */
export function declutter(boxes: readonly LabelBox[], width = Infinity): Map<string, Placement> {
  const out = new Map<string, Placement>();
  const placed: Rect[] = [];
  const free = (r: Rect) => !placed.some((p) => overlaps(p, r));
  const order = [...boxes].sort((a, b) => (a.alarmed !== b.alarmed ? (a.alarmed ? -1 : 1) : a.rank - b.rank));
  for (const b of order) {
    if (!b.onScreen) {
      out.set(b.id, { mode: 'hidden', lift: 0, shift: 0, rect: null });
      continue;
    }
    if (b.alarmed) {
      let choice: Placement | null = null;
      let least: { p: Placement; area: number } | null = null;
      for (let k = 0; k <= MAX_LIFTS && !choice; k++) {
        for (const sx of SHIFTS) {
          const lift = k * (b.full.h + LIFT_GAP);
          const r = rectAt(b, b.full, lift, sx * b.full.w, width);
          const p = { mode: 'full' as const, lift, shift: r.x + r.w / 2 - b.x, rect: r };
          if (free(r)) {
            choice = p;
            break;
          }
          const area = overlapArea(r, placed);
          if (!least || area < least.area) least = { p, area };
        }
      }
      choice ??= least!.p; // an alarm is never hidden: where it covers the least
      placed.push(choice.rect!);
      out.set(b.id, choice);
      continue;
    }
    const full = rectAt(b, b.full, 0, 0, width);
    if (free(full)) {
      placed.push(full);
      out.set(b.id, { mode: 'full', lift: 0, shift: full.x + full.w / 2 - b.x, rect: full });
      continue;
    }
    const compact = rectAt(b, b.compact, 0, 0, width);
    if (free(compact)) {
      placed.push(compact);
      out.set(b.id, { mode: 'compact', lift: 0, shift: compact.x + compact.w / 2 - b.x, rect: compact });
      continue;
    }
    out.set(b.id, { mode: 'hidden', lift: 0, shift: 0, rect: null });
  }
  return out;
}

/**
 * The scale of a sprite with sizeAttenuation off that is `px` CSS pixels tall on a viewport
 * `viewportH` CSS pixels tall under a perspective camera of vertical field of view `fovDeg`
 * (three.js multiplies such a sprite's scale by its depth, so its projected height is
 * scale / tan(fov/2) in NDC).
 */
export function spriteScaleFor(px: number, fovDeg: number, viewportH: number): number {
  return (px * 2 * Math.tan((fovDeg * Math.PI) / 360)) / Math.max(1, viewportH);
}

import { describe, expect, it } from 'vitest';
import { Priority } from '../../src/viz/mapping';
import { compareBeds, news2Tier, urgencyTier, type SortableBed } from '../../src/viz/ranking';

const order = (beds: SortableBed[]) => [...beds].sort(compareBeds).map((b) => b.label);

describe('NEWS2 response band (RCP 2017) as a tier', () => {
  it('maps 0–4 low, 5–6 or a single 3 medium, ≥ 7 high, at every boundary', () => {
    expect(news2Tier(undefined)).toBe(Priority.None);
    expect(news2Tier(0, 'low')).toBe(Priority.Low);
    expect(news2Tier(4, 'low')).toBe(Priority.Low);
    expect(news2Tier(3, 'low-medium')).toBe(Priority.Medium); // single parameter scoring 3
    expect(news2Tier(4)).toBe(Priority.Low);
    expect(news2Tier(5)).toBe(Priority.Medium);
    expect(news2Tier(6, 'medium')).toBe(Priority.Medium);
    expect(news2Tier(7)).toBe(Priority.High);
    expect(news2Tier(12, 'high')).toBe(Priority.High);
    expect(news2Tier(undefined, 'high')).toBe(Priority.High);
  });
  it('takes the more urgent of alarm priority and NEWS2 band', () => {
    expect(urgencyTier({ label: 'a', priority: Priority.Medium, news2: 8 })).toBe(Priority.High);
    expect(urgencyTier({ label: 'a', priority: Priority.High, news2: 1 })).toBe(Priority.High);
    expect(urgencyTier({ label: 'a', priority: Priority.Low, news2: 5 })).toBe(Priority.Medium);
    expect(urgencyTier({ label: 'a', priority: Priority.None })).toBe(Priority.None);
  });
});

describe('overview ranking', () => {
  it('ranks NEWS2 ≥ 7 without an alarm above a medium alarm (the bug)', () => {
    expect(order([
      { label: 'A01', priority: Priority.Medium, news2: 2 },
      { label: 'A02', priority: Priority.None, news2: 7, risk: 'high' },
    ])).toEqual(['A02', 'A01']);
  });
  it('ranks a single-parameter 3 with the urgent band, above a low alarm with a higher low score', () => {
    expect(order([
      { label: 'A01', priority: Priority.Low, news2: 4, risk: 'low' },
      { label: 'A02', priority: Priority.None, news2: 3, risk: 'low-medium' },
    ])).toEqual(['A02', 'A01']);
  });
  it('breaks ties in a tier by higher NEWS2, then alarm priority, then bed label', () => {
    expect(order([
      { label: 'A03', priority: Priority.High, news2: 4 },
      { label: 'A04', priority: Priority.Medium, news2: 9 },
      { label: 'A10', priority: Priority.High, news2: 9 },
      { label: 'A02', priority: Priority.None, news2: 1 },
      { label: 'A11', priority: Priority.None, news2: undefined },
      { label: 'A01', priority: Priority.None, news2: 1 },
      { label: 'A05', priority: Priority.Low, news2: 1 },
      { label: 'A06', priority: Priority.Medium, news2: 5 },
    ])).toEqual(['A10', 'A04', 'A03', 'A06', 'A05', 'A01', 'A02', 'A11']);
  });
  it('puts unknown NEWS2 last within its tier, and unoccupied beds (no alarm, no score) last', () => {
    expect(order([
      { label: 'B2', priority: Priority.None },
      { label: 'B1', priority: Priority.High },
      { label: 'B3', priority: Priority.High, news2: 0 },
    ])).toEqual(['B3', 'B1', 'B2']);
  });
});

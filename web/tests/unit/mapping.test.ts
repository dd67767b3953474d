import { describe, expect, it } from 'vitest';
import {
  armColor, blinkOn, breath, fingerColor, headColor, heartColor, heartPulse, LEVEL_COLORS,
  lungTint, news2Color, parsePriority, parseRisk, Priority, PRIORITY_STYLES, priorityFromRisk,
} from '../../src/viz/mapping';

describe('alarm priority', () => {
  it('parses names, IEC words and numbers', () => {
    expect(parsePriority('HIGH')).toBe(Priority.High);
    expect(parsePriority('warning')).toBe(Priority.Medium);
    expect(parsePriority('advisory')).toBe(Priority.Low);
    expect(parsePriority('none')).toBe(Priority.None);
    expect(parsePriority(2)).toBe(Priority.Medium);
    expect(parsePriority(9)).toBe(Priority.High);
    expect(parsePriority(undefined)).toBe(Priority.None);
  });
  it('never distinguishes priorities by colour alone', () => {
    const styles = [Priority.Low, Priority.Medium, Priority.High].map((p) => PRIORITY_STYLES[p]);
    expect(new Set(styles.map((s) => s.symbol)).size).toBe(3);
    expect(new Set(styles.map((s) => s.shape)).size).toBe(3);
    expect(new Set(styles.map((s) => s.label)).size).toBe(3);
    expect(new Set(styles.map((s) => s.blinkHz)).size).toBe(3);
  });
  it('blinks high at 1.4–2.8 Hz, medium at 0.4–0.8 Hz, low steady', () => {
    expect(PRIORITY_STYLES[Priority.High].blinkHz).toBeGreaterThanOrEqual(1.4);
    expect(PRIORITY_STYLES[Priority.High].blinkHz).toBeLessThanOrEqual(2.8);
    expect(PRIORITY_STYLES[Priority.Medium].blinkHz).toBeGreaterThanOrEqual(0.4);
    expect(PRIORITY_STYLES[Priority.Medium].blinkHz).toBeLessThanOrEqual(0.8);
    expect(blinkOn(Priority.High, 0)).toBe(true);
    expect(blinkOn(Priority.High, 300)).toBe(false); // 2 Hz: off in the second half of 500 ms
    expect(blinkOn(Priority.Low, 300)).toBe(true);
  });
  it('maps NEWS2 risk to priority and reads the engine spellings', () => {
    expect(priorityFromRisk('high')).toBe(Priority.High);
    expect(priorityFromRisk('medium')).toBe(Priority.Medium);
    expect(priorityFromRisk('low-medium')).toBe(Priority.Low);
    expect(priorityFromRisk('low')).toBe(Priority.None);
    expect(parseRisk('lowMedium')).toBe('low-medium');
    expect(parseRisk('LOW_MEDIUM')).toBe('low-medium');
    expect(parseRisk('bogus')).toBeUndefined();
  });
});

describe('body-part colours', () => {
  it('colours the heart by the NEWS2 pulse band', () => {
    expect(heartColor(75)).toBe(LEVEL_COLORS.normal);
    expect(heartColor(115)).toBe(LEVEL_COLORS.warning);
    expect(heartColor(135)).toBe(LEVEL_COLORS.critical);
    expect(heartColor(undefined)).toBe(LEVEL_COLORS.unknown);
  });
  it('tints the lungs from pink to blue as SpO2 falls', () => {
    expect(lungTint(98)).toBe('#f9a8d4');
    expect(lungTint(85)).toBe('#3b82f6');
    const blue = (c: string) => parseInt(c.slice(5, 7), 16) - parseInt(c.slice(1, 3), 16);
    expect(blue(lungTint(90))).toBeGreaterThan(blue(lungTint(94)));
    expect(lungTint(undefined)).toBe('#94a3b8');
  });
  it('colours the head by consciousness first, then temperature', () => {
    expect(headColor(37, 'A')).toBe('#e2c3a6');
    expect(headColor(37, 'V')).toBe('#a855f7');
    expect(headColor(39.5)).toBe('#ef4444');
    expect(headColor(34.9)).toBe('#3b82f6');
  });
  it('colours arm by systolic BP and finger by SpO2 on the patient scale', () => {
    expect(armColor(120)).toBe(LEVEL_COLORS.normal);
    expect(armColor(95)).toBe(LEVEL_COLORS.warning);
    expect(armColor(85)).toBe(LEVEL_COLORS.critical);
    expect(fingerColor(90, 1)).toBe(LEVEL_COLORS.critical);
    expect(fingerColor(90, 2)).toBe(LEVEL_COLORS.normal);
    expect(fingerColor(99, 1, true)).toBe(LEVEL_COLORS.unknown);
  });
  it('colours NEWS2 by risk, grey when unknown', () => {
    expect(news2Color(undefined, undefined)).toBe('#64748b');
    expect(news2Color(8, 'high')).toBe('#ef4444');
  });
});

describe('rates', () => {
  it('beats once per 60/HR seconds with the peak at the beat', () => {
    const hr = 120; // period 0.5 s
    expect(heartPulse(0, hr)).toBeCloseTo(1.22, 5);
    expect(heartPulse(0.5, hr)).toBeCloseTo(heartPulse(0, hr), 5);
    expect(heartPulse(0.25, hr)).toBeLessThan(heartPulse(0, hr));
    expect(heartPulse(1, undefined)).toBe(1);
  });
  it('breathes once per 60/RR seconds', () => {
    expect(breath(0, 15)).toBeCloseTo(0, 6);
    expect(breath(2, 15)).toBeCloseTo(1, 6); // half of a 4 s breath
    expect(breath(4, 15)).toBeCloseTo(0, 6);
  });
});

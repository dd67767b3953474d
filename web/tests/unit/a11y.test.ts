import { describe, expect, it } from 'vitest';
import { alarmKey, announcements, type BedAlarm } from '../../src/ui/alarm-announcer';
import { contrastRatio, DARK_TEXT, LIGHT_TEXT, luminance, textOn } from '../../src/viz/contrast';
import { news2Color, NEWS2_COLORS, Priority, PRIORITY_STYLES } from '../../src/viz/mapping';

const bed = (id: string, priority: Priority, text = '', patient = `Patient ${id}`): BedAlarm => ({
  id, label: id.toUpperCase(), patient, priority, text,
});

describe('alarm announcements (aria-live)', () => {
  it('keys an alarm by its text without the numbers', () => {
    expect(alarmKey('HR 134 > 120')).toBe(alarmKey('HR 140 > 120'));
    expect(alarmKey('Temp 39.4 > 38.5')).toBe(alarmKey('Temp 40,1 > 38.5'));
    expect(alarmKey('HR 134 > 120')).not.toBe(alarmKey('SpO₂ 84 < 90'));
  });

  it('announces a bed when it rises to high priority, once', () => {
    let seen = new Map<string, string>();
    let r = announcements(seen, [bed('a01', Priority.Medium, 'HR 118 > 110'), bed('a02', Priority.None)]);
    expect(r.message).toBe('');
    seen = r.seen;
    r = announcements(seen, [bed('a01', Priority.High, 'HR 134 > 120', 'Jane Doe'), bed('a02', Priority.None)]);
    expect(r.message).toBe('High priority alarm: bed A01, Jane Doe: HR 134 > 120.');
    seen = r.seen;
    // The value changing is not a new alarm; a different alarm on the same bed is.
    r = announcements(seen, [bed('a01', Priority.High, 'HR 141 > 120', 'Jane Doe')]);
    expect(r.message).toBe('');
    r = announcements(r.seen, [bed('a01', Priority.High, 'SpO₂ 82 < 85', 'Jane Doe')]);
    expect(r.message).toBe('High priority alarm: bed A01, Jane Doe: SpO₂ 82 < 85.');
  });

  it('announces again after the alarm ended and came back', () => {
    let r = announcements(new Map(), [bed('a01', Priority.High, 'HR 134 > 120')]);
    r = announcements(r.seen, [bed('a01', Priority.Low, '')]);
    expect(r.message).toBe('');
    r = announcements(r.seen, [bed('a01', Priority.High, 'HR 131 > 120')]);
    expect(r.message).toMatch(/^High priority alarm: bed A01/);
  });

  it('puts several new alarms in one message and leaves out lower priorities', () => {
    const r = announcements(new Map(), [
      bed('a01', Priority.High, 'HR 134 > 120'),
      bed('a02', Priority.Medium, 'RR 25 > 24'),
      bed('a03', Priority.High, '', ''),
    ]);
    expect(r.message).toBe('2 new high priority alarms: bed A01, Patient a01: HR 134 > 120; bed A03.');
    expect([...r.seen.keys()]).toEqual(['a01', 'a03']);
  });
});

describe('text contrast (WCAG 2.x)', () => {
  it('computes luminance and contrast ratios', () => {
    expect(luminance('#000000')).toBe(0);
    expect(luminance('#ffffff')).toBeCloseTo(1, 12);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 9);
    expect(contrastRatio('#777777', '#777777')).toBeCloseTo(1, 12);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2); // the classic AA grey
  });

  it('picks a text colour with at least 4.5:1 on every NEWS2 and alarm colour', () => {
    const backgrounds = [
      news2Color(undefined, undefined), news2Color(0, 'low'), ...Object.values(NEWS2_COLORS),
      ...Object.values(PRIORITY_STYLES).map((s) => s.color),
    ];
    for (const bg of backgrounds) {
      expect(contrastRatio(textOn(bg), bg), bg).toBeGreaterThanOrEqual(4.5);
    }
    expect(textOn('#64748b')).toBe(LIGHT_TEXT); // the "no NEWS2" grey: dark text would be 3.9:1
    expect(textOn('#4ade80')).toBe(DARK_TEXT);
  });
});

import { describe, expect, it } from 'vitest';
import { absolute, duration, isoFromLocal, percent, relative } from '../../console/src/format.ts';

describe('console formatting', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');

  it('says how long ago, in the largest whole unit', () => {
    expect(relative('2026-11-25T11:59:58Z', now)).toBe('just now');
    expect(relative('2026-11-25T11:59:30Z', now)).toBe('30 s ago');
    expect(relative('2026-11-25T11:57:00Z', now)).toBe('3 min ago');
    expect(relative('2026-11-25T09:00:00Z', now)).toBe('3 h ago');
    expect(relative('2026-11-20T12:00:00Z', now)).toBe('5 d ago');
    expect(relative('2026-11-25T14:00:00Z', now)).toBe('in 2 h');
    expect(relative('not a time', now)).toBe('not a time');
  });

  it('writes absolute times in UTC to the second', () => {
    expect(absolute('2026-11-25T12:00:00.123Z')).toBe('2026-11-25 12:00:00 UTC');
    expect(absolute(0)).toBe('1970-01-01 00:00:00 UTC');
  });

  it('formats durations with sensible precision (no 0.03956760200000281 s)', () => {
    expect(duration(39.5676)).toBe('40 ms');
    expect(duration(850)).toBe('850 ms');
    expect(duration(4_200)).toBe('4.2 s');
    expect(duration(42_000)).toBe('42 s');
    expect(duration(185_000)).toBe('3 min 5 s');
    expect(duration(7_800_000)).toBe('2 h 10 min');
    expect(duration(300_000)).toBe('5 min');
    expect(duration(3_600_000)).toBe('1 h');
    expect(duration(119_600)).toBe('2 min');
    expect(duration(59_700)).toBe('1 min');
    expect(duration(9_960)).toBe('10 s');
    expect(duration(999.7)).toBe('1.0 s');
    expect(duration(Number.NaN)).toBe('–');
  });

  it('formats ratios as percentages, exact at the ends', () => {
    expect(percent(1)).toBe('100 %');
    expect(percent(0)).toBe('0 %');
    expect(percent(0.99934)).toBe('99.93 %');
    expect(percent(0.5)).toBe('50.0 %');
  });

  it('turns a datetime-local filter value into the instant the API expects, and passes anything else through', () => {
    const local = '2026-11-25T12:30';
    expect(isoFromLocal(local)).toBe(new Date(local).toISOString());
    expect(isoFromLocal('2026-11-25T12:30:00Z')).toBe('2026-11-25T12:30:00.000Z');
    expect(isoFromLocal('yesterday')).toBe('yesterday');
    expect(isoFromLocal(null)).toBeUndefined();
    expect(isoFromLocal('')).toBeUndefined();
  });
});

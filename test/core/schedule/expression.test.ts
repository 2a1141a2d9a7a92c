/**
 * Schedule expressions, table-driven from the examples of the EventBridge and EventBridge Scheduler documentation
 * (cron and rate expressions, one-time schedules, time zones), plus what they reject.
 */
import { describe, expect, it } from 'vitest';
import { parseScheduleExpression } from '../../../lib/core/schedule.ts';

const next = (expression: string, after: string, timezone?: string): string | undefined =>
  parseScheduleExpression(expression, timezone).next(new Date(after))?.toISOString();

describe('schedule expressions', () => {
  it.each([
    // The documentation's cron examples (times in UTC).
    ['cron(0 10 * * ? *)', '2026-03-02T10:00:00Z', '2026-03-03T10:00:00.000Z'],
    ['cron(15 12 * * ? *)', '2026-03-02T00:00:00Z', '2026-03-02T12:15:00.000Z'],
    ['cron(0 18 ? * MON-FRI *)', '2026-03-06T18:00:00Z', '2026-03-09T18:00:00.000Z'],
    ['cron(0 8 1 * ? *)', '2026-03-02T00:00:00Z', '2026-04-01T08:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-03-02T00:07:00Z', '2026-03-02T00:15:00.000Z'],
    ['cron(0/10 * ? * MON-FRI *)', '2026-03-07T12:00:00Z', '2026-03-09T00:00:00.000Z'],
    ['cron(0/5 8-17 ? * MON-FRI *)', '2026-03-02T17:55:00Z', '2026-03-03T08:00:00.000Z'],
    ['cron(0 9 ? * 2#1 *)', '2026-03-02T09:00:00Z', '2026-04-06T09:00:00.000Z'],
    ['cron(0 9 ? * MON#1 *)', '2026-03-02T09:00:00Z', '2026-04-06T09:00:00.000Z'],
    // L, W and nL.
    ['cron(0 12 L * ? *)', '2026-02-01T00:00:00Z', '2026-02-28T12:00:00.000Z'],
    ['cron(0 12 L * ? *)', '2028-02-01T00:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['cron(0 12 LW * ? *)', '2026-05-01T00:00:00Z', '2026-05-29T12:00:00.000Z'],
    ['cron(0 9 3W * ? *)', '2026-01-01T00:00:00Z', '2026-01-02T09:00:00.000Z'],
    ['cron(0 9 1W * ? *)', '2026-08-01T00:00:00Z', '2026-08-03T09:00:00.000Z'],
    ['cron(0 9 15W * ? *)', '2026-03-01T00:00:00Z', '2026-03-16T09:00:00.000Z'],
    ['cron(0 12 ? * 6L *)', '2026-03-01T00:00:00Z', '2026-03-27T12:00:00.000Z'],
    ['cron(0 12 ? * L *)', '2026-03-02T00:00:00Z', '2026-03-07T12:00:00.000Z'],
    // Lists, ranges with steps, names, years.
    ['cron(0 8 1 JAN,JUL ? *)', '2026-01-02T00:00:00Z', '2026-07-01T08:00:00.000Z'],
    ['cron(30 0-23/6 * * ? *)', '2026-03-02T07:00:00Z', '2026-03-02T12:30:00.000Z'],
    ['cron(15 10 ? * FRI 2026)', '2026-01-01T00:00:00Z', '2026-01-02T10:15:00.000Z'],
    ['cron(15 10 ? * FRI 2026)', '2026-12-31T00:00:00Z', undefined],
    // rate() and at().
    ['rate(5 minutes)', '2026-01-01T00:00:00Z', '2026-01-01T00:05:00.000Z'],
    ['rate(1 hour)', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00.000Z'],
    ['rate(2 days)', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00.000Z'],
    ['at(2026-06-01T09:30:00)', '2026-01-01T00:00:00Z', '2026-06-01T09:30:00.000Z'],
    ['at(2026-06-01T09:30:00)', '2026-07-01T00:00:00Z', undefined],
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(next(expression, after)).toBe(expected);
  });

  it.each([
    // Wall-clock times in the schedule's time zone, across daylight-saving changes.
    ['cron(0 9 * * ? *)', 'Europe/Paris', '2026-03-28T12:00:00Z', '2026-03-29T07:00:00.000Z'],
    ['cron(0 9 * * ? *)', 'Europe/Paris', '2026-03-27T12:00:00Z', '2026-03-28T08:00:00.000Z'],
    ['cron(0 9 ? * MON-FRI *)', 'America/New_York', '2026-11-06T15:00:00Z', '2026-11-09T14:00:00.000Z'],
    ['at(2026-07-01T09:00:00)', 'Asia/Tokyo', '2026-01-01T00:00:00Z', '2026-07-01T00:00:00.000Z'],
  ])('%s in %s after %s is %s', (expression, timezone, after, expected) => {
    expect(next(expression, after, timezone)).toBe(expected);
  });

  it.each([
    ['cron(a b c d e f)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(a 12 * * ? *)', "minutes 'a' is not in 0-59"],
    ['cron(0 12 * * * *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 12 ? * ? *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 25 * * ? *)', "hours '25' is not in 0-23"],
    ['cron(0 12 * * ?)', 'six fields'],
    ['cron(0 12 ? * MON#6 *)', 'the week in n#k is 1-5'],
    ['cron(0 12 32W * ? *)', "'32' is not in 1-31"],
    ['cron(0 12 L,5 * ? *)', 'on their own'],
    ['cron(0 12 ? * 8 *)', "'8' is not in 1-7"],
    ['cron(0 12 ? * FRI-MON *)', 'runs backwards'],
    ['cron(0/0 * * * ? *)', 'bad step'],
    ['cron(0 12 * * ? 1969)', "'1969' is not in 1970-2199"],
    ['rate(0 minutes)', 'at least 1'],
    ['rate(1 minutes)', 'singular'],
    ['rate(5 minute)', 'singular'],
    ['rate(5 weeks)', 'value unit'],
    ['at(2026-02-30T09:00:00)', 'not a valid date'],
    ['at(tomorrow)', 'at(yyyy-mm-ddThh:mm:ss)'],
    ['every minute', 'is not a schedule expression'],
  ])('rejects %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });

  it('rejects an unknown time zone', () => {
    expect(() => parseScheduleExpression('rate(1 hour)', 'Mars/Olympus')).toThrow('not an IANA time zone');
  });

  it('finds occurrences years apart', () => {
    expect(next('cron(0 0 29 FEB ? *)', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(0 12 ? * MON#5 2030)', '2026-01-01T00:00:00Z')).toBe('2030-04-29T12:00:00.000Z');
  });
});

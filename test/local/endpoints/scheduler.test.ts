import { describe, expect, it } from 'vitest';
import { LocalScheduler, parseSchedule } from '../../../lib/local/scheduler.ts';
import { eventually } from './helpers.ts';

const at = (iso: string): Date => new Date(iso);

describe('schedule expressions', () => {
  it.each([
    ['rate(5 minutes)', '2026-01-01T00:00:00Z', '2026-01-01T00:05:00Z'],
    ['rate(1 hour)', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'],
    ['rate(2 days)', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z'],
    ['cron(0 12 * * ? *)', '2026-01-01T12:00:00Z', '2026-01-02T12:00:00Z'],
    ['cron(15 10 ? * FRI 2026)', '2026-01-01T00:00:00Z', '2026-01-02T10:15:00Z'],
    ['cron(0/15 * * * ? *)', '2026-01-01T00:07:00Z', '2026-01-01T00:15:00Z'],
    ['cron(0 8 1 JAN,JUL ? *)', '2026-01-02T00:00:00Z', '2026-07-01T08:00:00Z'],
    ['cron(0 18 ? * MON-FRI *)', '2026-01-03T00:00:00Z', '2026-01-05T18:00:00Z'],
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(parseSchedule(expression)(at(after))?.toISOString()).toBe(at(expected).toISOString());
  });

  it.each([
    ['rate(0 minutes)', 'at least 1'],
    ['rate(1 minutes)', 'singular'],
    ['cron(0 12 * * * *)', "'?'"],
    ['cron(0 25 * * ? *)', 'out of range'],
    ['every minute', 'not a rate() or cron()'],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(message);
  });

  it('fires with the schedule input on an accelerated clock', async () => {
    const scheduler = new LocalScheduler(600); // rate(1 minute) every 100 ms
    const fired: unknown[] = [];
    scheduler.add('probe', 'rate(1 minute)', { shard: 1 }, (input) => fired.push(input));
    // Waits for the second tick rather than for a fixed time: on a busy machine timers fire late, never early.
    await eventually(() => (fired.length >= 2 ? true : undefined));
    scheduler.close();
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(fired[0]).toEqual({ shard: 1 });
  });

  it('fires every rate() schedule once on request, leaving cron() schedules and the regular ticks alone', async () => {
    const scheduler = new LocalScheduler(1);
    const fired: string[] = [];
    scheduler.add('prober', 'rate(1 minute)', { shard: 0 }, () => fired.push('prober'));
    scheduler.add('nightly', 'cron(0 3 * * ? *)', {}, () => fired.push('nightly'));
    const stopped = scheduler.add('retired', 'rate(5 minutes)', {}, () => fired.push('retired'));
    stopped.stop();

    const count = scheduler.fireRateSchedulesNow();
    await eventually(() => (fired.length >= 1 ? true : undefined));
    scheduler.close();

    expect(count).toBe(1);
    expect(fired).toEqual(['prober']);
  });
});

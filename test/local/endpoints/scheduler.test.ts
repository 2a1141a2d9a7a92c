import { describe, expect, it, vi } from 'vitest';
import { LocalScheduler } from '../../../lib/local/scheduler.ts';
import { eventually } from './helpers.ts';

describe('the local scheduler', () => {
  // Expressions themselves are tested in test/core/schedule; here, how the local clock runs them.
  it('refuses an expression AWS would refuse, with the parser message', () => {
    const scheduler = new LocalScheduler(1);
    expect(() => scheduler.add('bad', 'cron(0 12 * * * *)', {}, () => undefined)).toThrow("must be '?'");
    scheduler.close();
  });

  it('never fires a schedule early when its next time is further away than one timer can wait', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    try {
      const scheduler = new LocalScheduler(1);
      const fired: Date[] = [];
      scheduler.add('far', 'at(2026-03-01T00:00:00)', {}, (_input, at) => fired.push(at));
      vi.advanceTimersByTime(30 * 86_400_000);
      expect(fired).toEqual([]);
      vi.advanceTimersByTime(29 * 86_400_000 + 1_000);
      expect(fired.map((d) => d.toISOString())).toEqual(['2026-03-01T00:00:00.000Z']);
      scheduler.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs cron() in the schedule time zone', () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T00:00:00Z') });
    try {
      const scheduler = new LocalScheduler(1);
      const handle = scheduler.add('paris', 'cron(0 9 * * ? *)', {}, () => undefined, 'Europe/Paris');
      expect(handle.next?.toISOString()).toBe('2026-06-01T07:00:00.000Z');
      scheduler.close();
    } finally {
      vi.useRealTimers();
    }
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

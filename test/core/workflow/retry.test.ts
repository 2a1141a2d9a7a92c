import { describe, expect, it } from 'vitest';
import { LAMBDA_ERRORS, retrierFor, retrierProblems, retryDelays } from '../../../lib/core/workflow/index.ts';

describe('retry_policy → ASL Retry', () => {
  it.each([
    {
      policy: { max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 },
      expected: { IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, MaxDelaySeconds: 300, JitterStrategy: 'FULL' },
      delays: [1, 2],
    },
    {
      policy: { max_attempts: 5, backoff_base: 3, backoff_multiplier: 2500, max_delay_ms: 20_000, jitter: false },
      expected: { IntervalSeconds: 3, MaxAttempts: 4, BackoffRate: 3, MaxDelaySeconds: 20, JitterStrategy: 'NONE' },
      delays: [3, 9, 20, 20],
    },
    {
      policy: { max_attempts: 2, backoff_base: 1, backoff_multiplier: 200 },
      expected: { IntervalSeconds: 1, MaxAttempts: 1, BackoffRate: 1, MaxDelaySeconds: 300, JitterStrategy: 'FULL' },
      delays: [1],
    },
    {
      policy: { max_attempts: 4, backoff_base: 1.5, backoff_multiplier: 1000, max_delay_ms: 1500 },
      expected: { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1.5, MaxDelaySeconds: 2, JitterStrategy: 'FULL' },
      delays: [1, 1.5, 2],
    },
  ])('maps $policy', ({ policy, expected, delays }) => {
    const retrier = retrierFor(policy, ['Steward.Http5xx', ...LAMBDA_ERRORS]);

    expect(retrier).toEqual({ ErrorEquals: ['Steward.Http5xx', ...LAMBDA_ERRORS], ...expected });
    expect(retryDelays(retrier!)).toEqual(delays);
    expect(retrierProblems(retrier!)).toEqual([]);
  });

  it('emits no retrier when max_attempts is 1', () => {
    const retrier = retrierFor({ max_attempts: 1, backoff_base: 2, backoff_multiplier: 1000 }, ['X']);

    expect(retrier).toBeUndefined();
  });

  it.each([
    [{ ErrorEquals: [] }, 'ErrorEquals is empty'],
    [{ ErrorEquals: ['States.ALL', 'X'] }, 'States.ALL must appear alone'],
    [{ ErrorEquals: ['X'], IntervalSeconds: 0 }, 'IntervalSeconds 0 out of 1..99999999'],
    [{ ErrorEquals: ['X'], BackoffRate: 0.5 }, 'BackoffRate 0.5 below 1.0'],
    [{ ErrorEquals: ['X'], MaxDelaySeconds: 0 }, 'MaxDelaySeconds 0 out of 1..31622400'],
    [{ ErrorEquals: ['X'], MaxAttempts: 1.5 }, 'MaxAttempts 1.5 out of 0..99999999'],
  ])('refuses retrier %j', (retrier, message) => {
    const problems = retrierProblems(retrier);

    expect(problems).toContain(message);
  });
});

import { describe, expect, it } from 'vitest';
import { effectiveRestartPolicy } from '../../lib/core/supervision/defaults.ts';
import {
  backoffDelayMs,
  decideRestart,
  initialRestartState,
  observeHealth,
  type RestartState,
  resetRestartState,
} from '../../lib/core/supervision/restart-budget.ts';
import { SupervisionTree, startOrder } from '../../lib/core/supervision/strategy.ts';

/** Drives a service that is unhealthy all the time, asking every second, and returns when restarts happened. */
function simulate(
  policy: ReturnType<typeof effectiveRestartPolicy>,
  seconds: number,
): { restarts: number[]; exhaustedAt?: number } {
  let state: RestartState = initialRestartState();
  const restarts: number[] = [];
  let exhaustedAt: number | undefined;
  for (let t = 0; t <= seconds; t++) {
    const d = decideRestart(state, policy, t * 1000);
    if (d.kind === 'restart') {
      restarts.push(t);
      state = d.state;
    } else if (d.kind === 'exhausted') {
      exhaustedAt = t;
      state = d.state;
    }
  }
  return { restarts, exhaustedAt };
}

describe('backoff delays', () => {
  it.each([
    ['exponential', [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]],
    ['linear', [0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000]],
    ['fixed', [0, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000]],
  ] as const)('%s', (backoff, expected) => {
    const policy = effectiveRestartPolicy({ backoff });
    expect(expected.map((_, attempt) => backoffDelayMs(policy, attempt))).toEqual(expected);
  });
});

describe('restart budget over a simulated clock', () => {
  it.each([
    // grace 0 so only backoff and budget matter; times are seconds after the failure.
    // The defaults: doubling from 10 s keeps restarts under 10 per 5 minutes, so the budget is never spent.
    [
      'defaults (exponential 10 s → 300 s, 10 per 5 min)',
      { grace_seconds: 0 },
      900,
      [0, 10, 30, 70, 150, 310, 610],
      undefined,
    ],
    [
      'exponential 1 s, 5 per 5 min',
      { grace_seconds: 0, base_delay_seconds: 1, max_restarts: 5 },
      900,
      [0, 1, 3, 7, 15],
      31,
    ],
    [
      'fixed 5 s, 3 per 60 s',
      { grace_seconds: 0, backoff: 'fixed', base_delay_seconds: 5, max_restarts: 3, window_seconds: 60 },
      100,
      [0, 5, 10],
      15,
    ],
    ['linear 10 s, 4 per 5 min', { grace_seconds: 0, backoff: 'linear', max_restarts: 4 }, 900, [0, 10, 30, 60], 100],
    [
      'grace 30 s delays the next restart',
      { grace_seconds: 30, backoff: 'fixed', base_delay_seconds: 5, max_restarts: 3 },
      200,
      [0, 30, 60],
      90,
    ],
  ] as const)('%s', (_label, overrides, seconds, expectedRestarts, expectedExhausted) => {
    const result = simulate(effectiveRestartPolicy(overrides as never), seconds);
    expect(result.restarts).toEqual(expectedRestarts);
    expect(result.exhaustedAt).toBe(expectedExhausted);
  });

  it('the window slides: old restarts stop counting', () => {
    const policy = effectiveRestartPolicy({
      backoff: 'fixed',
      base_delay_seconds: 0,
      max_restarts: 2,
      window_seconds: 60,
      grace_seconds: 0,
    });
    const state: RestartState = { ...initialRestartState(), restarts: [0, 1_000], last_restart_at: 1_000, attempt: 2 };
    expect(decideRestart(state, policy, 30_000).kind).toBe('exhausted');
    expect(decideRestart(state, policy, 61_001).kind).toBe('restart');
  });

  it('holds in maintenance, when failed, and when the action is none', () => {
    const policy = effectiveRestartPolicy({});
    expect(decideRestart(initialRestartState(), policy, 0, { inMaintenance: true })).toEqual({
      kind: 'held',
      reason: 'maintenance',
    });
    expect(decideRestart({ ...initialRestartState(), failed: true }, policy, 0)).toEqual({
      kind: 'held',
      reason: 'failed',
    });
    expect(decideRestart(initialRestartState(), effectiveRestartPolicy({ action: 'none' }), 0)).toEqual({
      kind: 'held',
      reason: 'disabled',
    });
  });

  it('a healthy period resets the backoff and returns a failed service (healthy_period), not a manual one', () => {
    const failed: RestartState = { restarts: [1, 2], attempt: 5, failed: true, failed_at: 3, last_restart_at: 2 };
    const auto = effectiveRestartPolicy({});
    const s1 = observeHealth(failed, auto, true, 10_000);
    expect(s1.failed).toBe(true);
    const s2 = observeHealth(s1, auto, true, 10_000 + 600_000);
    expect(s2).toMatchObject({ failed: false, attempt: 0, restarts: [] });
    const manual = effectiveRestartPolicy({ failed_recovery: 'manual' });
    const m = observeHealth(observeHealth(failed, manual, true, 0), manual, true, 700_000);
    expect(m.failed).toBe(true);
    expect(m.attempt).toBe(0);
    expect(resetRestartState(m).failed).toBe(false);
    expect(observeHealth(s1, auto, false, 20_000).healthy_since).toBeUndefined();
  });
});

describe('supervision strategies', () => {
  const services = [
    { name: 'db', group: 'data' },
    { name: 'api', group: 'data', depends_on: ['db'] },
    { name: 'cache', group: 'data', depends_on: ['db'] },
    { name: 'web', group: 'data', depends_on: ['api'] },
    { name: 'worker', group: 'pool' },
    { name: 'worker2', group: 'pool' },
  ];
  const tree = (strategy: 'one_for_one' | 'one_for_all' | 'rest_for_one') =>
    new SupervisionTree(
      [
        { name: 'data', strategy, max_restarts: 2, window_seconds: 60, parent: 'top' },
        { name: 'pool', strategy: 'one_for_one', parent: 'top' },
        { name: 'top', strategy: 'one_for_all', max_restarts: 1, window_seconds: 60 },
      ],
      services,
    );

  it('orders services by dependencies', () => {
    expect(startOrder(services)).toEqual(['db', 'worker', 'worker2', 'api', 'cache', 'web']);
  });

  it.each([
    ['one_for_one', 'api', ['api']],
    ['one_for_all', 'api', ['db', 'api', 'cache', 'web']],
    ['rest_for_one', 'api', ['api', 'cache', 'web']],
    ['rest_for_one', 'db', ['db', 'api', 'cache', 'web']],
    ['rest_for_one', 'web', ['web']],
  ] as const)('%s: %s fails → restart %j', (strategy, failed, expected) => {
    const plan = tree(strategy).plan(failed, () => 0);
    expect(plan).toEqual({ services: expected, decidedBy: 'data', escalations: [], terminal: false });
  });

  it('escalates to the parent when a group exceeds its intensity, and gives up at the top', () => {
    const t = tree('one_for_one');
    const escalated = t.plan('api', (g) => (g === 'data' ? 2 : 0));
    expect(escalated).toEqual({
      services: ['db', 'api', 'cache', 'web', 'worker', 'worker2'],
      decidedBy: 'top',
      escalations: ['data'],
      terminal: false,
    });
    const terminal = t.plan('api', (g) => (g === 'data' ? 2 : g === 'top' ? 1 : 0));
    expect(terminal).toMatchObject({ escalations: ['data', 'top'], decidedBy: 'root', terminal: false });
    expect(terminal.services).toHaveLength(6);
    const all = t.plan('api', () => 100);
    expect(all).toMatchObject({ terminal: true, escalations: ['data', 'top', 'root'] });
  });
});

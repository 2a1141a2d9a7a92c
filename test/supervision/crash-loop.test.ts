import { describe, expect, it } from 'vitest';
import { classifyTaskStop, recordTaskStop, type TaskStop } from '../../lib/core/supervision/crash-loop.ts';
import { effectiveRestartPolicy } from '../../lib/core/supervision/defaults.ts';
import {
  decideRestart,
  initialRestartState,
  observeHealth,
  type RestartState,
} from '../../lib/core/supervision/restart-budget.ts';
import { dashboardStatus } from '../../lib/core/supervision/rollup.ts';

const policy = effectiveRestartPolicy({ max_restarts: 3, window_seconds: 300, reset_after_seconds: 600 });
const T0 = Date.parse('2026-11-25T10:00:00Z');
const crash = (n: number, extra: Partial<TaskStop> = {}): TaskStop => ({
  task_arn: `arn:aws:ecs:us-east-1:123456789012:task/steward/t${n}`,
  at: T0 + n * 1_000,
  stop_code: 'EssentialContainerExited',
  stopped_reason: 'Essential container in task exited',
  exit_code: 137,
  ...extra,
});

describe('classifying ECS task stops (stop codes as ECS documents them)', () => {
  it.each([
    ['EssentialContainerExited', 'Essential container in task exited', 'crashed'],
    ['TaskFailedToStart', 'CannotPullContainerError: pull image manifest has been retried', 'failed_to_start'],
    ['ServiceSchedulerInitiated', 'Task failed container health checks', 'unhealthy'],
    ['ServiceSchedulerInitiated', 'Task failed ELB health checks in (target-group arn:…)', 'unhealthy'],
    ['ServiceSchedulerInitiated', 'Scaling activity initiated by (deployment ecs-svc/123)', 'deployment'],
    ['UserInitiated', 'Steward: billing unhealthy', 'user'],
    ['SpotInterruption', 'Your Spot Task was interrupted.', 'infrastructure'],
    ['TerminationNotice', 'Task stopped because the host is terminating', 'infrastructure'],
    [undefined, 'Essential container in task exited', 'crashed'],
    [undefined, 'something else', 'unknown'],
  ])('%s / %s → %s', (stop_code, stopped_reason, cause) => {
    expect(classifyTaskStop({ stop_code, stopped_reason })).toBe(cause);
  });
});

describe('counting crashes against the restart budget', () => {
  it('counts unexpected stops once each and marks a crash loop when they exceed the budget', () => {
    let state: RestartState = initialRestartState();
    const kinds: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const out = recordTaskStop(state, policy, crash(n), T0 + n * 1_000);
      kinds.push(out.kind === 'counted' ? (out.looping ? 'looping' : 'counted') : out.kind);
      if (out.kind === 'counted') state = out.state;
    }

    // Budget 3: the fourth restart in the window exceeds it; a loop is reported once.
    expect(kinds).toEqual(['counted', 'counted', 'counted', 'looping', 'counted']);
    expect(state).toMatchObject({ failed: true, failed_reason: 'crash_loop', failed_at: T0 + 4_000 });
    expect(state.crashes).toHaveLength(5);
    expect(state.last_crash).toMatchObject({ task: crash(5).task_arn, exit_code: 137, cause: 'crashed' });
  });

  it("reports the crash loop also when Steward's restarts had already spent the budget, once", () => {
    const spent: RestartState = {
      ...initialRestartState(),
      restarts: [T0 - 3_000, T0 - 2_000, T0 - 1_000],
      failed: true,
      failed_at: T0 - 500,
      failed_reason: 'restart_budget',
    };
    const first = recordTaskStop(spent, policy, crash(1), T0 + 1_000);
    const second = first.kind === 'counted' ? recordTaskStop(first.state, policy, crash(2), T0 + 2_000) : first;

    expect(first).toMatchObject({
      kind: 'counted',
      looping: true,
      state: { failed_reason: 'crash_loop', failed_at: T0 - 500 },
    });
    expect(second).toMatchObject({ kind: 'counted', looping: false });
  });

  it('does not count a redelivered event, a deployment, a StopTask, or a stop older than the window', () => {
    const first = recordTaskStop(initialRestartState(), policy, crash(1), T0 + 1_000);
    if (first.kind !== 'counted') throw new Error('expected counted');

    expect(recordTaskStop(first.state, policy, crash(1), T0 + 2_000).kind).toBe('duplicate');
    expect(
      recordTaskStop(
        first.state,
        policy,
        crash(2, {
          stop_code: 'ServiceSchedulerInitiated',
          stopped_reason: 'Scaling activity initiated by (deployment x)',
        }),
        T0 + 2_000,
      ),
    ).toEqual({ kind: 'ignored', cause: 'deployment' });
    expect(recordTaskStop(first.state, policy, crash(3, { stop_code: 'UserInitiated' }), T0 + 3_000).kind).toBe(
      'ignored',
    );
    expect(recordTaskStop(first.state, policy, crash(4), T0 + 4_000 + 301_000).kind).toBe('ignored');
  });

  it("adds Steward's own restarts in the window to the crashes, and crashes spend the restarter's budget", () => {
    const withRestarts: RestartState = { ...initialRestartState(), restarts: [T0 - 10_000, T0 - 5_000] };
    const one = recordTaskStop(withRestarts, policy, crash(1), T0 + 1_000);
    const two = one.kind === 'counted' ? recordTaskStop(one.state, policy, crash(2), T0 + 2_000) : one;

    expect(two).toMatchObject({ kind: 'counted', in_window: 4, looping: true });
    const crashed = recordTaskStop(initialRestartState(), policy, crash(1), T0 + 1_000);
    const twice = crashed.kind === 'counted' ? recordTaskStop(crashed.state, policy, crash(2), T0 + 2_000) : crashed;
    const thrice = twice.kind === 'counted' ? recordTaskStop(twice.state, policy, crash(3), T0 + 3_000) : twice;
    if (thrice.kind !== 'counted') throw new Error('expected counted');
    expect(decideRestart(thrice.state, policy, T0 + 4_000).kind).toBe('exhausted');
  });

  it('a crash ends the healthy period: a crash-looping service is not reset by a probe that saw it healthy', () => {
    let state: RestartState = initialRestartState();
    for (let n = 1; n <= 4; n++) {
      const out = recordTaskStop(state, policy, crash(n), T0 + n * 1_000);
      if (out.kind === 'counted') state = out.state;
    }
    // The prober's view: healthy since long before the crashes.
    const stillLooping = observeHealth({ ...state, healthy_since: T0 - 3_600_000 }, policy, true, T0 + 10_000);
    expect(stillLooping.failed).toBe(true);
    const recovered = observeHealth(stillLooping, policy, true, T0 + 4_000 + 600_000);
    expect(recovered).toMatchObject({ failed: false, crashes: [], restarts: [] });
  });

  it('shows a crash-looping service that answers its probes as degraded, not online', () => {
    expect(dashboardStatus('healthy', false, { crashLooping: true })).toBe('degraded');
    expect(dashboardStatus('healthy', false, {})).toBe('online');
    expect(dashboardStatus('unhealthy', false, { crashLooping: true })).toBe('offline');
    expect(dashboardStatus('healthy', true, { crashLooping: true })).toBe('maintenance');
  });
});

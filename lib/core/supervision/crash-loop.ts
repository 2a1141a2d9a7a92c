/**
 * Crash loops: a service whose tasks keep stopping by themselves while ECS's scheduler replaces each within a second
 * never looks unhealthy to a probe every ten seconds. ECS reports every task stop ("ECS Task State Change" events
 * with `stopCode`, `stoppedReason` and the containers' exit codes); the stops the service caused count against its
 * restart budget in the same sliding window as Steward's own restarts, and past the budget the service is marked
 * `failed` (crash loop) — Kubernetes' CrashLoopBackOff and systemd's start limit make the same call. Pure, clock
 * injected.
 */
import type { EffectiveRestartPolicy } from './defaults.ts';
import type { CrashRecord, RestartState } from './restart-budget.ts';

/** One stopped task, from an ECS Task State Change event (`lastStatus` STOPPED). */
export interface TaskStop {
  task_arn: string;
  /** When it stopped (epoch ms): `stoppedAt`, else the event's time. */
  at: number;
  /** ECS `stopCode`: TaskFailedToStart, EssentialContainerExited, UserInitiated, ServiceSchedulerInitiated, … */
  stop_code?: string;
  stopped_reason?: string;
  /** Exit code of the first container that has one. */
  exit_code?: number;
}

/** Why a task stopped, as far as supervision is concerned. */
export type StopCause =
  /** The essential container exited (any exit code: a service is not meant to end). */
  | 'crashed'
  /** The task never got running (image, resources, start-up command). */
  | 'failed_to_start'
  /** ECS replaced it because its container or load-balancer health checks failed. */
  | 'unhealthy'
  /** A deployment, a scale-in or Steward's own restart (ServiceSchedulerInitiated). */
  | 'deployment'
  /** StopTask by a user or by Steward (UserInitiated). */
  | 'user'
  /** Spot reclaim or host termination: not the service's doing. */
  | 'infrastructure'
  | 'unknown';

/** Stop causes that count against the restart budget: the service stopped, nobody stopped it. */
export const UNEXPECTED_STOPS: readonly StopCause[] = ['crashed', 'failed_to_start', 'unhealthy'];

/**
 * Classifies a stop by ECS's documented stop codes. `ServiceSchedulerInitiated` covers both deployments (and
 * scale-in) and replacements after failed health checks; only the reason tells them apart.
 */
export function classifyTaskStop(stop: Pick<TaskStop, 'stop_code' | 'stopped_reason'>): StopCause {
  const reason = stop.stopped_reason ?? '';
  switch (stop.stop_code) {
    case 'EssentialContainerExited':
      return 'crashed';
    case 'TaskFailedToStart':
      return 'failed_to_start';
    case 'ServiceSchedulerInitiated':
      return /health ?checks?/i.test(reason) ? 'unhealthy' : 'deployment';
    case 'UserInitiated':
      return 'user';
    case 'SpotInterruption':
    case 'TerminationNotice':
      return 'infrastructure';
    default:
      // Older events carry no stopCode: the reason still names an exited essential container.
      return /essential container in task exited/i.test(reason) ? 'crashed' : 'unknown';
  }
}

/** What recording a stop did. */
export type StopOutcome =
  | { kind: 'ignored'; cause: StopCause }
  | { kind: 'duplicate' }
  | {
      kind: 'counted';
      cause: StopCause;
      state: RestartState;
      /** Restarts (Steward's and ECS's replacements of crashed tasks) in the window, this one included. */
      in_window: number;
      /**
       * True when this stop took the service past its budget: it is now crash looping (once per episode, even when
       * the budget was already spent by Steward's restarts).
       */
      looping: boolean;
    };

/** Crashes kept per service: enough to count any budget, bounded so the item stays small. */
const MAX_CRASHES_KEPT = 100;

/** Crashes of `state` inside the window ending at `now`. */
export function crashesInWindow(state: RestartState, policy: EffectiveRestartPolicy, now: number): CrashRecord[] {
  const start = now - policy.window_seconds * 1_000;
  return (state.crashes ?? []).filter((c) => c.at > start && c.at <= now);
}

/**
 * Records a stopped task at `now`. Unexpected stops are counted (a redelivered event for the same task is not
 * counted twice), the service stops being "continuously healthy", and the first stop that takes the restarts in
 * the window past `max_restarts` marks it failed with reason `crash_loop`.
 */
export function recordTaskStop(
  state: RestartState,
  policy: EffectiveRestartPolicy,
  stop: TaskStop,
  now: number,
): StopOutcome {
  const cause = classifyTaskStop(stop);
  if (!UNEXPECTED_STOPS.includes(cause)) return { kind: 'ignored', cause };
  if ((state.crashes ?? []).some((c) => c.task === stop.task_arn)) return { kind: 'duplicate' };
  const windowStart = now - policy.window_seconds * 1_000;
  // A stop older than the window (a late redelivery) no longer counts.
  if (stop.at <= windowStart) return { kind: 'ignored', cause };
  const crash: CrashRecord = {
    at: stop.at,
    task: stop.task_arn,
    cause,
    stop_code: stop.stop_code,
    reason: stop.stopped_reason,
    exit_code: stop.exit_code,
  };
  const crashes = [...(state.crashes ?? []).filter((c) => c.at > windowStart), crash]
    .sort((a, b) => a.at - b.at)
    .slice(-MAX_CRASHES_KEPT);
  const inWindow = crashes.length + state.restarts.filter((t) => t > windowStart).length;
  // Once per episode, also when Steward's own restarts had already spent the budget: that the service keeps
  // crashing is news either way.
  const alreadyLooping = state.failed && state.failed_reason === 'crash_loop';
  const looping = !alreadyLooping && inWindow > policy.max_restarts;
  const last = state.last_crash && state.last_crash.at > crash.at ? state.last_crash : crash;
  const next: RestartState = { ...state, crashes, last_crash: last, healthy_since: undefined };
  if (looping)
    Object.assign(next, { failed: true, failed_at: state.failed_at ?? now, failed_reason: 'crash_loop' as const });
  return { kind: 'counted', cause, state: next, in_window: inWindow, looping };
}

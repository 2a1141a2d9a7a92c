/**
 * Restart budget and backoff of one service (pure, clock injected). The budget is a count of restarts in a
 * sliding window ("max 10 restarts per 5 minutes"); between restarts the delay grows (exponential by default,
 * linear or fixed) up to a cap, and starts again from the base once the service has been healthy for
 * `reset_after_seconds` — Kubernetes' CrashLoopBackOff. A spent budget marks the service `failed`: no more
 * restarts until a manual reset or (if configured) a healthy period.
 */
import type { EffectiveRestartPolicy } from './defaults.ts';

/** An unexpected task stop (ECS replaced the task): it counts against the budget like a restart. */
export interface CrashRecord {
  /** When the task stopped (epoch ms). */
  at: number;
  /** Task ARN: a redelivered event for the same task is not counted twice. */
  task: string;
  /** `crashed`, `failed_to_start` or `unhealthy` (see crash-loop.ts). */
  cause: string;
  stop_code?: string;
  reason?: string;
  exit_code?: number;
}

/** Why a service is `failed`. */
export type FailedReason = 'restart_budget' | 'crash_loop' | 'group';

/** Stored restart state of a service (registry item `SVC#<id>` / `RESTARTS`). */
export interface RestartState {
  /** Restart times (epoch ms) still inside the window. */
  restarts: number[];
  /** Restarts since the service was last healthy for the reset period: the backoff exponent. */
  attempt: number;
  last_restart_at?: number;
  /** Failures before this time do not count (grace after a (re)start). */
  grace_until?: number;
  /** Budget spent: no restarts until reset. */
  failed: boolean;
  failed_at?: number;
  failed_reason?: FailedReason;
  /** Unexpected task stops inside the window (crash loops). */
  crashes?: CrashRecord[];
  /** The latest unexpected task stop, kept after it leaves the window. */
  last_crash?: CrashRecord;
  /** Since when the service is continuously healthy, if it is. */
  healthy_since?: number;
}

/** A service with no restarts yet. */
export function initialRestartState(): RestartState {
  return { restarts: [], attempt: 0, failed: false };
}

/** Delay (ms) required after the `attempt`-th consecutive restart (attempt ≥ 1) before the next one. */
export function backoffDelayMs(policy: EffectiveRestartPolicy, attempt: number): number {
  if (attempt <= 0) return 0;
  const base = policy.base_delay_seconds * 1_000;
  const cap = policy.max_delay_seconds * 1_000;
  const n = attempt - 1;
  const raw =
    policy.backoff === 'exponential'
      ? base * 2 ** Math.min(n, 40)
      : policy.backoff === 'linear'
        ? base * (n + 1)
        : base;
  return Math.min(raw, cap);
}

/**
 * What counts against the budget at `now`: the restarts and the crashes (tasks ECS replaced after a crash were
 * restarts too) inside the sliding window, as epoch ms.
 */
function inWindow(
  state: RestartState,
  policy: EffectiveRestartPolicy,
  now: number,
): { recent: number[]; crashes: number[] } {
  const windowStart = now - policy.window_seconds * 1_000;
  return {
    recent: state.restarts.filter((t) => t > windowStart),
    crashes: (state.crashes ?? []).filter((c) => c.at > windowStart).map((c) => c.at),
  };
}

/** The state after a restart issued at `now`: counted in the window, the next backoff step, a new grace period. */
function restartedAt(state: RestartState, recent: number[], policy: EffectiveRestartPolicy, now: number): RestartState {
  return {
    ...state,
    restarts: [...recent, now],
    attempt: state.attempt + 1,
    last_restart_at: now,
    grace_until: now + policy.grace_seconds * 1_000,
    healthy_since: undefined,
  };
}

/** What to do about an unhealthy service now. */
export type RestartDecision =
  | { kind: 'restart'; state: RestartState }
  | { kind: 'wait'; until: number; reason: 'backoff' | 'grace' }
  | { kind: 'exhausted'; state: RestartState }
  | { kind: 'held'; reason: 'failed' | 'disabled' | 'maintenance' };

/** Decides on a restart for an unhealthy service at `now`; `state` is what the registry holds. */
export function decideRestart(
  state: RestartState,
  policy: EffectiveRestartPolicy,
  now: number,
  options: { inMaintenance?: boolean } = {},
): RestartDecision {
  if (options.inMaintenance) return { kind: 'held', reason: 'maintenance' };
  if (policy.action === 'none') return { kind: 'held', reason: 'disabled' };
  if (state.failed) return { kind: 'held', reason: 'failed' };
  if (state.grace_until !== undefined && now < state.grace_until)
    return { kind: 'wait', until: state.grace_until, reason: 'grace' };
  // Backoff first: the budget is judged when the next restart would be due, not while waiting for it.
  if (state.last_restart_at !== undefined) {
    const until = state.last_restart_at + backoffDelayMs(policy, state.attempt);
    if (now < until) return { kind: 'wait', until, reason: 'backoff' };
  }
  const { recent, crashes } = inWindow(state, policy, now);
  if (recent.length + crashes.length >= policy.max_restarts) {
    return {
      kind: 'exhausted',
      state: {
        ...state,
        restarts: recent,
        failed: true,
        failed_at: now,
        failed_reason: 'restart_budget',
        healthy_since: undefined,
      },
    };
  }
  return { kind: 'restart', state: restartedAt(state, recent, policy, now) };
}

/**
 * Applies a health observation: a healthy period of `reset_after_seconds` resets the backoff and, when the policy
 * says so, returns a `failed` service to service. Returns the same object when nothing changes.
 */
export function observeHealth(
  state: RestartState,
  policy: EffectiveRestartPolicy,
  healthy: boolean,
  now: number,
): RestartState {
  if (!healthy) return state.healthy_since === undefined ? state : { ...state, healthy_since: undefined };
  // A crash (a task ECS replaced) or the failure itself ends a healthy period even if no probe saw it.
  const since = Math.max(state.healthy_since ?? now, state.last_crash?.at ?? 0, state.failed_at ?? 0);
  const settled = now - since >= policy.reset_after_seconds * 1_000;
  const next: RestartState = { ...state, healthy_since: since };
  if (settled && state.attempt > 0) next.attempt = 0;
  if (settled && state.failed && policy.failed_recovery === 'healthy_period') {
    next.failed = false;
    next.failed_at = undefined;
    next.failed_reason = undefined;
    next.restarts = [];
    next.crashes = [];
  }
  const same =
    next.healthy_since === state.healthy_since && next.attempt === state.attempt && next.failed === state.failed;
  return same ? state : next;
}

/** A manual reset: budget, backoff and `failed` cleared. */
export function resetRestartState(state: RestartState): RestartState {
  return {
    ...state,
    restarts: [],
    crashes: [],
    attempt: 0,
    failed: false,
    failed_at: undefined,
    failed_reason: undefined,
  };
}

/** What to do about an operator's "restart now" (`POST /services/{id}/restart`). */
export type ManualRestartDecision =
  | { kind: 'restart'; state: RestartState }
  | {
      kind: 'spent';
      /** Restarts and crashes inside the window. */
      used: number;
      max_restarts: number;
      window_seconds: number;
      /** When the oldest entry leaves the window (epoch ms); absent while the service is held `failed`. */
      refills_at?: number;
      failed_reason?: FailedReason;
    };

/**
 * An operator's restart at `now`: it skips the backoff and grace waits (a person decided) and maintenance, but it
 * spends the same budget as automatic restarts and is refused while the budget is spent or the service is held
 * `failed` (a reset comes first). It starts a new grace period, so the prober does not restart the service again
 * while it comes up.
 */
export function decideManualRestart(
  state: RestartState,
  policy: EffectiveRestartPolicy,
  now: number,
): ManualRestartDecision {
  const { recent, crashes } = inWindow(state, policy, now);
  const used = recent.length + crashes.length;
  const budget = { used, max_restarts: policy.max_restarts, window_seconds: policy.window_seconds };
  if (state.failed) return { kind: 'spent', ...budget, failed_reason: state.failed_reason ?? 'restart_budget' };
  if (used >= policy.max_restarts) {
    // The budget refills by one when the oldest counted entry leaves the sliding window.
    const times = [...recent, ...crashes].sort((a, b) => a - b);
    const oldest = times[used - policy.max_restarts] ?? times[0] ?? now;
    return { kind: 'spent', ...budget, refills_at: oldest + policy.window_seconds * 1_000 };
  }
  return { kind: 'restart', state: restartedAt(state, recent, policy, now) };
}

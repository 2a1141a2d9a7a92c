/**
 * The consecutive-results state machine of one check (Kubernetes/ECS semantics): unhealthy after N consecutive
 * failures, healthy after M consecutive successes, `unknown` until either happens. Pure, clock injected.
 */
import type { Thresholds } from './defaults.ts';

/** Status of a check, a service, a group or the system. */
export type HealthStatus = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';

/** The persistent state of one check. */
export interface CheckState {
  status: 'unknown' | 'healthy' | 'unhealthy';
  consecutive_failures: number;
  consecutive_successes: number;
  /** When the status last changed (epoch ms). */
  changed_at: number;
}

/** A fresh check. */
export function initialCheckState(now: number): CheckState {
  return { status: 'unknown', consecutive_failures: 0, consecutive_successes: 0, changed_at: now };
}

/**
 * Applies one probe result. During a grace period (a new or restarted service) failures do not count, so a service
 * that is still starting is neither marked unhealthy nor restarted again.
 */
export function applyResult(
  state: CheckState,
  ok: boolean,
  thresholds: Thresholds,
  now: number,
  options: { inGrace?: boolean; suspected?: boolean } = {},
): { state: CheckState; changed: boolean } {
  let { status } = state;
  let failures = state.consecutive_failures;
  let successes = state.consecutive_successes;
  if (ok) {
    successes += 1;
    failures = 0;
    if (status !== 'healthy' && successes >= thresholds.success) status = 'healthy';
  } else if (!options.inGrace) {
    failures += 1;
    successes = 0;
    if (failures >= thresholds.failure) status = 'unhealthy';
  } else {
    successes = 0;
  }
  // Phi-accrual suspicion overrides the count: a check whose answers stopped arriving on time is unhealthy.
  if (options.suspected && !options.inGrace) status = 'unhealthy';
  const changed = status !== state.status;
  return {
    state: {
      status,
      consecutive_failures: failures,
      consecutive_successes: successes,
      changed_at: changed ? now : state.changed_at,
    },
    changed,
  };
}

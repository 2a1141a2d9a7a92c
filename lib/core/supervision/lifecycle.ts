/**
 * Service lifecycle (`000_…`): discovered → registered → active → maintenance → retired. Retiring deregisters the
 * service (no more probes or restarts) but keeps its record and history; a retired service can be registered again.
 */

/** Lifecycle states, in the seed's order. */
export const LIFECYCLE_STATES = ['discovered', 'registered', 'active', 'maintenance', 'retired'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

const LEGAL: Record<LifecycleState, readonly LifecycleState[]> = {
  discovered: ['registered', 'active', 'maintenance', 'retired'],
  registered: ['active', 'maintenance', 'retired'],
  active: ['maintenance', 'retired'],
  maintenance: ['active', 'registered', 'retired'],
  retired: ['registered'],
};

/** True when `from → to` is a legal lifecycle move (staying put is always legal). */
export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return from === to || LEGAL[from].includes(to);
}

/** The states the prober watches. */
export const PROBED_STATES: readonly LifecycleState[] = ['discovered', 'registered', 'active', 'maintenance'];

/** The lifecycle after a health observation: a registered or discovered service that answers becomes active. */
export function lifecycleAfterHealth(state: LifecycleState, healthy: boolean): LifecycleState {
  return healthy && (state === 'registered' || state === 'discovered') ? 'active' : state;
}

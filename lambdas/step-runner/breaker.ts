import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  admit,
  type BreakerState,
  DEFAULT_BREAKER_CONFIG,
  record,
  stateGauge,
} from '../../lib/core/resilience/circuit-breaker.ts';
import { STEWARD_ERRORS } from '../../lib/core/runtime-contract.ts';
import { metrics } from '../shared/powertools.ts';
import { readBreaker, type VersionedBreaker, writeBreaker } from '../shared/repositories/breakers.ts';
import { StepError } from './errors.ts';

/**
 * Applies a service's circuit breaker around one call: admission before, outcome after, each a conditional write on
 * the shared `SVC#<id>`/`BREAKER` item that is retried on a lost race (re-read, re-apply the pure transition).
 *
 * A settled breaker (closed, its window full of successes: the state of nearly every healthy service) is kept for
 * {@link SETTLED_CACHE_MS} per warm container and not read again meanwhile: admitting a call and recording a success
 * write nothing in that state, so the read was all a healthy call cost. Why staleness is harmless:
 * - a breaker that another container opened meanwhile is honoured here at most that long later: the same as a call
 *   admitted just before it opened, whose outcome the breaker ignores once open;
 * - a failure recorded here against a stale state loses the conditional write (the version moved), re-reads and
 *   re-applies, exactly as any lost race, so no failure is ever missed;
 * - a success here within that time after another container's first failure is not added to the window, which keeps
 *   that failure in the window for at most the calls this container makes in that time; every later outcome is
 *   recorded from a fresh read, because a window holding a failure is not settled and so never cached.
 * Any state this container writes or reads replaces the cached one, so its own failures take effect at once.
 */

const MAX_RACES = 5;

/** How long a settled breaker is trusted without a read (small against the 60 s a breaker stays open). */
export const SETTLED_CACHE_MS = 1_000;

const settled = new Map<string, { at: number; seen: VersionedBreaker }>();

const isSettled = (state: BreakerState): boolean =>
  state.state === 'closed' && state.window.length >= DEFAULT_BREAKER_CONFIG.windowSize && !state.window.includes('1');

/** Remembers what this container last read or wrote: kept only while the breaker is settled. */
function remember(serviceId: string, seen: VersionedBreaker, at: number): void {
  if (isSettled(seen.state)) settled.set(serviceId, { at, seen });
  else settled.delete(serviceId);
}

/** Forgets every cached breaker (tests). */
export function clearBreakerCache(): void {
  settled.clear();
}

async function freshBreaker(serviceId: string, at: number): Promise<VersionedBreaker> {
  const seen = await readBreaker(serviceId);
  remember(serviceId, seen, at);
  return seen;
}

async function currentBreaker(serviceId: string, at: number): Promise<VersionedBreaker> {
  const hit = settled.get(serviceId);
  if (hit && at - hit.at >= 0 && at - hit.at < SETTLED_CACHE_MS) return hit.seen;
  return freshBreaker(serviceId, at);
}

/** A ticket for an admitted call: whether it is a half-open trial, and the state it was admitted under. */
export interface BreakerTicket {
  serviceId: string;
  trial: boolean;
  seen: VersionedBreaker;
}

function gauge(serviceId: string, state: BreakerState): void {
  // A single metric, so the service dimension does not spill onto the invocation's other metrics.
  const m = metrics.singleMetric();
  m.addDimension('service_id', serviceId);
  m.addMetric('CircuitState', MetricUnit.Count, stateGauge(state.state));
}

/** Admits a call or throws `Steward.CircuitOpen`. */
export async function enterBreaker(serviceId: string, now: () => number): Promise<BreakerTicket> {
  for (let i = 0; i < MAX_RACES; i++) {
    // A lost race means the item moved: the retry reads it, whatever is cached.
    const seen = i === 0 ? await currentBreaker(serviceId, now()) : await freshBreaker(serviceId, now());
    const decision = admit(seen.state, now(), DEFAULT_BREAKER_CONFIG);
    if (!decision.allowed) {
      gauge(serviceId, seen.state);
      throw new StepError(
        STEWARD_ERRORS.circuitOpen,
        `Circuit of service '${serviceId}' is ${seen.state.state}; next trial in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
      );
    }
    if (!decision.next) return { serviceId, trial: false, seen };
    if (await writeBreaker(serviceId, decision.next, seen.version)) {
      gauge(serviceId, decision.next);
      const written = { state: decision.next, version: seen.version + 1 };
      remember(serviceId, written, now());
      return { serviceId, trial: decision.trial, seen: written };
    }
  }
  // Lost every race: others are admitting trial calls right now; this call waits for the next retry.
  throw new StepError(STEWARD_ERRORS.circuitOpen, `Circuit of service '${serviceId}' is busy with trial calls`);
}

/** Records a call's outcome (`failed`: it counts against the service). */
export async function leaveBreaker(ticket: BreakerTicket, failed: boolean, now: () => number): Promise<void> {
  let seen = ticket.seen;
  for (let i = 0; i < MAX_RACES; i++) {
    const next = record(seen.state, failed, ticket.trial, now(), DEFAULT_BREAKER_CONFIG);
    if (next === seen.state) return;
    if (await writeBreaker(ticket.serviceId, next, seen.version)) {
      if (next.state !== seen.state.state) gauge(ticket.serviceId, next);
      remember(ticket.serviceId, { state: next, version: seen.version + 1 }, now());
      return;
    }
    seen = await freshBreaker(ticket.serviceId, now());
  }
}

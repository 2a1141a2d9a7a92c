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
 */

const MAX_RACES = 5;

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
    const seen = await readBreaker(serviceId);
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
      return { serviceId, trial: decision.trial, seen: { state: decision.next, version: seen.version + 1 } };
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
      return;
    }
    seen = await readBreaker(ticket.serviceId);
  }
}

/**
 * The headers Steward sends on every call to a service, derived from the run so that services can deduplicate
 * retries and join their traces to the run's.
 *
 * - `Idempotency-Key`: UUIDv5 of the execution id and `<purpose>/<step key>`, where the step key is the step's name
 *   plus, inside a map, a hash of the item (the key of its step record). It is the same for every attempt of one step
 *   of one run: the fast `retry_policy` retries, the slow `retry` handler rounds and a redrive all repeat one operation,
 *   which is what a service deduplicating on the key must see. A notification and a compensation are other
 *   operations (purpose `notify` / `compensate`) and get their own keys.
 * - `X-Correlation-Id`: the run's correlation id.
 * - `traceparent` (W3C Trace Context, version 00, sampled): the trace id is the execution id's 32 hex digits (any
 *   other id is hashed to 32), so every call of a run shares one trace; the parent span id is fresh per attempt.
 */
import { createHash } from 'node:crypto';
import { uuidv5 } from '../execution/ids.ts';

/** Why a request is sent: the step's own call, its failure notification, or its compensation. */
export type CallPurpose = 'call' | 'notify' | 'compensate';

/** The run facts the standard headers derive from. */
export interface CallIdentity {
  executionId: string;
  correlationId: string;
  /** The step record key (step name, `@<item hash>` inside a map). */
  stepKey: string;
  purpose: CallPurpose;
}

/** The Idempotency-Key of one step's operation in one run. */
export function idempotencyKey(id: Pick<CallIdentity, 'executionId' | 'stepKey' | 'purpose'>): string {
  return uuidv5(id.executionId.toLowerCase(), `${id.purpose}/${id.stepKey}`);
}

/** The W3C trace id of a run: the execution id's hex digits when it is a UUID, else 32 hex digits of its SHA-256. */
export function traceId(executionId: string): string {
  const hex = executionId.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex)) return hex;
  return createHash('sha256').update(executionId).digest('hex').slice(0, 32);
}

/** A `traceparent` value for a span (16 hex digits, not all zero) of the run's trace. */
export function traceparent(executionId: string, spanId: string): string {
  if (!/^[0-9a-f]{16}$/.test(spanId) || /^0+$/.test(spanId))
    throw new Error(`span id must be 16 hex digits, got ${spanId}`);
  return `00-${traceId(executionId)}-${spanId}-01`;
}

/** The standard headers of one attempt; `spanId` is fresh per attempt (16 hex digits). */
export function standardHeaders(id: CallIdentity, spanId: string): Record<string, string> {
  return {
    'idempotency-key': idempotencyKey(id),
    'x-correlation-id': id.correlationId,
    traceparent: traceparent(id.executionId, spanId),
  };
}

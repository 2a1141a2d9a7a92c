import type { WaiterInput } from '../../lib/core/runtime-contract.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import { StepError } from '../step-runner/errors.ts';
import { park, registerWait, type WaitOutcome } from './wait.ts';

/**
 * The waiter: invoked by `.waitForTaskToken` tasks. `event_wait` registers a waiter for an event (the event router or
 * an early event answers the token); `park` stores the token of a paused run (resume answers it); `join` waits for
 * the dependencies of a step in other branches of an exact DAG (the step runner answers it).
 */
export const handler = lambdaHandler<WaiterInput, WaitOutcome>(async (input) => {
  logger.appendKeys({ execution_id: input.execution_id, kind: input.kind, step: input.step });
  if (input.kind === 'event_wait') return registerWait(input);
  if (input.kind === 'park') return park(input);
  // Exact-DAG joins only: the join records and the release path load with the first join, not at every cold start.
  if (input.kind === 'join') return (await import('./join.ts')).registerJoin(input);
  throw new StepError('Steward.InvalidInput', `Unknown waiter kind '${(input as { kind?: unknown }).kind}'`);
});

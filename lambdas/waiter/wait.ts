import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { DEFAULT_WAITER_KEEP_SECONDS, expiresAt } from '../../lib/core/routing/expiry.ts';
import { filterHash, keySetOf, matchesFilter } from '../../lib/core/routing/filters.ts';
import type { EventWaitInput, ParkInput } from '../../lib/core/runtime-contract.ts';
import { deliver, EARLY_KEEP_SECONDS } from '../event-router/route.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { logger } from '../shared/powertools.ts';
import { findEarlyEvents } from '../shared/repositories/events.ts';
import { storePauseToken } from '../shared/repositories/executions.ts';
import { beginAttempt, stepKey } from '../shared/repositories/steps.ts';
import { addKeySet, putWaiter, type WaiterRecord, waiterPk } from '../shared/repositories/waiters.ts';
import { guardStepStart } from '../step-runner/guard.ts';

/** Clock skew allowed between a router reading key-sets and a waiter creating one (see {@link earlyEventFor}). */
const SKEW_MS = 30_000;

/** What the waiter did. */
export interface WaitOutcome {
  status: 'waiting' | 'matched' | 'duplicate' | 'parked' | 'released';
  event_id?: string;
}

/**
 * The oldest live early event for a waiter. First the waiter's own key (one Query). An event that arrived before the
 * router knew this key-set was kept only under the empty key-set (every event of the type is); so when the key-set
 * is younger than the keep time, events received up to its creation (plus clock skew) are read there too.
 */
async function earlyEventFor(
  w: Pick<WaiterRecord, 'event_type' | 'filter' | 'filter_hash'>,
  keySetCreatedMs: number,
  nowMs: number,
): Promise<StewardEvent | undefined> {
  const own = await findEarlyEvents(w.event_type, w.filter_hash, nowMs);
  const hit = own.find((e) => matchesFilter({ ...e, data: e.data ?? {} }, w.filter));
  if (hit || keySetOf(w.filter).length === 0) return hit;
  if (keySetCreatedMs < nowMs - EARLY_KEEP_SECONDS * 1000 - SKEW_MS) return undefined;
  const until = new Date(keySetCreatedMs + SKEW_MS).toISOString();
  const older = await findEarlyEvents(w.event_type, filterHash({}), nowMs, '0000', until);
  return older.find((e) => matchesFilter({ ...e, data: e.data ?? {} }, w.filter));
}

/**
 * An `event_wait` step: pause check, register the waiter (writes first), then look for an early event (reads second)
 * and, if there is one, claim the waiter and answer the token at once.
 */
export async function registerWait(input: EventWaitInput, now = new Date()): Promise<WaitOutcome> {
  await guardStepStart(input.execution_id, input.step);
  const nowMs = now.getTime();
  const filter = input.filter ?? {};
  // The wait is a step like any other in the run's step list: opened here, completed by the delivery.
  const { attempt } = await beginAttempt({
    executionId: input.execution_id,
    workflowId: input.workflow_id,
    step: input.step,
    stepKey: stepKey(input.step),
    input: { event_type: input.event_type, filter },
    now,
  });
  const keys = keySetOf(filter);
  const hash = filterHash(filter);
  const created = await addKeySet(input.event_type, keys, nowMs);
  const record: Omit<WaiterRecord, 'pk' | 'sk' | 'status'> = {
    event_type: input.event_type,
    filter_hash: hash,
    filter,
    execution_id: input.execution_id,
    workflow_id: input.workflow_id,
    correlation_id: input.correlation_id,
    step: input.step,
    task_token: input.task_token,
    registered_at: now.toISOString(),
    expires_at: expiresAt(nowMs, input.timeout_seconds ?? DEFAULT_WAITER_KEEP_SECONDS),
    attempt,
  };
  if (!(await putWaiter(record))) return { status: 'duplicate' };
  const waiter: WaiterRecord = {
    ...record,
    pk: waiterPk(input.event_type, hash),
    sk: `${input.execution_id}#${input.step}`,
    status: 'waiting',
  };
  const early = await earlyEventFor(waiter, created, nowMs);
  if (!early) return { status: 'waiting' };
  const delivery = await deliver(waiter, early, now);
  logger.info('Waiter met an early event', { event_id: early.id, delivery });
  return delivery === 'resumed' ? { status: 'matched', event_id: early.id } : { status: 'waiting' };
}

/**
 * A paused run parks on its token until resume. If the run was resumed between the pause check and here, the token
 * is answered at once so the step is re-entered.
 */
export async function park(input: ParkInput): Promise<WaitOutcome> {
  if (await storePauseToken(input.execution_id, input.task_token)) return { status: 'parked' };
  await sfn.send(new SendTaskSuccessCommand({ taskToken: input.task_token, output: '{}' }));
  return { status: 'released' };
}

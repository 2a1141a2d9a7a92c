import type { StewardEvent } from '../../lib/core/events/types.ts';
import { DEFAULT_WAITER_KEEP_SECONDS, expiresAt } from '../../lib/core/routing/expiry.ts';
import { filterHash, keySetOf, matchesFilter } from '../../lib/core/routing/filters.ts';
import { routeFenceMs, waitUntil } from '../../lib/core/routing/routes.ts';
import type { EventWaitInput, ParkInput } from '../../lib/core/runtime-contract.ts';
import { deliver, EARLY_KEEP_SECONDS, ROUTES_CACHE_MS } from '../event-router/route.ts';
import { loadSfnCallbacks } from '../shared/clients/lazy.ts';
import { logger } from '../shared/powertools.ts';
import { findEarlyEvents } from '../shared/repositories/events.ts';
import { storePauseToken } from '../shared/repositories/executions.ts';
import { beginAttempt, stepKey } from '../shared/repositories/steps.ts';
import { addRoute, putWaiter, settleRoute, type WaiterRecord, waiterPk } from '../shared/repositories/waiters.ts';
import { guardStepStart } from '../step-runner/guard.ts';

/** Clock skew allowed between a router reading key-sets and a waiter creating one (see {@link earlyEventsFor}). */
const SKEW_MS = 30_000;

/** How long a waiter of a route not yet settled waits before its early-event lookup (see lib/core routing/routes). */
const FENCE_MS = routeFenceMs(ROUTES_CACHE_MS);

/** What the waiter did. */
export interface WaitOutcome {
  status: 'waiting' | 'matched' | 'duplicate' | 'parked' | 'released';
  event_id?: string;
}

/**
 * The earliest receive time of an early event this wait may take (ISO 8601): the run's start, so an event received
 * before the run existed never completes it (it was meant for an earlier run, or for nobody in particular); with
 * `accept_events_since` the wait opts in to events received up to that long before it began.
 */
export function earliestAccepted(
  runStartedAt: string | undefined,
  acceptSinceSeconds: number | undefined,
  nowMs: number,
): string {
  const started = runStartedAt === undefined ? Number.NaN : Date.parse(runStartedAt);
  // A run without a readable start time accepts nothing older than this wait.
  let since = Number.isFinite(started) ? started : nowMs;
  if (acceptSinceSeconds !== undefined) since = Math.min(since, nowMs - acceptSinceSeconds * 1000);
  return new Date(since).toISOString();
}

/**
 * The oldest live early event for a waiter received at or after `sinceIso`, not yet used by this run. First the
 * waiter's own key (one Query). An event that arrived before the router knew this key-set was kept only under the
 * empty key-set (every event of the type is); so when the key-set is younger than the keep time, events received up
 * to its creation (plus clock skew and the routers' cache lifetime: a router on a cached list routes that much
 * longer without it) are read there too.
 */
async function earlyEventsFor(
  w: Pick<WaiterRecord, 'event_type' | 'filter' | 'filter_hash'>,
  keySetCreatedMs: number,
  nowMs: number,
  sinceIso: string,
): Promise<StewardEvent[]> {
  const matches = (e: StewardEvent): boolean => matchesFilter({ ...e, data: e.data ?? {} }, w.filter);
  const own = (await findEarlyEvents(w.event_type, w.filter_hash, nowMs, sinceIso)).filter(matches);
  if (keySetOf(w.filter).length === 0) return own;
  if (keySetCreatedMs < nowMs - EARLY_KEEP_SECONDS * 1000 - SKEW_MS) return own;
  const until = new Date(keySetCreatedMs + SKEW_MS + ROUTES_CACHE_MS).toISOString();
  if (until < sinceIso) return own;
  const older = (await findEarlyEvents(w.event_type, filterHash({}), nowMs, sinceIso, until)).filter(matches);
  const ids = new Set(own.map((e) => e.id));
  return [...older.filter((e) => !ids.has(e.id)), ...own];
}

/**
 * An `event_wait` step: pause check, register the waiter (writes first), then look for an early event (reads second)
 * and, if there is one, claim the waiter and answer the token at once.
 */
export async function registerWait(input: EventWaitInput, now = new Date()): Promise<WaitOutcome> {
  const run = await guardStepStart(input.execution_id, input.step);
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
  const route = await addRoute(input.event_type, keys, nowMs);
  // Taken after the route's registration returned, so after the route existed: the fence below counts from here.
  const routeSeenAt = performance.now();
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
  const since = earliestAccepted(run.started_at, input.accept_events_since_seconds, nowMs);
  // A route not yet settled may be missing from a router's cached routes: such a router keeps routing events of the
  // type (writing them only under the empty key-set) until its cache runs out. Waiting that long before looking
  // makes the look below see every one of them; then the route is settled, and later waiters look at once.
  if (!route.settled) await waitUntil(routeSeenAt, FENCE_MS);
  const found = await earlyEventsFor(waiter, route.createdAt, nowMs, since);
  if (!route.settled) await settleRoute(input.event_type, keys, nowMs);
  // Oldest first; an event this run already used (an earlier wait) is passed over for the next one.
  for (const early of found) {
    const delivery = await deliver(waiter, early, now);
    logger.info('Waiter met an early event', { event_id: early.id, delivery });
    if (delivery === 'resumed') return { status: 'matched', event_id: early.id };
    if (delivery === 'expired') break;
  }
  return { status: 'waiting' };
}

/**
 * A paused run parks on its token until resume. If the run was resumed between the pause check and here, the token
 * is answered at once so the step is re-entered.
 */
export async function park(input: ParkInput): Promise<WaitOutcome> {
  if (await storePauseToken(input.execution_id, input.task_token)) return { status: 'parked' };
  const { sfn, SendTaskSuccessCommand } = await loadSfnCallbacks();
  await sfn.send(new SendTaskSuccessCommand({ taskToken: input.task_token, output: '{}' }));
  return { status: 'released' };
}

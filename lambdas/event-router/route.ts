import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { keepSeconds } from '../../lib/core/routing/expiry.ts';
import { filterHash, matchesFilter, projectEvent } from '../../lib/core/routing/filters.ts';
import { type Instant, RoutesCache, routesCacheMs } from '../../lib/core/routing/routes.ts';
import type { StepResult } from '../../lib/core/runtime-contract.ts';
import { loadSfnCallbacks } from '../shared/clients/lazy.ts';
import { logger, metrics } from '../shared/powertools.ts';
import {
  addMatched,
  claimEventForRun,
  putEarlyEvent,
  releaseEventForRun,
  type StoredEvent,
} from '../shared/repositories/events.ts';
import { finishStep, stepKey } from '../shared/repositories/steps.ts';
import {
  claimWaiter,
  declarationsComplete,
  expireWaiter,
  findRoutes,
  findWaiting,
  releaseWaiter,
  type WaiterRecord,
} from '../shared/repositories/waiters.ts';

/**
 * Routing an event to the steps waiting for it. Per event type the router knows the filter key-sets in use; for each
 * it hashes the event's values and runs ONE Query on `WAIT#<type>#<hash>`, so the cost does not grow with the number
 * of waiting executions. A waiter is claimed with a conditional `waiting → matched` update before its token is
 * answered: a match happens once, however often the event is delivered and however many routers race.
 *
 * Requests per event: the event record (handler), the early event under the empty key-set, then the type's routes.
 * Those are one Query (routes and waiters without a filter share `WAIT#<type>#<hash({})>`), skipped while this
 * container read them less than {@link ROUTES_CACHE_MS} ago and the type has no waits without a filter (whose waiters
 * change with every run). So an event of a type nobody waits for costs two requests on a warm router, three on a cold
 * one, and one (its record) on a warm router once no workflow version declared its type (see {@link nobodyWaits});
 * each key-set the event has values for adds an early-event put and a Query. Why the cache loses no event: see
 * lib/core/routing/routes.ts and the waiter's fence.
 *
 * Folding the event record and the empty key-set's early event into one item or one BatchWriteItem was weighed and
 * left out: the record is keyed by id and written conditionally (a redelivery keeps `received_at`, `matched`,
 * `published_at`), waiters need the type's events by receive time with a strongly consistent read, which no index
 * gives, and a batch write takes no condition.
 */

/** How long a router trusts the routes it read (STEWARD_ROUTES_CACHE_MS, default 1 s); the waiter's fence matches. */
export const ROUTES_CACHE_MS = routesCacheMs(process.env.STEWARD_ROUTES_CACHE_MS);

/** The routes this warm container read, per event type. */
const routesCache = new RoutesCache(ROUTES_CACHE_MS);

/**
 * When this container first knew that every stored workflow version's waits are declared (read again at most once
 * per cache lifetime until then; it stays true once written).
 */
let declarationsKnownAt: Instant | undefined;
let declarationsCheckedAt: number | undefined;

/** Forgets what this container knew of declarations (tests). */
export function forgetDeclarations(): void {
  declarationsKnownAt = undefined;
  declarationsCheckedAt = undefined;
}

/**
 * Whether no workflow version can wait for events of this type (declared waits, lambdas/shared/declared-waits.ts):
 * the cached routes, fresh, say the type is not declared, and they were read after this container knew every
 * version's waits to be declared (a read from before could miss a version stored before declarations existed).
 * Judged before anything is written: a declaration the read missed was written after it, and its version starts
 * runs only once the cache lifetime has passed since (the declarer's fence), so after this event was received.
 */
async function nobodyWaits(eventType: string): Promise<boolean> {
  const cached = routesCache.freshEntry(eventType, routesClock.now());
  if (!cached || cached.routes.declared) return false;
  if (declarationsKnownAt === undefined) {
    const mono = performance.now();
    if (declarationsCheckedAt !== undefined && mono - declarationsCheckedAt < ROUTES_CACHE_MS) return false;
    declarationsCheckedAt = mono;
    if (!(await declarationsComplete())) return false;
    declarationsKnownAt ??= routesClock.now();
  }
  return cached.at.mono > declarationsKnownAt.mono;
}

/** The clocks the cache is judged by (an object, so a test can hold the cache fresh while it stages a race). */
export const routesClock = { now: (): Instant => ({ wall: Date.now(), mono: performance.now() }) };

/** How long events are kept for waiters that register later (STEWARD_EARLY_EVENT_SECONDS, default 15 min). */
export const EARLY_KEEP_SECONDS = keepSeconds(process.env.STEWARD_EARLY_EVENT_SECONDS);

/** How long an event's claim on a run outlives the keep time (clock skew between router and waiters). */
const USE_MARGIN_SECONDS = 3_600;

/** Step Functions errors that mean the task is gone: the waiter is expired, nothing to retry. */
const CLOSED_TOKEN = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Thrown when a claimed waiter could not be resumed; the claim was given back so a redelivery retries it. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

/** Outcome of answering one waiter. */
export type Delivery = 'resumed' | 'already_matched' | 'expired';

/**
 * Claims a waiter for an event and answers its token with the event. The event is claimed for the waiter's run too:
 * one event resumes each run at most once (a step that waits again, or a second wait of the same type in the run,
 * needs a new event).
 */
export async function deliver(waiter: WaiterRecord, event: StewardEvent, now = new Date()): Promise<Delivery> {
  if (!(await claimWaiter(waiter, event.id, now))) return 'already_matched';
  const useExpires = Math.ceil(now.getTime() / 1000) + EARLY_KEEP_SECONDS + USE_MARGIN_SECONDS;
  if (!(await claimEventForRun(event.id, waiter.execution_id, waiter.step, useExpires))) {
    await releaseWaiter(waiter, event.id);
    return 'already_matched';
  }
  try {
    // The compiled ASL stores a callback's output at `$.steps.<name>` as sent: the same `{status, output}` shape
    // the step runner returns, so later steps read `${steps.<name>.output.data.x}`.
    const result: StepResult = { status: 'completed', output: event };
    const { sfn, SendTaskSuccessCommand } = await loadSfnCallbacks();
    await sfn.send(new SendTaskSuccessCommand({ taskToken: waiter.task_token, output: JSON.stringify(result) }));
    await addMatched(event.id, 1);
    if (waiter.attempt !== undefined) {
      await finishStep({
        executionId: waiter.execution_id,
        stepKey: stepKey(waiter.step),
        attempt: waiter.attempt,
        status: 'completed',
        output: event,
        now,
      });
    }
    return 'resumed';
  } catch (error) {
    const name = (error as Error).name;
    if (CLOSED_TOKEN.has(name)) {
      await expireWaiter(waiter, now);
      logger.info('Waiter token already closed', { waiter: waiter.sk, error: name });
      return 'expired';
    }
    await releaseEventForRun(event.id, waiter.execution_id, waiter.step);
    await releaseWaiter(waiter, event.id);
    throw new DeliveryError(`Could not resume ${waiter.sk}: ${name}`, { cause: error });
  }
}

/**
 * Routes one stored event: keeps it as an early event under every key-set, then resumes the matching waiters.
 *
 * Order matters. The early event under the empty key-set is written BEFORE the routes are read or the cached ones
 * judged fresh: a waiter whose route this router does not know registered it after the routes were read, and its
 * look at the empty key-set's early events comes after the cache lifetime has run out since (the waiter's fence), so
 * after this write. Under each known key-set the early event is written before its waiters are read, as the waiter
 * writes itself before it reads early events: whichever comes second sees the other.
 */
export async function routeEvent(event: StoredEvent, now = new Date()): Promise<{ matched: number }> {
  const nowMs = now.getTime();
  if (await nobodyWaits(event.type)) {
    metrics.addMetric('EventsRouted', MetricUnit.Count, 1);
    metrics.addMetric('EventsMatched', MetricUnit.Count, 0);
    return { matched: 0 };
  }
  const resume = async (waiters: readonly WaiterRecord[]): Promise<number> => {
    let n = 0;
    for (const w of waiters) {
      if (matchesFilter(event, w.filter) && (await deliver(w, event, now)) === 'resumed') n++;
    }
    return n;
  };
  // Every event of the type is kept under the empty key-set: waiters without a filter take it from there, and so
  // does a waiter whose key-set is newer than the event (see the waiter's early-event lookup).
  await putEarlyEvent(event.type, filterHash({}), event, EARLY_KEEP_SECONDS, nowMs);
  let routes = routesCache.fresh(event.type, routesClock.now());
  let unfiltered: WaiterRecord[] = [];
  if (!routes || routes.unfiltered) {
    const readStartedAt = routesClock.now();
    const read = await findRoutes(event.type, nowMs);
    routesCache.put(event.type, read.routes, readStartedAt);
    ({ routes, unfiltered } = read);
  }
  const results = await Promise.all([
    resume(unfiltered),
    ...routes.keySets.map(async (keys) => {
      const projected = projectEvent(event, keys);
      if (!projected) return 0;
      const hash = filterHash(projected);
      await putEarlyEvent(event.type, hash, event, EARLY_KEEP_SECONDS, nowMs);
      return resume(await findWaiting(event.type, hash, nowMs));
    }),
  ]);
  const matched = results.reduce((a, b) => a + b, 0);
  metrics.addMetric('EventsRouted', MetricUnit.Count, 1);
  metrics.addMetric('EventsMatched', MetricUnit.Count, matched);
  return { matched };
}

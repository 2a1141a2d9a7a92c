import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { isAlive } from '../../../lib/core/routing/expiry.ts';
import { type EventFilter, filterHash } from '../../../lib/core/routing/filters.ts';
import { decodeRoute, encodeRoute, type TypeRoutes } from '../../../lib/core/routing/routes.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { written } from './conditions.ts';
import { queryAll } from './drain.ts';

/**
 * Event waiters (history table).
 * - waiter: pk `WAIT#<event_type>#<filter hash>` sk `<execution_id>#<step>`; status waiting → matched | expired
 * - route:  pk `WAIT#<event_type>#<hash of the empty filter>` sk `#ROUTE#<sorted filter keys joined by ,>`, one per
 *   key-set in use, the empty one included (waits without a filter), with `route_keys` (the same keys, see
 *   encodeRoute), `created_at` and, once its waiters no longer need to wait out the routers' cache, `settled_at`.
 *   Kept without TTL: a workflow's filters are few and long-lived, and the router must not forget one while a waiter
 *   still uses it. Routes live beside the waiters without a filter, so the router reads both with one Query; `#`
 *   cannot start a waiter's sort key (execution ids are UUIDs).
 * - legacy key-sets: pk `WAITKEYS#<event_type>` sk `<sorted filter keys joined by ,>`, written by releases before
 *   routes, never since. Waits registered before an upgrade are still found through them (see {@link findRoutes}).
 * - declaration: pk `WAIT#<event_type>#<hash of the empty filter>` sk `#DECLARED`, `declared_at` (ms): some workflow
 *   version waits for the type, written before that version's runs can start (see lambdas/shared/declared-waits.ts).
 *   Kept without TTL, like routes.
 * - declarations complete: pk `DECLARED` sk `COMPLETE`, written once by the registrar after it declared the waits of
 *   every version stored before declarations existed. Until it exists, every type counts as declared.
 */

const TABLE = requireEnv(ENV.historyTable);

export type WaiterStatus = 'waiting' | 'matched' | 'expired';

/** A waiter as stored. */
export interface WaiterRecord {
  pk: string;
  sk: string;
  event_type: string;
  filter_hash: string;
  filter: EventFilter;
  execution_id: string;
  workflow_id: string;
  correlation_id: string;
  step: string;
  task_token: string;
  status: WaiterStatus;
  registered_at: string;
  expires_at: number;
  matched_event_id?: string;
  /** The step-record attempt this wait opened; the delivery completes exactly that attempt. */
  attempt?: number;
}

/** The partition key of waiters of one event type and filter hash. */
export const waiterPk = (eventType: string, hash: string): string => `WAIT#${eventType}#${hash}`;

/** Sort-key prefix of the route items in the partition of the type's waiters without a filter. */
const ROUTE_PREFIX = '#ROUTE#';

/** The partition of an event type's waiters without a filter, which also holds the type's routes. */
const routesPk = (eventType: string): string => waiterPk(eventType, filterHash({}));

const routeKey = (eventType: string, keys: readonly string[]) => ({
  pk: routesPk(eventType),
  sk: `${ROUTE_PREFIX}${encodeRoute(keys).slice(1)}`,
});

/**
 * Stores a waiter (status waiting). A waiter of the same execution and step is replaced (a step re-entered after a
 * timeout waits again with a new token); the same token again is a repeated invocation and changes nothing.
 * Returns false in that case.
 */
export async function putWaiter(w: Omit<WaiterRecord, 'pk' | 'sk' | 'status'>): Promise<boolean> {
  return written(
    ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: waiterPk(w.event_type, w.filter_hash),
          sk: `${w.execution_id}#${w.step}`,
          ...w,
          status: 'waiting',
        },
        ConditionExpression: 'attribute_not_exists(pk) OR task_token <> :token',
        ExpressionAttributeValues: { ':token': w.task_token },
      }),
    ),
  );
}

/** A route as a waiter registering on it finds it. */
export interface RouteState {
  /** When the route was first registered (ms, the first registrant's clock). */
  createdAt: number;
  /** Whether some waiter already waited out the routers' cache lifetime after the route existed. */
  settled: boolean;
}

/** Sort key of a type's declaration, in the partition of its routes. */
const DECLARED_SK = '#DECLARED';

/** The item whose existence says every stored workflow version's waits are declared. */
const DECLARATIONS_COMPLETE = { pk: 'DECLARED', sk: 'COMPLETE' };

/**
 * Declares that a workflow version waits for these event types (idempotent: the first declaration's time stays).
 * Returns the latest `declared_at` among them (ms, each on its first declarer's clock).
 */
export async function declareWaits(eventTypes: readonly string[], nowMs: number): Promise<number> {
  const declaredAt = await Promise.all(
    eventTypes.map(async (eventType) => {
      const out = await ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: routesPk(eventType), sk: DECLARED_SK },
          UpdateExpression: 'SET declared_at = if_not_exists(declared_at, :now), event_type = :type',
          ExpressionAttributeValues: { ':now': nowMs, ':type': eventType },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Number(out.Attributes?.declared_at ?? nowMs);
    }),
  );
  return Math.max(0, ...declaredAt);
}

/** Whether every stored workflow version's waits are declared (a strongly consistent read). */
export async function declarationsComplete(): Promise<boolean> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: DECLARATIONS_COMPLETE, ConsistentRead: true }));
  return out.Item !== undefined;
}

/** Records that every stored workflow version's waits are declared (once; a later call changes nothing). */
export async function markDeclarationsComplete(nowMs: number): Promise<void> {
  await written(
    ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...DECLARATIONS_COMPLETE, completed_at: nowMs },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Registers the route of a key-set (the empty one too) for the event type: idempotent. */
export async function addRoute(eventType: string, keys: readonly string[], nowMs: number): Promise<RouteState> {
  const out = await ddb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: routeKey(eventType, keys),
      // `route_keys` repeats the sort key: a Query's filter may not name a key attribute (see findRoutes).
      UpdateExpression: 'SET created_at = if_not_exists(created_at, :now), last_used_at = :now, route_keys = :keys',
      ExpressionAttributeValues: { ':now': nowMs, ':keys': encodeRoute(keys) },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return { createdAt: Number(out.Attributes?.created_at ?? nowMs), settled: out.Attributes?.settled_at !== undefined };
}

/** Marks a route settled: a waiter waited out the routers' cache lifetime after seeing it (see lib/core routes). */
export async function settleRoute(eventType: string, keys: readonly string[], nowMs: number): Promise<void> {
  await written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: routeKey(eventType, keys),
        UpdateExpression: 'SET settled_at = if_not_exists(settled_at, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': nowMs },
      }),
    ),
  );
}

/** What the router reads first for an event type: its routes and its live waiters without a filter. */
export interface RoutesAndUnfiltered {
  routes: TypeRoutes;
  /** Live waiters with an empty filter. */
  unfiltered: WaiterRecord[];
}

/**
 * Key-sets of waits registered before routes existed (`WAITKEYS#<type>`), read once per type and execution
 * environment: nothing writes them any more, so what one read returns stays true.
 */
const legacyKeySets = new Map<string, Promise<string[][]>>();

function legacyKeySetsOf(eventType: string): Promise<string[][]> {
  let known = legacyKeySets.get(eventType);
  if (!known) {
    if (legacyKeySets.size >= 1_000) legacyKeySets.clear();
    known = queryAll({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `WAITKEYS#${eventType}` },
      ConsistentRead: true,
    }).then((items) =>
      items
        .map((item) => String(item.sk))
        .filter((sk) => sk !== '')
        .map((sk) => sk.split(',')),
    );
    // A failed read is tried again by the next event.
    known.catch(() => legacyKeySets.delete(eventType));
    legacyKeySets.set(eventType, known);
  }
  return known;
}

/**
 * The routes of an event type and its live waiters without a filter: one Query (paginated), since both live in the
 * partition `WAIT#<type>#<hash({})>`. Waits registered before an upgrade to routes count too: their key-sets from the
 * legacy items (one more Query per type and environment), and live waiters without a filter, which have no route
 * record, mark the type as having some, so that they are read on every event as those of today are.
 */
export async function findRoutes(eventType: string, nowMs: number): Promise<RoutesAndUnfiltered> {
  const legacy = legacyKeySetsOf(eventType);
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: '#status = :waiting OR attribute_exists(route_keys) OR attribute_exists(declared_at)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': routesPk(eventType), ':waiting': 'waiting' },
    ConsistentRead: true,
  });
  const out: RoutesAndUnfiltered = { routes: { keySets: [], unfiltered: false, declared: false }, unfiltered: [] };
  for (const item of items) {
    if (item.sk === DECLARED_SK) {
      out.routes.declared = true;
    } else if (typeof item.route_keys === 'string') {
      const keys = decodeRoute(item.route_keys);
      if (keys.length === 0) out.routes.unfiltered = true;
      else out.routes.keySets.push(keys);
    } else if (isAlive(item.expires_at as number, nowMs)) {
      out.unfiltered.push(item as unknown as WaiterRecord);
    }
  }
  if (out.unfiltered.length > 0) out.routes.unfiltered = true;
  const known = new Set(out.routes.keySets.map((keys) => encodeRoute(keys)));
  for (const keys of await legacy) {
    if (!known.has(encodeRoute(keys))) out.routes.keySets.push(keys);
  }
  // A wait registered without a declaration (a version from before declarations) declares its type as well.
  if (out.routes.keySets.length > 0 || out.routes.unfiltered) out.routes.declared = true;
  return out;
}

/** The live waiters under one key (one Query, paginated; expiry checked here since TTL deletes late). */
export async function findWaiting(eventType: string, hash: string, nowMs: number): Promise<WaiterRecord[]> {
  const items = await queryAll<WaiterRecord>({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: '#status = :waiting',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': waiterPk(eventType, hash), ':waiting': 'waiting' },
    ConsistentRead: true,
  });
  return items.filter((item) => isAlive(item.expires_at, nowMs));
}

async function transition(
  w: Pick<WaiterRecord, 'pk' | 'sk' | 'task_token'>,
  from: readonly WaiterStatus[],
  to: WaiterStatus,
  extra: Record<string, unknown>,
): Promise<boolean> {
  const names = Object.keys(extra);
  const values: Record<string, unknown> = { ':to': to, ':token': w.task_token };
  from.forEach((s, i) => {
    values[`:from${i}`] = s;
  });
  for (const n of names) values[`:${n}`] = extra[n];
  return written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: w.pk, sk: w.sk },
        UpdateExpression: `SET #status = :to${names.map((n) => `, ${n} = :${n}`).join('')}`,
        ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')}) AND task_token = :token`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/** Claims a waiter for an event (waiting → matched): true for exactly one claimant. */
export function claimWaiter(w: WaiterRecord, eventId: string, now: Date): Promise<boolean> {
  return transition(w, ['waiting'], 'matched', { matched_event_id: eventId, matched_at: now.toISOString() });
}

/** Gives a claim back (matched → waiting) when the resume could not be delivered, so a later delivery can retry. */
export function releaseWaiter(w: WaiterRecord, eventId: string): Promise<boolean> {
  return transition(w, ['matched'], 'waiting', { matched_event_id: null, released_event_id: eventId });
}

/** The task behind the token is gone (timed out, run stopped): the waiter is expired. */
export function expireWaiter(w: WaiterRecord, now: Date): Promise<boolean> {
  return transition(w, ['waiting', 'matched'], 'expired', { expired_at: now.toISOString() });
}

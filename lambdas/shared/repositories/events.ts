import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import type { StewardEvent } from '../../../lib/core/events/types.ts';
import { expiresAt, isAlive, retentionDays } from '../../../lib/core/routing/expiry.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure, written } from './conditions.ts';
import { queryAll } from './drain.ts';

/**
 * Events and early events (history table).
 * - event:       pk `EVT#<id>` sk `META`, `data` kept as JSON text in `data_json`; gsi1 `EVENTS` / `<timestamp>#<id>`, gsi2 `CORR#<correlation_id>` /
 *                `EVT#<timestamp>#<id>`, gsi3 `EVTTYPE#<type>` / `<timestamp>#<id>`
 * - early event: pk `EARLY#<event_type>#<filter hash>` sk `<received_at>#<event id>` (received_at: the router's clock,
 *                so a waiter can ask for "events since t"), `expires_at` = received + keep time
 * - event use:   pk `EVTUSE#<event id>` sk `<execution id>`: the event resumed a wait of that run (one event resumes
 *                each run at most once), `expires_at` = when the event can no longer be seen by any waiter
 */

const TABLE = requireEnv(ENV.historyTable);
const RETENTION_SECONDS = retentionDays(process.env[ENV.historyRetentionDays]) * 86_400;

/** A stored event: the event plus when Steward received it and how many waiters it resumed. */
export interface StoredEvent extends StewardEvent {
  received_at: string;
  matched?: number;
  published_at?: string;
}

const toEvent = (item: Record<string, unknown>): StoredEvent => ({
  id: item.id as string,
  type: item.type as string,
  source: item.source as string,
  timestamp: item.timestamp as string,
  ...(item.correlation_id ? { correlation_id: item.correlation_id as string } : {}),
  data: JSON.parse(String(item.data_json ?? '{}')) as Record<string, unknown>,
  received_at: item.received_at as string,
  matched: Number(item.matched ?? 0),
  ...(item.published_at ? { published_at: item.published_at as string } : {}),
});

/** Stores an event once. Returns `created: false` with the stored one when its id was seen before. */
export async function putEvent(
  event: StewardEvent,
  now: Date,
): Promise<{ created: true; event: StoredEvent } | { created: false; event: StoredEvent }> {
  const sortKey = `${event.timestamp}#${event.id}`;
  const stored: StoredEvent = { ...event, received_at: now.toISOString(), matched: 0 };
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: `EVT#${event.id}`,
          sk: 'META',
          ...stored,
          // As JSON text: any JSON the caller sent round-trips, where DynamoDB numbers would refuse 1e200 or lose
          // digits past 38, and empty sets or nested nulls would change shape.
          data: undefined,
          data_json: JSON.stringify(event.data),
          gsi1pk: 'EVENTS',
          gsi1sk: sortKey,
          ...(event.correlation_id ? { gsi2pk: `CORR#${event.correlation_id}`, gsi2sk: `EVT#${sortKey}` } : {}),
          gsi3pk: `EVTTYPE#${event.type}`,
          gsi3sk: sortKey,
          expires_at: expiresAt(now.getTime(), RETENTION_SECONDS),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { created: true, event: stored };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = await getEvent(event.id);
    if (!existing) throw error;
    return { created: false, event: existing };
  }
}

/** Reads one event. */
export async function getEvent(id: string): Promise<StoredEvent | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: { pk: `EVT#${id}`, sk: 'META' } }));
  return out.Item ? toEvent(out.Item) : undefined;
}

/**
 * Adds to the count of runs an event resumed. Every path that resumes a waiter counts here (POST /events, the bus
 * router, a waiter meeting an early event), so `matched` on the event is the number of runs it resumed. An event
 * whose item is gone (expired) has nothing to count on.
 */
export async function addMatched(id: string, n: number): Promise<void> {
  if (n === 0) return;
  await written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `EVT#${id}`, sk: 'META' },
        UpdateExpression: 'ADD matched :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':n': n },
      }),
    ),
  );
}

/** Filters of an event listing; `from`/`to` bound the event timestamp (ISO 8601). */
export interface EventQuery {
  type?: string;
  correlationId?: string;
  from?: string;
  to?: string;
  limit: number;
  startKey?: Record<string, unknown>;
}

/**
 * Lists events newest first through the narrowest index: by correlation id (gsi2), else by type (gsi3), else all
 * (gsi1). A type filter together with a correlation id is applied to the correlation's events.
 */
export async function listEvents(q: EventQuery): Promise<{ items: StoredEvent[]; lastKey?: Record<string, unknown> }> {
  const [index, pk, prefix] = q.correlationId
    ? ['gsi2', `CORR#${q.correlationId}`, 'EVT#']
    : q.type
      ? ['gsi3', `EVTTYPE#${q.type}`, '']
      : ['gsi1', 'EVENTS', ''];
  const lo = `${prefix}${q.from ?? '0000'}`;
  // `~` sorts after every character a timestamp or id uses: `to` is inclusive of the whole instant.
  const hi = `${prefix}${q.to ?? ''}~`;
  const useType = q.correlationId !== undefined && q.type !== undefined;
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: index,
      KeyConditionExpression: `${index}pk = :pk AND ${index}sk BETWEEN :lo AND :hi`,
      FilterExpression: useType ? '#type = :type' : undefined,
      ExpressionAttributeNames: useType ? { '#type': 'type' } : undefined,
      ExpressionAttributeValues: { ':pk': pk, ':lo': lo, ':hi': hi, ...(useType ? { ':type': q.type } : {}) },
      ScanIndexForward: false,
      Limit: q.limit,
      ExclusiveStartKey: q.startKey,
    }),
  );
  return { items: (out.Items ?? []).map(toEvent), lastKey: out.LastEvaluatedKey };
}

/** Keeps an event under one filter key for waiters that register later. */
export async function putEarlyEvent(
  eventType: string,
  hash: string,
  event: StoredEvent,
  keepSeconds: number,
  nowMs: number,
): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        pk: `EARLY#${eventType}#${hash}`,
        sk: `${event.received_at}#${event.id}`,
        event_json: JSON.stringify(plainEvent(event)),
        expires_at: expiresAt(nowMs, keepSeconds),
      },
    }),
  );
}

/** The event as published and answered to waiters: the seed's shape, without Steward's bookkeeping. */
export const plainEvent = (e: StoredEvent): StewardEvent => ({
  id: e.id,
  type: e.type,
  source: e.source,
  timestamp: e.timestamp,
  ...(e.correlation_id ? { correlation_id: e.correlation_id } : {}),
  data: e.data,
});

/**
 * Live early events under one filter key, oldest first; `sinceIso`/`untilIso` bound their receive time.
 * One Query (paginated).
 */
export async function findEarlyEvents(
  eventType: string,
  hash: string,
  nowMs: number,
  sinceIso = '0000',
  untilIso = '~',
): Promise<StewardEvent[]> {
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':pk': `EARLY#${eventType}#${hash}`, ':lo': sinceIso, ':hi': `${untilIso}~` },
    ConsistentRead: true,
  });
  return items
    .filter((item) => isAlive(item.expires_at as number, nowMs))
    .map((item) => JSON.parse(String(item.event_json)) as StewardEvent);
}

/**
 * Claims an event for one run (conditional put): true for exactly one claimant, false when the event already resumed
 * a wait of this run. Kept until `expiresAtSeconds` (after which no waiter can see the event any more).
 */
export async function claimEventForRun(
  eventId: string,
  executionId: string,
  step: string,
  expiresAtSeconds: number,
): Promise<boolean> {
  return written(
    ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `EVTUSE#${eventId}`, sk: executionId, step, expires_at: expiresAtSeconds },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/** Gives an event's claim on a run back (its resume could not be delivered), if this step still holds it. */
export async function releaseEventForRun(eventId: string, executionId: string, step: string): Promise<void> {
  await written(
    ddb.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: { pk: `EVTUSE#${eventId}`, sk: executionId },
        ConditionExpression: 'step = :step',
        ExpressionAttributeValues: { ':step': step },
      }),
    ),
  );
}

/** Records that the event went out on the bus, so a redelivered POST publishes only what was not published. */
export async function markPublished(id: string, now: Date): Promise<void> {
  await ddb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: `EVT#${id}`, sk: 'META' },
      UpdateExpression: 'SET published_at = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': now.toISOString() },
    }),
  );
}

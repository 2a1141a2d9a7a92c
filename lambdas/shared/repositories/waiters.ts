import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { isAlive } from '../../../lib/core/routing/expiry.ts';
import { decodeKeySet, type EventFilter, encodeKeySet } from '../../../lib/core/routing/filters.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { queryAll } from './drain.ts';

/**
 * Event waiters (history table).
 * - waiter:   pk `WAIT#<event_type>#<filter hash>` sk `<execution_id>#<step>`; status waiting → matched | expired
 * - key-sets: pk `WAITKEYS#<event_type>` sk `<sorted filter keys joined by ,>`, with `created_at` (kept without TTL:
 *   a workflow's filters are few and long-lived, and the router must not forget one while a waiter still uses it)
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

/**
 * Stores a waiter (status waiting). A waiter of the same execution and step is replaced (a step re-entered after a
 * timeout waits again with a new token); the same token again is a repeated invocation and changes nothing.
 * Returns false in that case.
 */
export async function putWaiter(w: Omit<WaiterRecord, 'pk' | 'sk' | 'status'>): Promise<boolean> {
  try {
    await ddb.send(
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
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Adds a key-set to the event type's list; returns when it was first seen (ms). */
export async function addKeySet(eventType: string, keys: readonly string[], nowMs: number): Promise<number> {
  // The empty key-set (a wait without a filter) is never stored: DynamoDB refuses an empty sort key, and the router
  // always routes under it anyway.
  if (keys.length === 0) return nowMs;
  const out = await ddb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { pk: `WAITKEYS#${eventType}`, sk: encodeKeySet(keys) },
      UpdateExpression: 'SET created_at = if_not_exists(created_at, :now), last_used_at = :now',
      ExpressionAttributeValues: { ':now': nowMs },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Number(out.Attributes?.created_at ?? nowMs);
}

/** The key-sets in use for an event type (one Query). */
export async function listKeySets(eventType: string): Promise<string[][]> {
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `WAITKEYS#${eventType}` },
    ConsistentRead: true,
  });
  return items.map((item) => decodeKeySet(String(item.sk)));
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
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: w.pk, sk: w.sk },
        UpdateExpression: `SET #status = :to${names.map((n) => `, ${n} = :${n}`).join('')}`,
        ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')}) AND task_token = :token`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
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

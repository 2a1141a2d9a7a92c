import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import type { Alert, AlertState } from '../../../lib/core/supervision/alerts.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';

/**
 * Alerts (registry table). Keys, with `<h>` = a hash of the alert key (keys may hold any characters):
 * - pointer:     pk `ALERT#<h>`  sk `META`            (`open_sk` of the open occurrence, `version`): the dedup anchor
 * - occurrence:  pk `ALERT#<h>`  sk `OCC#<opened_at>` gsi1 `ALERTS` / `<opened ISO>#<h>`,
 *                                                      gsi2 `ALERTSTATE#<state>` / `<opened ISO>#<h>`
 * An occurrence runs from opening to resolution and stays as history. The alert id is `<h>.<opened_at>`.
 */
const TABLE = requireEnv(ENV.registryTable);

/** A stored occurrence with its id and version. */
export interface AlertRecord extends Alert {
  alert_id: string;
  version: number;
}

const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 20);
const occSk = (openedAt: number): string => `OCC#${String(openedAt).padStart(15, '0')}`;

/** Splits an alert id; undefined when malformed. */
export function parseAlertId(id: string): { h: string; openedAt: number } | undefined {
  const m = /^([0-9a-f]{20})\.(\d{1,15})$/.exec(id);
  return m ? { h: m[1]!, openedAt: Number(m[2]) } : undefined;
}

function toItem(h: string, a: AlertRecord): Record<string, unknown> {
  const opened = new Date(a.opened_at).toISOString();
  return {
    pk: `ALERT#${h}`,
    sk: occSk(a.opened_at),
    gsi1pk: 'ALERTS',
    gsi1sk: `${opened}#${h}`,
    gsi2pk: `ALERTSTATE#${a.state}`,
    gsi2sk: `${opened}#${h}`,
    ...a,
  };
}

const strip = (i: Record<string, unknown>): AlertRecord => {
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, ...rest } = i;
  return rest as unknown as AlertRecord;
};

/** The open (or acknowledged) occurrence for a key, with the pointer's version. */
export async function currentAlert(key: string): Promise<{ alert?: AlertRecord; pointerVersion: number }> {
  const h = hashKey(key);
  const ptr = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: { pk: `ALERT#${h}`, sk: 'META' }, ConsistentRead: true }),
  );
  const pointerVersion = Number(ptr.Item?.version ?? 0);
  const openSk = ptr.Item?.open_sk as string | undefined;
  if (!openSk) return { pointerVersion };
  const occ = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: { pk: `ALERT#${h}`, sk: openSk }, ConsistentRead: true }),
  );
  return { alert: occ.Item ? strip(occ.Item) : undefined, pointerVersion };
}

/**
 * Opens a new occurrence: first claims the pointer (conditional on its version, so concurrent signals open one
 * alert), then writes the occurrence. False when another writer opened it first.
 */
export async function openAlert(alert: Alert, pointerVersion: number): Promise<AlertRecord | undefined> {
  const h = hashKey(alert.key);
  const record: AlertRecord = { ...alert, alert_id: `${h}.${alert.opened_at}`, version: 1 };
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: `ALERT#${h}`,
          sk: 'META',
          key: alert.key,
          open_sk: occSk(alert.opened_at),
          version: pointerVersion + 1,
        },
        ConditionExpression: pointerVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
        ExpressionAttributeValues: pointerVersion === 0 ? undefined : { ':v': pointerVersion },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
  await ddb.send(
    new PutCommand({ TableName: TABLE, Item: toItem(h, record), ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  return record;
}

/** Saves a changed occurrence if still at its version; a resolved one also frees the pointer. */
export async function saveAlert(next: Alert, current: AlertRecord): Promise<AlertRecord | undefined> {
  const h = hashKey(next.key);
  const record: AlertRecord = { ...next, alert_id: current.alert_id, version: current.version + 1 };
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: toItem(h, record),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': current.version },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
  if (record.state === 'resolved') {
    await ddb
      .send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: `ALERT#${h}`, sk: 'META' },
          UpdateExpression: 'REMOVE open_sk ADD version :one',
          ConditionExpression: 'open_sk = :sk',
          ExpressionAttributeValues: { ':sk': occSk(record.opened_at), ':one': 1 },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
  return record;
}

/** Reads an occurrence by its id. */
export async function getAlert(alertId: string): Promise<AlertRecord | undefined> {
  const parsed = parseAlertId(alertId);
  if (!parsed) return undefined;
  const out = await ddb.send(
    new GetCommand({
      TableName: TABLE,
      Key: { pk: `ALERT#${parsed.h}`, sk: occSk(parsed.openedAt) },
      ConsistentRead: true,
    }),
  );
  return out.Item ? strip(out.Item) : undefined;
}

/** A page of alerts, newest first; by state when given. */
export async function listAlerts(options: {
  limit: number;
  state?: AlertState;
  startKey?: Record<string, unknown>;
}): Promise<{ items: AlertRecord[]; lastKey?: Record<string, unknown> }> {
  const byState = options.state !== undefined;
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: byState ? 'gsi2' : 'gsi1',
      KeyConditionExpression: byState ? 'gsi2pk = :pk' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': byState ? `ALERTSTATE#${options.state}` : 'ALERTS' },
      ScanIndexForward: false,
      Limit: options.limit,
      ExclusiveStartKey: options.startKey,
    }),
  );
  return { items: (out.Items ?? []).map(strip), lastKey: out.LastEvaluatedKey };
}

import { BatchGetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import type { CheckState } from '../../../lib/core/supervision/health.ts';
import type { PhiState } from '../../../lib/core/supervision/phi.ts';
import { ddb } from '../clients/dynamodb.ts';
import { optionalEnv, requireEnv } from '../config.ts';
import type { ProbeResult } from '../probes/types.ts';
import { isConditionFailure } from './conditions.ts';
import { queryAll } from './drain.ts';

/**
 * Health of each check. Keys:
 * - registry, latest state of a check:  pk `SVC#<id>`     sk `CHECK#<check name>` (conditional on `version`)
 * - history, one recorded result:       pk `HEALTH#<id>`  sk `<ISO time>#<check name>`, TTL in `expires_at`
 * Results are recorded only when a check's status changes, plus a heartbeat every few minutes, so a steady fleet
 * costs almost no writes however often it is probed.
 */
const REGISTRY = requireEnv(ENV.registryTable);
const HISTORY = requireEnv(ENV.historyTable);
const RETENTION_DAYS = Number(optionalEnv(ENV.historyRetentionDays, '30'));

/** The stored state of one check. */
export interface CheckRecord extends CheckState {
  service_id: string;
  check: string;
  last_result?: ProbeResult;
  last_checked_at?: string;
  phi?: PhiState;
  /** Phi when the prober last evaluated the check (phi-accrual only), with that time (epoch ms). */
  phi_value?: number;
  phi_at?: number;
  /** Phi at or above the threshold at that time: the check counts as unhealthy whatever its count. */
  suspected?: boolean;
  /** When this item was last written (epoch ms): drives the heartbeat. */
  written_at: number;
  version: number;
}

/** Everything the registry holds under a service's partition: META, checks, restart state (one Query). */
export async function servicePartition(serviceId: string): Promise<Record<string, unknown>[]> {
  return queryAll({
    TableName: REGISTRY,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `SVC#${serviceId}` },
    ConsistentRead: true,
  });
}

/** The check records among a partition's items. */
export function checkRecordsOf(items: readonly Record<string, unknown>[]): CheckRecord[] {
  return items
    .filter((i) => String(i.sk).startsWith('CHECK#'))
    .map(({ pk: _p, sk: _s, ...rest }) => rest as unknown as CheckRecord);
}

/** Check records by (service, check) (BatchGetItem, 100 keys per call, unprocessed keys retried), by service id. */
export async function getCheckRecords(
  keys: ReadonlyArray<{ serviceId: string; check: string }>,
): Promise<Map<string, CheckRecord[]>> {
  const out = new Map<string, CheckRecord[]>();
  for (let i = 0; i < keys.length; i += 100) {
    let batch: Record<string, unknown>[] | undefined = keys
      .slice(i, i + 100)
      .map((k) => ({ pk: `SVC#${k.serviceId}`, sk: `CHECK#${k.check}` }));
    for (let round = 0; batch && batch.length > 0 && round < 5; round++) {
      const res = await ddb.send(new BatchGetCommand({ RequestItems: { [REGISTRY]: { Keys: batch } } }));
      for (const record of checkRecordsOf(res.Responses?.[REGISTRY] ?? [])) {
        out.set(record.service_id, [...(out.get(record.service_id) ?? []), record]);
      }
      batch = res.UnprocessedKeys?.[REGISTRY]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return out;
}

/** Writes a check's state if the stored version is `expected` (0: not yet stored). False when it lost a race. */
export async function saveCheck(record: CheckRecord, expected: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: REGISTRY,
        Item: { pk: `SVC#${record.service_id}`, sk: `CHECK#${record.check}`, ...record },
        ConditionExpression: expected === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
        ExpressionAttributeValues: expected === 0 ? undefined : { ':v': expected },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Appends a result to the health history (with TTL). */
export async function recordResult(
  serviceId: string,
  check: string,
  status: CheckState['status'],
  result: ProbeResult,
  at: number,
): Promise<void> {
  const iso = new Date(at).toISOString();
  await ddb.send(
    new PutCommand({
      TableName: HISTORY,
      Item: {
        pk: `HEALTH#${serviceId}`,
        sk: `${iso}#${check}`,
        check,
        check_status: status,
        ok: result.ok,
        latency_ms: result.latency_ms,
        status_code: result.status_code,
        message: result.message,
        at: iso,
        expires_at: Math.floor(at / 1000) + RETENTION_DAYS * 86_400,
      },
    }),
  );
}

/** Recent recorded results of a service, newest first. */
export async function recentResults(serviceId: string, limit: number): Promise<Record<string, unknown>[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: HISTORY,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `HEALTH#${serviceId}` },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map(({ pk: _p, sk: _s, expires_at: _e, ...rest }) => rest);
}

/** One page of a service's recorded results, newest first, within [from, to] (ISO times, both inclusive). */
export async function resultsPage(
  serviceId: string,
  q: { from?: string; to?: string; limit: number; startKey?: Record<string, unknown> },
): Promise<{ items: Record<string, unknown>[]; lastKey?: Record<string, unknown> }> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: HISTORY,
      // Sort keys are `<ISO time>#<check>`: `~` sorts after every character of a check name, so `to` is inclusive.
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': `HEALTH#${serviceId}`, ':lo': q.from ?? '0000', ':hi': `${q.to ?? '9999'}~` },
      ScanIndexForward: false,
      Limit: q.limit,
      ExclusiveStartKey: q.startKey,
    }),
  );
  return {
    items: (out.Items ?? []).map(({ pk: _p, sk: _s, expires_at: _e, ...rest }) => rest),
    lastKey: out.LastEvaluatedKey,
  };
}

/** Every recorded result of a service from `from` (ISO) on, oldest first, with only what uptime needs. */
export async function resultsSince(serviceId: string, from: string): Promise<Record<string, unknown>[]> {
  return queryAll({
    TableName: HISTORY,
    KeyConditionExpression: 'pk = :pk AND sk >= :lo',
    ExpressionAttributeNames: { '#at': 'at', '#check': 'check' },
    ExpressionAttributeValues: { ':pk': `HEALTH#${serviceId}`, ':lo': from },
    ProjectionExpression: '#at, #check, check_status, latency_ms',
  });
}

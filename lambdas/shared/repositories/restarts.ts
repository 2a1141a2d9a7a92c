import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import {
  initialRestartState,
  type RestartState,
  resetRestartState,
} from '../../../lib/core/supervision/restart-budget.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';

/**
 * Restart budgets. Keys (registry table):
 * - service budget:  pk `SVC#<id>`    sk `RESTARTS`  (RestartState + `version`)
 * - group intensity: pk `GRP#<name>`  sk `RESTARTS`  (`restarts`: epoch ms list + `version`)
 * Every write is conditional on the version read, so two probers or restarters that see the same failure issue
 * one restart: the loser's write fails and it does nothing.
 */
const TABLE = requireEnv(ENV.registryTable);

/** A restart state with its version (0 = not stored yet). */
export interface VersionedRestartState {
  state: RestartState;
  version: number;
}

/** Reads the restart state of a service from a partition item (or the table). */
export function restartStateOf(item: Record<string, unknown> | undefined): VersionedRestartState {
  if (!item) return { state: initialRestartState(), version: 0 };
  const { pk: _p, sk: _s, version, ...state } = item;
  return { state: state as unknown as RestartState, version: Number(version) };
}

/** Reads a service's restart state. */
export async function getRestartState(serviceId: string): Promise<VersionedRestartState> {
  const out = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: { pk: `SVC#${serviceId}`, sk: 'RESTARTS' }, ConsistentRead: true }),
  );
  return restartStateOf(out.Item);
}

/** Restart states of many services (BatchGetItem, 100 keys per call, unprocessed keys retried); absent = initial. */
export async function getRestartStates(serviceIds: readonly string[]): Promise<Map<string, RestartState>> {
  const states = new Map<string, RestartState>();
  for (let i = 0; i < serviceIds.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = serviceIds
      .slice(i, i + 100)
      .map((id) => ({ pk: `SVC#${id}`, sk: 'RESTARTS' }));
    for (let round = 0; keys && keys.length > 0 && round < 5; round++) {
      const out = await ddb.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: keys } } }));
      for (const item of out.Responses?.[TABLE] ?? []) {
        states.set(String(item.pk).slice('SVC#'.length), restartStateOf(item).state);
      }
      keys = out.UnprocessedKeys?.[TABLE]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  for (const id of serviceIds) if (!states.has(id)) states.set(id, initialRestartState());
  return states;
}

/** Writes a service's restart state if still at `expected`; false when another writer won. */
export async function saveRestartState(serviceId: string, state: RestartState, expected: number): Promise<boolean> {
  return conditionalPut({ pk: `SVC#${serviceId}`, sk: 'RESTARTS', ...state, version: expected + 1 }, expected);
}

/**
 * Clears a service's budget, backoff and `failed` mark (a retired name registered again starts afresh), retrying a
 * few times when a restarter or prober writes meanwhile. Nothing stored: nothing to clear.
 */
export async function resetRestartBudget(serviceId: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await getRestartState(serviceId);
    if (current.version === 0) return;
    if (await saveRestartState(serviceId, resetRestartState(current.state), current.version)) return;
  }
  throw new Error(`The restart budget of service ${serviceId} kept changing while it was being reset`);
}

/** Restarts a group decided, with the version. */
export async function getGroupRestarts(group: string): Promise<{ restarts: number[]; version: number }> {
  const out = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: { pk: `GRP#${group}`, sk: 'RESTARTS' }, ConsistentRead: true }),
  );
  return { restarts: (out.Item?.restarts as number[] | undefined) ?? [], version: Number(out.Item?.version ?? 0) };
}

/** Appends a group restart at `now`, keeping only those within `windowMs`; false when another writer won. */
export async function recordGroupRestart(group: string, now: number, windowMs: number): Promise<boolean> {
  const current = await getGroupRestarts(group);
  const restarts = [...current.restarts.filter((t) => t > now - windowMs), now];
  return conditionalPut(
    { pk: `GRP#${group}`, sk: 'RESTARTS', restarts, version: current.version + 1 },
    current.version,
  );
}

async function conditionalPut(item: Record<string, unknown>, expected: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: item,
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

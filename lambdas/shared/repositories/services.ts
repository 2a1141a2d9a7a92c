import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { effectiveBaseUrl } from '../../../lib/core/supervision/defaults.ts';
import { type MergeableRecord, mergeServiceSpec, type ServiceSource } from '../../../lib/core/supervision/discovery.ts';
import type { HealthStatus } from '../../../lib/core/supervision/health.ts';
import type { LifecycleState } from '../../../lib/core/supervision/lifecycle.ts';
import type { GroupSpec, ServiceSpec } from '../../../lib/core/supervision/manifest.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';
import { queryAll } from './drain.ts';

/**
 * The service registry (registry table). Keys:
 * - service:    pk `SVC#<id>`        sk `META`   gsi1 `SERVICES` / `<name>`, gsi2 `SVCSTATUS#<lifecycle>` / `<name>`
 * - name lock:  pk `SVCNAME#<name>`  sk `META`   (`service_id`: names are unique; kept after retirement so a
 *               re-registered name gets its old id and history back)
 * - group:      pk `GRP#<name>`      sk `META`   gsi1 `GROUPS` / `<name>` (the supervision tree from the manifest)
 * `status` is the lifecycle state; `health` the rolled-up health. Every change is conditional on `version`.
 */
const TABLE = requireEnv(ENV.registryTable);

/** A service as stored. */
export interface ServiceRecord extends MergeableRecord {
  id: string;
  name: string;
  /** Lifecycle state (000_…). */
  status: LifecycleState;
  health: HealthStatus;
  health_changed_at?: string;
  /** Last HTTP status code seen by an http check (002's `statusCode`). */
  last_status_code?: number;
  source: ServiceSource;
  created_at: string;
  updated_at: string;
  retired_at?: string;
  /** Scan that found it (`ecs:<cluster>`, `cloudmap:<namespace id>`), for marking what disappeared. */
  discovered_by?: string;
  /** Set when the scan that found it no longer does; cleared when it is seen again. */
  disappeared_at?: string;
  version: number;
}

const key = (id: string): { pk: string; sk: string } => ({ pk: `SVC#${id}`, sk: 'META' });
const nameKey = (name: string): { pk: string; sk: string } => ({ pk: `SVCNAME#${name}`, sk: 'META' });

/** True for DynamoDB's conditional-check failure. */

function strip(item: Record<string, unknown> | undefined): ServiceRecord | undefined {
  if (!item) return undefined;
  const { pk: _a, sk: _b, gsi1pk: _c, gsi1sk: _d, gsi2pk: _e, gsi2sk: _f, base_url: _g, ...rest } = item;
  return rest as unknown as ServiceRecord;
}

function toItem(r: ServiceRecord): Record<string, unknown> {
  // `base_url` at the top is the resolved address (default from name + port): the step runner reads it directly.
  return {
    ...key(r.id),
    gsi1pk: 'SERVICES',
    gsi1sk: r.name,
    gsi2pk: `SVCSTATUS#${r.status}`,
    gsi2sk: r.name,
    ...r,
    base_url: effectiveBaseUrl(r.spec),
  };
}

/** Reads a service by id. */
export async function getService(id: string): Promise<ServiceRecord | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: key(id), ConsistentRead: true }));
  return strip(out.Item);
}

/** Reads a service by name (through its name lock). */
export async function getServiceByName(name: string): Promise<ServiceRecord | undefined> {
  const lock = await ddb.send(new GetCommand({ TableName: TABLE, Key: nameKey(name), ConsistentRead: true }));
  const id = lock.Item?.service_id as string | undefined;
  return id ? getService(id) : undefined;
}

/** A page of services, by name; by lifecycle state when `status` is given. */
export async function listServices(options: {
  limit: number;
  status?: LifecycleState;
  startKey?: Record<string, unknown>;
}): Promise<{ items: ServiceRecord[]; lastKey?: Record<string, unknown> }> {
  const byStatus = options.status !== undefined;
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: byStatus ? 'gsi2' : 'gsi1',
      KeyConditionExpression: byStatus ? 'gsi2pk = :pk' : 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': byStatus ? `SVCSTATUS#${options.status}` : 'SERVICES' },
      Limit: options.limit,
      ExclusiveStartKey: options.startKey,
    }),
  );
  return { items: (out.Items ?? []).map((i) => strip(i)!), lastKey: out.LastEvaluatedKey };
}

/** Every service in the given lifecycle states (paginated Queries on gsi2, never a Scan). */
export async function allServices(states: readonly LifecycleState[]): Promise<ServiceRecord[]> {
  const all: ServiceRecord[] = [];
  for (const status of states) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await listServices({ limit: 500, status, startKey });
      all.push(...page.items);
      startKey = page.lastKey;
    } while (startKey);
  }
  return all;
}

/** Thrown when a name is taken by a live service. */
export class ServiceExistsError extends Error {
  override readonly name = 'ServiceExistsError';
  constructor(readonly existing: ServiceRecord) {
    super(`A service named '${existing.name}' is already registered`);
  }
}

/** Lost an optimistic-locking race: the caller re-reads and decides again. */
export class StaleServiceError extends Error {
  override readonly name = 'StaleServiceError';
}

/**
 * Registers or refreshes a service. `api`: a new name (or a retired one) only, else ServiceExistsError.
 * `deployment` and `discovery`: upsert, merged so discovery never overwrites fields a user set.
 * Returns the record and whether it was created (or brought back from retirement: `revived`, the caller then
 * clears the old restart budget with `resetRestartBudget`).
 */
export async function registerManagedService(
  spec: ServiceSpec,
  source: ServiceSource,
): Promise<{ record: ServiceRecord; created: boolean; changed: boolean; revived?: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await getServiceByName(spec.name);
    const now = new Date().toISOString();
    if (!existing) {
      const id = await claimName(spec.name);
      const merged = mergeServiceSpec(undefined, spec, source);
      const record: ServiceRecord = {
        id,
        name: spec.name,
        spec: merged.spec,
        user_fields: merged.user_fields,
        status: source === 'discovery' ? 'discovered' : 'registered',
        health: 'unknown',
        source,
        created_at: now,
        updated_at: now,
        version: 1,
      };
      try {
        await ddb.send(
          new PutCommand({ TableName: TABLE, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return { record, created: true, changed: true };
      } catch (error) {
        if (isConditionFailure(error)) continue;
        throw error;
      }
    }
    const revive = existing.status === 'retired' && source !== 'discovery';
    // A user (API or deployment) registering what discovery found adopts it: discovered → registered.
    const adopt = existing.status === 'discovered' && source !== 'discovery';
    if (source === 'api' && !revive && !adopt) throw new ServiceExistsError(existing);
    // A retired name comes back with its id and history only: the new request is the whole spec, so fields it
    // did not send take their defaults instead of the retired service's values.
    const merged = mergeServiceSpec(revive ? undefined : existing, spec, source);
    if (!merged.changed && !revive && !adopt) return { record: existing, created: false, changed: false };
    const record: ServiceRecord = revive
      ? {
          id: existing.id,
          name: existing.name,
          spec: merged.spec,
          user_fields: merged.user_fields,
          status: 'registered',
          health: 'unknown',
          source,
          created_at: existing.created_at,
          updated_at: now,
          version: existing.version + 1,
        }
      : {
          ...existing,
          spec: merged.spec,
          user_fields: merged.user_fields,
          status: adopt ? 'registered' : existing.status,
          source: adopt ? source : existing.source,
          updated_at: now,
          version: existing.version + 1,
        };
    try {
      await putIfVersion(record, existing.version);
      return { record, created: revive || adopt, changed: true, revived: revive };
    } catch (error) {
      if (error instanceof StaleServiceError) continue;
      throw error;
    }
  }
  throw new StaleServiceError(`Service '${spec.name}' kept changing while it was being registered`);
}

async function claimName(name: string): Promise<string> {
  const id = randomUUID();
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...nameKey(name), service_id: id },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return id;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // The name is locked but its record is missing (a write that died half-way): reuse the locked id.
    const lock = await ddb.send(new GetCommand({ TableName: TABLE, Key: nameKey(name), ConsistentRead: true }));
    return lock.Item?.service_id as string;
  }
}

/** Writes a whole record if its stored version is still `expected`; StaleServiceError otherwise. */
export async function putIfVersion(record: ServiceRecord, expected: number): Promise<void> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: toItem(record),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': expected },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new StaleServiceError(`Service '${record.name}' changed concurrently`);
    throw error;
  }
}

/**
 * Records a new rolled-up health, only if the stored health is still `from` (so two probers report a change once).
 * Returns false when another writer got there first.
 */
export async function setServiceHealth(
  id: string,
  from: HealthStatus,
  to: HealthStatus,
  at: string,
  extra: { lifecycle?: LifecycleState; lastStatusCode?: number } = {},
): Promise<boolean> {
  const names: Record<string, string> = { '#h': 'health' };
  const values: Record<string, unknown> = { ':from': from, ':to': to, ':at': at, ':one': 1 };
  let update = 'SET #h = :to, health_changed_at = :at, updated_at = :at ADD version :one';
  if (extra.lastStatusCode !== undefined) {
    update = update.replace('SET ', 'SET last_status_code = :code, ');
    values[':code'] = extra.lastStatusCode;
  }
  if (extra.lifecycle) {
    names['#s'] = 'status';
    values[':life'] = extra.lifecycle;
    values[':gsi2'] = `SVCSTATUS#${extra.lifecycle}`;
    update = update.replace('SET ', 'SET #s = :life, gsi2pk = :gsi2, ');
  }
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key(id),
        UpdateExpression: update,
        ConditionExpression: 'attribute_exists(pk) AND #h = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Stores the supervision groups of the manifest (deploy time). */
export async function registerGroups(groups: readonly GroupSpec[]): Promise<void> {
  for (const g of groups) {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `GRP#${g.name}`, sk: 'META', gsi1pk: 'GROUPS', gsi1sk: g.name, spec: g },
      }),
    );
  }
}

/** Every supervision group. */
export async function listGroups(): Promise<GroupSpec[]> {
  const items = await queryAll({
    TableName: TABLE,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': 'GROUPS' },
  });
  return items.map((i) => i.spec as GroupSpec);
}

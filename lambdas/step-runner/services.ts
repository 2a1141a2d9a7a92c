import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../lib/core/env.ts';
import { STEWARD_ERRORS } from '../../lib/core/runtime-contract.ts';
import { isServiceAuth, type ServiceAuth } from '../../lib/core/supervision/auth.ts';
import { ddb } from '../shared/clients/dynamodb.ts';
import { requireEnv } from '../shared/config.ts';
import { StepError } from './errors.ts';

/**
 * Resolves a service name to its registry entry (registry table: `SVC#<id>`/`META`, found by gsi1 `SERVICES` /
 * `<name>`), with a 30-second in-memory cache per warm Lambda: a registry read per step call would double the
 * runner's DynamoDB traffic, and a moved service is picked up within half a minute.
 */

const TABLE = requireEnv(ENV.registryTable);
const CACHE_MS = 30_000;

/** What the runner needs of a service. */
export interface ResolvedService {
  id: string;
  name: string;
  baseUrl: string;
  /** How calls authenticate (a secret reference or SigV4); validated when registered. */
  auth?: ServiceAuth;
}

const cache = new Map<string, { at: number; service: ResolvedService | undefined }>();

/** Forgets cached entries (tests, and a runner that saw the service answer 404 for a moved base URL). */
export function clearServiceCache(): void {
  cache.clear();
}

async function lookup(name: string): Promise<ResolvedService | undefined> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :name',
      ExpressionAttributeValues: { ':pk': 'SERVICES', ':name': name },
    }),
  );
  const item = out.Items?.[0];
  if (!item || item.status === 'retired' || item.retired_at || typeof item.base_url !== 'string') return undefined;
  const id = String(item.service_id ?? item.id ?? String(item.pk).replace(/^SVC#/, ''));
  const spec = item.spec as { auth?: unknown } | undefined;
  if (spec?.auth === undefined) return { id, name, baseUrl: item.base_url };
  if (!isServiceAuth(spec.auth)) {
    throw new StepError(
      STEWARD_ERRORS.serviceNotFound,
      `Service '${name}' has an invalid auth spec: register it again`,
    );
  }
  return { id, name, baseUrl: item.base_url, auth: spec.auth };
}

/** The service named `name`; throws `Steward.ServiceNotFound` when it is unknown, retired or has no base URL. */
export async function resolveService(name: string, nowMs = Date.now()): Promise<ResolvedService> {
  const hit = cache.get(name);
  const service = hit && nowMs - hit.at < CACHE_MS ? hit.service : await lookup(name);
  if (!hit || nowMs - hit.at >= CACHE_MS) cache.set(name, { at: nowMs, service });
  if (!service) {
    throw new StepError(STEWARD_ERRORS.serviceNotFound, `Service '${name}' is not registered (or retired)`);
  }
  return service;
}

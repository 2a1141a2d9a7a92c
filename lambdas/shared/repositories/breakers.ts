import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { type BreakerState, INITIAL_BREAKER } from '../../../lib/core/resilience/circuit-breaker.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { written } from './conditions.ts';

/**
 * Circuit breaker state per service (registry table, pk `SVC#<service id>`, sk `BREAKER`), shared by every step
 * runner. Writes are conditional on `version` (optimistic locking): a runner that lost a race re-reads and re-applies.
 */

const TABLE = requireEnv(ENV.registryTable);

/** A breaker state with the version it was read at (0: no item yet). */
export interface VersionedBreaker {
  state: BreakerState;
  version: number;
}

const key = (serviceId: string): { pk: string; sk: string } => ({ pk: `SVC#${serviceId}`, sk: 'BREAKER' });

/** Reads a service's breaker (a service that never had one is closed). */
export async function readBreaker(serviceId: string): Promise<VersionedBreaker> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: key(serviceId), ConsistentRead: true }));
  if (!out.Item) return { state: INITIAL_BREAKER, version: 0 };
  const i = out.Item;
  return {
    version: Number(i.version ?? 0),
    state: {
      state: i.state,
      window: String(i.window ?? ''),
      openedAt: i.opened_at,
      halfOpenSince: i.half_open_since,
      trialsStarted: Number(i.trials_started ?? 0),
      trialFailures: Number(i.trial_failures ?? 0),
      trialSuccesses: Number(i.trial_successes ?? 0),
    },
  };
}

/** Writes `next` if the item is still at `version`; false when another runner wrote first. */
export async function writeBreaker(
  serviceId: string,
  next: BreakerState,
  version: number,
  now = new Date(),
): Promise<boolean> {
  return written(
    ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...key(serviceId),
          service_id: serviceId,
          state: next.state,
          window: next.window,
          opened_at: next.openedAt,
          half_open_since: next.halfOpenSince,
          trials_started: next.trialsStarted,
          trial_failures: next.trialFailures,
          trial_successes: next.trialSuccesses,
          version: version + 1,
          updated_at: now.toISOString(),
        },
        ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
        ExpressionAttributeValues: version === 0 ? undefined : { ':v': version },
      }),
    ),
  );
}

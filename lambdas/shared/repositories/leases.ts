import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';

/**
 * Prober leases (registry table, pk `LEASE#<shard>` sk `META`): one prober per shard at a time. A lease is taken
 * with a conditional write that succeeds only when there is none, it has expired, or the caller already holds it,
 * so an invocation that overruns its minute is never joined by the next one.
 */
const TABLE = requireEnv(ENV.registryTable);

/** Takes or renews the lease of `shard` for `ttlMs`; false when someone else holds it. */
export async function acquireLease(shard: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `LEASE#${shard}`, sk: 'META', owner, lease_until: now + ttlMs, acquired_at: now },
        ConditionExpression: 'attribute_not_exists(pk) OR lease_until < :now OR #o = :owner',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':now': now, ':owner': owner },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Releases a lease the caller holds (no-op otherwise). */
export async function releaseLease(shard: string, owner: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: { pk: `LEASE#${shard}`, sk: 'META' },
        ConditionExpression: '#o = :owner',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

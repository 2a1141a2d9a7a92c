import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { expiresAt, openExpiresAt, retentionDays } from '../../../lib/core/routing/expiry.ts';
import type { StepResult } from '../../../lib/core/runtime-contract.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure, written } from './conditions.ts';

/**
 * Joins of exact DAGs (history table), and the step-record fields they read.
 * - join: pk `EXEC#<id>` sk `JOIN#<step key>`; status waiting → released; kept while it waits, however long its
 *   dependencies take, and for the history's retention once released (TTL).
 * A dependency has ended when its step record (`STEP#<key>`, the record the history already keeps) is completed or
 * failed_continued, or carries `join_result` (written by a `complete` task for steps the step runner did not run).
 */

const TABLE = requireEnv(ENV.historyTable);
const RETENTION_SECONDS = retentionDays(process.env[ENV.historyRetentionDays]) * 86_400;

export type JoinStatus = 'waiting' | 'released';

/** A join as stored. */
export interface JoinRecord {
  pk: string;
  sk: string;
  execution_id: string;
  /** The joining step. */
  step: string;
  /** Step keys of the dependencies (with the map item's hash inside a map iteration). */
  dependency_keys: string[];
  /** Step names of the dependencies, in the order of `dependency_keys` (keys of the output). */
  dependencies: string[];
  /** The branch's `$.steps` when the join was entered. */
  steps: Record<string, StepResult>;
  task_token: string;
  status: JoinStatus;
  registered_at: string;
  expires_at: number;
}

const joinKey = (executionId: string, stepKey: string): { pk: string; sk: string } => ({
  pk: `EXEC#${executionId}`,
  sk: `JOIN#${stepKey}`,
});

/**
 * Stores a join (status waiting). A join of the same step re-entered with a new token (a redrive) replaces the old
 * one; the same token again is a repeated invocation and changes nothing. Returns the stored record.
 */
export async function putJoin(
  j: Omit<JoinRecord, 'pk' | 'sk' | 'status' | 'expires_at'> & { step_key: string },
  now: Date,
): Promise<JoinRecord> {
  const { step_key, ...fields } = j;
  const record: JoinRecord = {
    ...joinKey(j.execution_id, step_key),
    ...fields,
    status: 'waiting',
    expires_at: openExpiresAt(now.getTime(), RETENTION_SECONDS),
  };
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: record,
        ConditionExpression: 'attribute_not_exists(pk) OR task_token <> :token',
        ExpressionAttributeValues: { ':token': j.task_token },
      }),
    );
    return record;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await getJoin(j.execution_id, step_key)) ?? record;
  }
}

/** Reads a join (consistent). */
export async function getJoin(executionId: string, stepKey: string): Promise<JoinRecord | undefined> {
  const out = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: joinKey(executionId, stepKey), ConsistentRead: true }),
  );
  return out.Item as JoinRecord | undefined;
}

/** Moves a join between statuses if it still holds `token`: true for exactly one caller. */
async function moveJoin(j: JoinRecord, from: JoinStatus, to: JoinStatus, at: Date): Promise<boolean> {
  return written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: j.pk, sk: j.sk },
        UpdateExpression: 'SET #status = :to, changed_at = :at, expires_at = :ttl',
        ConditionExpression: '#status = :from AND task_token = :token',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':to': to,
          ':from': from,
          ':token': j.task_token,
          ':at': at.toISOString(),
          ':ttl':
            to === 'released'
              ? expiresAt(at.getTime(), RETENTION_SECONDS)
              : openExpiresAt(at.getTime(), RETENTION_SECONDS),
        },
      }),
    ),
  );
}

/** Claims a join for release (waiting → released): true for exactly one of any racing claimants. */
export const claimJoin = (j: JoinRecord, now: Date): Promise<boolean> => moveJoin(j, 'waiting', 'released', now);

/** Gives a claim back (released → waiting) when the token could not be answered, so a later sighting can retry. */
export const unclaimJoin = (j: JoinRecord, now: Date): Promise<boolean> => moveJoin(j, 'released', 'waiting', now);

/** Whether a dependency has ended, and its result for the joining step (null: it records none). */
export type Ended = { ended: false } | { ended: true; result: StepResult | null };

/** Reads the step records of the dependencies (consistent reads, in parallel). */
export async function readEnded(executionId: string, stepKeys: readonly string[]): Promise<Ended[]> {
  return Promise.all(
    stepKeys.map(async (k): Promise<Ended> => {
      const out = await ddb.send(
        new GetCommand({
          TableName: TABLE,
          Key: { pk: `EXEC#${executionId}`, sk: `STEP#${k}` },
          ConsistentRead: true,
          ProjectionExpression: '#status, #output, join_result',
          ExpressionAttributeNames: { '#status': 'status', '#output': 'output' },
        }),
      );
      const item = out.Item as { status?: string; output?: unknown; join_result?: StepResult | null } | undefined;
      if (!item) return { ended: false };
      if (item.join_result !== undefined) return { ended: true, result: item.join_result };
      if (item.status === 'completed' || item.status === 'failed_continued') {
        return { ended: true, result: { status: item.status, output: item.output ?? null } };
      }
      return { ended: false };
    }),
  );
}

/**
 * Records that a step ended outside the step runner (a `complete` task): sets `join_result` on its step record,
 * creating a minimal record for steps that keep none (choice, wait, map). A compensated step is left alone.
 */
export async function markEnded(args: {
  executionId: string;
  workflowId: string;
  step: string;
  stepKey: string;
  result: StepResult | null;
  now: Date;
}): Promise<boolean> {
  const at = args.now.toISOString();
  return written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `EXEC#${args.executionId}`, sk: `STEP#${args.stepKey}` },
        UpdateExpression:
          'SET join_result = :result, ended_at = :at, execution_id = :exec, workflow_id = :wf, step = :step, ' +
          'step_key = :key, #status = if_not_exists(#status, :completed), started_at = if_not_exists(started_at, :at), ' +
          'completed_at = if_not_exists(completed_at, :at), expires_at = :ttl',
        ConditionExpression: 'attribute_not_exists(#status) OR #status <> :compensated',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':result': args.result,
          ':at': at,
          ':exec': args.executionId,
          ':wf': args.workflowId,
          ':step': args.step,
          ':key': args.stepKey,
          ':completed': 'completed',
          ':compensated': 'compensated',
          ':ttl': expiresAt(args.now.getTime(), RETENTION_SECONDS),
        },
      }),
    ),
  );
}

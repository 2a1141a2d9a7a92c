import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { queueSortKey } from '../../../lib/core/execution/concurrency.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';
import { openHistoryExpiry } from './executions.ts';

/**
 * Concurrency slots and the start queue of workflows with a `concurrency` limit (history table). Keys:
 * - counter: pk `CONC#<workflow_id>`, sk `META`, attribute `running` (number)
 * - queued start: pk `QUEUE#<workflow_id>`, sk `<zero-padded enqueue ms>#<execution_id>`, attribute `execution_id`
 *
 * Slots are taken with a conditional increment (`running < max`) and given back with a conditional decrement
 * (`running > 0`): the limit holds however many starts race, with single-item writes only.
 */
const TABLE = requireEnv(ENV.historyTable);

const counterKey = (workflowId: string): { pk: string; sk: string } => ({ pk: `CONC#${workflowId}`, sk: 'META' });

/** Takes a slot if fewer than `max` runs hold one; false when the workflow is at its limit. */
export async function acquireSlot(workflowId: string, max: number): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: counterKey(workflowId),
        UpdateExpression: 'ADD running :one',
        ConditionExpression: 'attribute_not_exists(running) OR running < :max',
        ExpressionAttributeValues: { ':one': 1, ':max': max },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Gives a slot back (never below zero). */
export async function releaseSlot(workflowId: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: counterKey(workflowId),
        UpdateExpression: 'ADD running :minus',
        ConditionExpression: 'running > :zero',
        ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** The number of slots in use (for tests and the status routes). */
export async function runningCount(workflowId: string): Promise<number> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': `CONC#${workflowId}`, ':sk': 'META' },
      ConsistentRead: true,
    }),
  );
  return Number(out.Items?.[0]?.running ?? 0);
}

/** A queued start. */
export interface QueueEntry {
  workflow_id: string;
  execution_id: string;
  sk: string;
}

/** Appends a start to the workflow's queue. */
export async function enqueue(workflowId: string, executionId: string, at = Date.now()): Promise<QueueEntry> {
  const sk = queueSortKey(at, executionId);
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        pk: `QUEUE#${workflowId}`,
        sk,
        workflow_id: workflowId,
        execution_id: executionId,
        // Removed when the start is dequeued; until then it must outlast however long the runs ahead take.
        expires_at: openHistoryExpiry(),
      },
    }),
  );
  return { workflow_id: workflowId, execution_id: executionId, sk };
}

/** The oldest queued starts of a workflow. */
export async function peekQueue(workflowId: string, limit = 5): Promise<QueueEntry[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `QUEUE#${workflowId}` },
      ScanIndexForward: true,
      ConsistentRead: true,
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map((i) => ({
    workflow_id: workflowId,
    execution_id: String(i.execution_id),
    sk: String(i.sk),
  }));
}

/** Claims a queued start by deleting it conditionally: true for exactly one of any racing claimers. */
export async function claimQueued(entry: QueueEntry): Promise<boolean> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: { pk: `QUEUE#${entry.workflow_id}`, sk: entry.sk },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

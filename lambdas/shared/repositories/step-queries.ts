import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { queryAll } from './drain.ts';
import type { Page } from './executions.ts';
import { isStepItemOf, stepItemsRange } from './steps.ts';

/**
 * Read-only queries over the step items the step runner writes (history table):
 * - step: pk `EXEC#<id>`, sk `STEP#<step>`; gsi1 `WFSTEP#<workflow_id>`; gsi2 `STEPID#<step_id>` / `META`;
 *   gsi3 `STEPS` / `<started_at>#<exec>#<step>`
 * - attempt: pk `EXEC#<id>`, sk `STEP#<step>#ATTEMPT#<0001>`, or a small first attempt as the step item's
 *   `first_attempt` (steps.ts)
 */
const TABLE = requireEnv(ENV.historyTable);

/** A step execution as the step runner records it. */
export interface StepRecord {
  step_id: string;
  execution_id: string;
  workflow_id: string;
  step: string;
  status: string;
  attempts?: number;
  started_at?: string;
  completed_at?: string;
  input?: unknown;
  output?: unknown;
  error_details?: unknown;
  compensation?: unknown;
}

/** One attempt of a step. */
export interface AttemptItem {
  step: string;
  attempt: number;
  status: string;
  started_at: string;
  completed_at?: string;
  duration_ms?: number;
  request?: unknown;
  response?: unknown;
  error?: unknown;
}

const ATTEMPT_MARK = '#ATTEMPT#';
const STEP_FIELDS = [
  'step_id',
  'execution_id',
  'workflow_id',
  'step',
  'status',
  'attempts',
  'started_at',
  'completed_at',
  'input',
  'output',
  'error_details',
  'compensation',
] as const;

function toStep(item: Record<string, unknown>): StepRecord {
  const out: Record<string, unknown> = {};
  for (const f of STEP_FIELDS) if (item[f] !== undefined) out[f] = item[f];
  return out as unknown as StepRecord;
}

function toAttempt(item: Record<string, unknown>): AttemptItem {
  const sk = String(item.sk);
  const step = String(item.step ?? sk.slice('STEP#'.length, sk.indexOf(ATTEMPT_MARK)));
  const { pk: _pk, sk: _sk, expires_at: _e, ...rest } = item;
  return { ...(rest as object), step, attempt: Number(item.attempt ?? sk.split(ATTEMPT_MARK)[1]) } as AttemptItem;
}

/** The step item's inline first attempt, as an attempt of that step. */
function firstAttemptOf(item: Record<string, unknown>): AttemptItem | undefined {
  const first = item.first_attempt as Record<string, unknown> | undefined;
  if (!first) return undefined;
  const step = String(item.sk).slice('STEP#'.length);
  return { ...(first as object), step, attempt: Number(first.attempt ?? 1) } as AttemptItem;
}

/** All step items and attempt items of an execution (one partition, paged internally). */
async function executionPartition(executionId: string): Promise<Record<string, unknown>[]> {
  return queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :step)',
    ExpressionAttributeValues: { ':pk': `EXEC#${executionId}`, ':step': 'STEP#' },
  });
}

/** The steps of one execution, in start order. */
export async function listExecutionSteps(executionId: string): Promise<StepRecord[]> {
  const items = await executionPartition(executionId);
  return items
    .filter((i) => !String(i.sk).includes(ATTEMPT_MARK))
    .map(toStep)
    .sort((a, b) => String(a.started_at ?? '').localeCompare(String(b.started_at ?? '')));
}

/** The attempts of one execution (all steps), oldest first. */
export async function listExecutionAttempts(executionId: string): Promise<AttemptItem[]> {
  const items = await executionPartition(executionId);
  return items
    .flatMap((i) => {
      if (String(i.sk).includes(ATTEMPT_MARK)) return [toAttempt(i)];
      const first = firstAttemptOf(i);
      return first ? [first] : [];
    })
    .sort((a, b) => a.started_at.localeCompare(b.started_at));
}

/** The attempts of one step of an execution, in order (its retry history). */
export async function listStepAttempts(executionId: string, step: string): Promise<AttemptItem[]> {
  const range = stepItemsRange(step);
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':pk': `EXEC#${executionId}`, ':lo': range.lo, ':hi': range.hi },
  });
  const attempts: AttemptItem[] = [];
  for (const item of items) {
    const kind = isStepItemOf(step, String(item.sk));
    const attempt = kind === 'attempt' ? toAttempt(item) : kind === 'step' ? firstAttemptOf(item) : undefined;
    if (attempt) attempts.push(attempt);
  }
  return attempts.sort((a, b) => a.attempt - b.attempt);
}

/** One step item of an execution. */
export async function getExecutionStep(executionId: string, step: string): Promise<StepRecord | undefined> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': `EXEC#${executionId}`, ':sk': `STEP#${step}` },
      ConsistentRead: true,
    }),
  );
  const item = out.Items?.[0];
  return item ? toStep(item as Record<string, unknown>) : undefined;
}

/** A step by its `step_id` (gsi2 `STEPID#<step_id>`, written by the step runner). */
export async function getStepById(stepId: string): Promise<StepRecord | undefined> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': `STEPID#${stepId}` },
      Limit: 1,
    }),
  );
  const item = out.Items?.[0];
  return item ? toStep(item as Record<string, unknown>) : undefined;
}

/** Steps across executions, newest first: of one workflow (gsi1) or of all (gsi3), bounded by start time. */
export async function listSteps(
  filter: { workflow_id?: string; status?: string; from?: string; to?: string },
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<Page<StepRecord>> {
  const index = filter.workflow_id ? 'gsi1' : 'gsi3';
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: index,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      FilterExpression: filter.status ? '#st = :st' : undefined,
      ExpressionAttributeNames: {
        '#pk': `${index}pk`,
        '#sk': `${index}sk`,
        ...(filter.status ? { '#st': 'status' } : {}),
      },
      ExpressionAttributeValues: {
        ':pk': filter.workflow_id ? `WFSTEP#${filter.workflow_id}` : 'STEPS',
        ':lo': filter.from ?? '',
        ':hi': `${filter.to ?? '\uffff'}\uffff`,
        ...(filter.status ? { ':st': filter.status } : {}),
      },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []).map((i) => toStep(i as Record<string, unknown>)), lastKey: out.LastEvaluatedKey };
}

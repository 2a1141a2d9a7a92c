import { createHash, randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import { expiresAt, openExpiresAt, retentionDays } from '../../../lib/core/routing/expiry.ts';
import { canonicalJson } from '../../../lib/core/routing/filters.ts';
import type { ServiceRequest } from '../../../lib/core/runtime-contract.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { written } from './conditions.ts';
import { queryAll } from './drain.ts';

/**
 * Step executions and their attempts (history table).
 * - step:    pk `EXEC#<id>` sk `STEP#<key>`; gsi1 `WFSTEP#<workflow_id>` / `<started_at>#<exec>#<key>`,
 *            gsi2 `STEPID#<step_id>` / `META`, gsi3 `STEPS` / `<started_at>#<exec>#<key>`
 * - attempt: pk `EXEC#<id>` sk `STEP#<key>#ATTEMPT#<0001>`, except the first attempt when it closes the step and
 *            its record is at most {@link INLINE_ATTEMPT_BYTES}: then it is the step item's `first_attempt`, written
 *            by the same update that closes the step (one request per call instead of two). Readers take both.
 * `<key>` is the step name, or `<name>@<hash of the item>` inside a map iteration so iterations do not overwrite each
 * other. Attempts are counted by `ADD attempts :1` (atomic), never by `$$.State.RetryCount`.
 */

const TABLE = requireEnv(ENV.historyTable);
const RETENTION_SECONDS = retentionDays(process.env[ENV.historyRetentionDays]) * 86_400;
const ttl = (nowMs: number): number => expiresAt(nowMs, RETENTION_SECONDS);

/**
 * Status of a step record. `cancelled`: the step was under way (a call in flight, an event wait) when its run was
 * cancelled ({@link closeRunningSteps}).
 */
export type StepStatus =
  | 'running'
  | 'completed'
  | 'failed'
  | 'compensated'
  | 'skipped'
  | 'failed_continued'
  | 'cancelled';

/** The step item as stored. */
export interface StepRecord {
  step_id: string;
  execution_id: string;
  workflow_id: string;
  step: string;
  step_key: string;
  status: StepStatus;
  attempts: number;
  started_at: string;
  completed_at?: string;
  input?: unknown;
  output?: unknown;
  error_details?: unknown;
  compensation?: ServiceRequest;
  completed_seq?: number;
}

/** One attempt as stored. */
export interface AttemptRecord {
  attempt: number;
  status: 'completed' | 'failed';
  started_at: string;
  completed_at: string;
  duration_ms: number;
  request: { method: string; url: string; body?: unknown };
  response?: { status: number; body: string };
  error?: { name: string; message: string };
}

/** The record key of a step: its name, plus a short hash of the map item inside a map iteration. */
export function stepKey(step: string, item?: unknown): string {
  if (item === undefined) return step;
  return `${step}@${createHash('sha256').update(canonicalJson(item)).digest('base64url').slice(0, 12)}`;
}

const key = (executionId: string, sk: string): { pk: string; sk: string } => ({ pk: `EXEC#${executionId}`, sk });
const pad = (n: number): string => String(n).padStart(4, '0');

/**
 * Largest first-attempt record kept on the step item. The item also holds the step's input (at most Step Functions'
 * 256 KB payload) and output (at most 64 KiB), so with this it stays well inside DynamoDB's 400 KB; a larger record
 * (a big request body) gets its own item as every later attempt does.
 */
export const INLINE_ATTEMPT_BYTES = 16 * 1024;

let lastSeq = 0;
/** Completion order: epoch microseconds, strictly increasing within a process. */
function nextSeq(nowMs: number): number {
  lastSeq = Math.max(lastSeq + 1, nowMs * 1000);
  return lastSeq;
}

/** Starts an attempt: creates or re-opens the step item and counts the attempt atomically. Returns its number. */
export async function beginAttempt(args: {
  executionId: string;
  workflowId: string;
  step: string;
  stepKey: string;
  input: unknown;
  compensation?: ServiceRequest;
  now: Date;
}): Promise<{ attempt: number; stepId: string }> {
  const at = args.now.toISOString();
  const id = randomUUID();
  const sortKey = `${at}#${args.executionId}#${args.stepKey}`;
  const out = await ddb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: key(args.executionId, `STEP#${args.stepKey}`),
      UpdateExpression:
        'SET step_id = if_not_exists(step_id, :id), gsi2pk = if_not_exists(gsi2pk, :g2), gsi2sk = :meta, ' +
        'started_at = if_not_exists(started_at, :at), gsi1sk = if_not_exists(gsi1sk, :sk), ' +
        'gsi3sk = if_not_exists(gsi3sk, :sk), gsi1pk = :g1, gsi3pk = :g3, execution_id = :exec, ' +
        'workflow_id = :wf, step = :step, step_key = :skey, #status = :running, #input = :input, ' +
        'last_attempt_at = :at, expires_at = :ttl' +
        (args.compensation ? ', compensation = :comp' : '') +
        ' ADD attempts :one',
      ConditionExpression: 'attribute_not_exists(pk) OR #status <> :compensated',
      ExpressionAttributeNames: { '#status': 'status', '#input': 'input' },
      ExpressionAttributeValues: {
        ':id': id,
        ':g2': `STEPID#${id}`,
        ':meta': 'META',
        ':at': at,
        ':sk': sortKey,
        ':g1': `WFSTEP#${args.workflowId}`,
        ':g3': 'STEPS',
        ':exec': args.executionId,
        ':wf': args.workflowId,
        ':step': args.step,
        ':skey': args.stepKey,
        ':running': 'running',
        ':compensated': 'compensated',
        ':input': args.input ?? null,
        // A step under way (waiting on an event, a callback, a long call) keeps its item until it ends.
        ':ttl': openExpiresAt(args.now.getTime(), RETENTION_SECONDS),
        ':one': 1,
        ...(args.compensation ? { ':comp': args.compensation } : {}),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const item = out.Attributes as { attempts: number; step_id: string };
  return { attempt: item.attempts, stepId: item.step_id };
}

/** Writes an attempt record (once: a repeated write of the same attempt is refused). */
export async function recordAttempt(executionId: string, key_: string, attempt: AttemptRecord): Promise<void> {
  await written(
    ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...key(executionId, `STEP#${key_}#ATTEMPT#${pad(attempt.attempt)}`),
          ...attempt,
          expires_at: ttl(Date.parse(attempt.completed_at)),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

/**
 * Ends the step with `status` if `attempt` is still its latest attempt (a newer one owns the result otherwise).
 * Returns whether the write happened.
 */
export async function finishStep(args: {
  executionId: string;
  stepKey: string;
  attempt: number;
  status: 'completed' | 'failed' | 'failed_continued';
  output?: unknown;
  error?: unknown;
  now: Date;
  /** The record of the first attempt, kept on the step item by this same write (see the module comment). */
  firstAttempt?: AttemptRecord;
}): Promise<boolean> {
  const values: Record<string, unknown> = {
    ':status': args.status,
    ':at': args.now.toISOString(),
    ':attempt': args.attempt,
    ':running': 'running',
    ':ttl': ttl(args.now.getTime()),
  };
  // Retention counts from the step's end.
  let update = 'SET #status = :status, completed_at = :at, expires_at = :ttl';
  if (args.firstAttempt) {
    update += ', first_attempt = :first';
    values[':first'] = args.firstAttempt;
  }
  if (args.status === 'completed') {
    update += ', #output = :output, completed_seq = :seq REMOVE error_details';
    values[':output'] = args.output ?? null;
    values[':seq'] = nextSeq(args.now.getTime());
  } else {
    update += ', error_details = :error';
    values[':error'] = args.error ?? null;
  }
  return written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key(args.executionId, `STEP#${args.stepKey}`),
        UpdateExpression: update,
        ConditionExpression: '#status = :running AND attempts = :attempt',
        ExpressionAttributeNames: {
          '#status': 'status',
          ...(args.status === 'completed' ? { '#output': 'output' } : {}),
        },
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * Closes the steps of a run that ended while they were under way (a call in flight, an event wait, a sub-workflow):
 * `cancelled` when the run was cancelled, `failed` with the run's error when it failed or timed out (Step Functions
 * stopped the run, so the step runner will not close them). Each write is conditional on the step being still
 * `running` at the attempt read, so a step that ended meanwhile, or that a retry re-opened (its attempts counted on),
 * is left alone, and a repeated call changes nothing. A retry re-opens a `failed` step as usual ({@link beginAttempt}
 * refuses only `compensated` ones). Returns the keys of the steps it closed.
 */
export async function closeRunningSteps(args: {
  executionId: string;
  status: 'cancelled' | 'failed';
  error: unknown;
  now: Date;
}): Promise<string[]> {
  const open = await queryAll<{ sk: string; attempts?: number }>({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: '#status = :running',
    ProjectionExpression: 'sk, attempts',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': `EXEC#${args.executionId}`, ':prefix': 'STEP#', ':running': 'running' },
    ConsistentRead: true,
  });
  const closed: string[] = [];
  for (const item of open) {
    if (item.sk.includes('#ATTEMPT#')) continue;
    const step = item.sk.slice('STEP#'.length);
    const done = await written(
      ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: key(args.executionId, item.sk),
          UpdateExpression: 'SET #status = :status, completed_at = :at, expires_at = :ttl, error_details = :error',
          ConditionExpression: '#status = :running AND attempts = :attempts',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': args.status,
            ':running': 'running',
            ':attempts': item.attempts ?? 0,
            ':at': args.now.toISOString(),
            ':ttl': ttl(args.now.getTime()),
            ':error': args.error ?? null,
          },
        }),
      ),
    );
    if (done) closed.push(step);
  }
  return closed;
}

/** Whether an attempt's record may be kept on the step item (the first one, when small enough). */
export function inlinesAttempt(attempt: AttemptRecord): boolean {
  return attempt.attempt === 1 && Buffer.byteLength(JSON.stringify(attempt)) <= INLINE_ATTEMPT_BYTES;
}

/**
 * Closes an attempt: its record and, if it is still the step's latest, the step. The first attempt's record rides on
 * the step's own update when it may ({@link inlinesAttempt}); otherwise, or when a newer attempt owns the step, it is
 * written as its own item (before the step is closed, so a reader never sees a closed step without its attempt).
 * Returns whether the step was closed.
 */
export async function finishAttempt(
  args: Omit<Parameters<typeof finishStep>[0], 'firstAttempt' | 'attempt'> & { record: AttemptRecord },
): Promise<boolean> {
  const { record, ...step } = args;
  if (!inlinesAttempt(record)) {
    await recordAttempt(step.executionId, step.stepKey, record);
    return finishStep({ ...step, attempt: record.attempt });
  }
  if (await finishStep({ ...step, attempt: record.attempt, firstAttempt: record })) return true;
  await recordAttempt(step.executionId, step.stepKey, record);
  return false;
}

/** Reads one step record. */
export async function getStep(executionId: string, key_: string): Promise<StepRecord | undefined> {
  const out = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: key(executionId, `STEP#${key_}`), ConsistentRead: true }),
  );
  return out.Item as StepRecord | undefined;
}

/** The completed steps of a run that carry a compensation, newest completion first. */
export async function listCompensable(executionId: string): Promise<StepRecord[]> {
  const items = await queryAll<StepRecord>({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: '#status = :completed AND attribute_exists(compensation)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pk': `EXEC#${executionId}`, ':prefix': 'STEP#', ':completed': 'completed' },
    ConsistentRead: true,
  });
  return items.sort((a, b) => (b.completed_seq ?? 0) - (a.completed_seq ?? 0));
}

/** Marks a completed step compensated; false when it is not (or no longer) completed. */
export async function markCompensated(executionId: string, key_: string, now: Date): Promise<boolean> {
  return written(
    ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key(executionId, `STEP#${key_}`),
        UpdateExpression: 'SET #status = :compensated, compensated_at = :at, expires_at = :ttl',
        ConditionExpression: '#status = :completed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':compensated': 'compensated',
          ':completed': 'completed',
          ':at': now.toISOString(),
          ':ttl': ttl(now.getTime()),
        },
      }),
    ),
  );
}

/**
 * The key range of one step's item and its attempt items: `STEP#<key>` sorts just before `STEP#<key>#ATTEMPT#…`, and
 * nothing else sorts between them (a map iteration's `<key>@<hash>` sorts after, `@` being above `#`).
 */
export function stepItemsRange(key_: string): { lo: string; hi: string } {
  return { lo: `STEP#${key_}`, hi: `STEP#${key_}#ATTEMPT#\uffff` };
}

/** Whether a sort key is that step's item, or one of its attempt items. */
export function isStepItemOf(key_: string, sk: string): 'step' | 'attempt' | undefined {
  if (sk === `STEP#${key_}`) return 'step';
  return sk.startsWith(`STEP#${key_}#ATTEMPT#`) ? 'attempt' : undefined;
}

/** The attempts of a step, oldest first: the step item's `first_attempt`, if any, and the attempt items. */
export async function listAttempts(executionId: string, key_: string): Promise<AttemptRecord[]> {
  const range = stepItemsRange(key_);
  const items = await queryAll<Record<string, unknown>>({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':pk': `EXEC#${executionId}`, ':lo': range.lo, ':hi': range.hi },
    ConsistentRead: true,
  });
  const attempts: AttemptRecord[] = [];
  for (const item of items) {
    const kind = isStepItemOf(key_, String(item.sk));
    if (kind === 'step' && item.first_attempt) attempts.push(item.first_attempt as AttemptRecord);
    if (kind === 'attempt') attempts.push(item as unknown as AttemptRecord);
  }
  return attempts.sort((a, b) => a.attempt - b.attempt);
}

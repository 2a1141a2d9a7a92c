import {
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import type { ExecutionStatus, SfnStatus } from '../../../lib/core/execution/status.ts';
import { ACTIVE_STATUSES, EXECUTION_STATUSES, endsRun } from '../../../lib/core/execution/status.ts';
import { LONGEST_RUN_SECONDS, openExpiresAt } from '../../../lib/core/routing/expiry.ts';
import { ddb } from '../clients/dynamodb.ts';
import { optionalEnv, requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';

/**
 * Execution records (history table). Keys:
 * - pk `EXEC#<id>`, sk `META`
 * - gsi1 `WFEXEC#<workflow_id>` / `<started_at>#<id>`   (by workflow, newest last)
 * - gsi2 `CORR#<correlation_id>` / `EXEC#<started_at>#<id>` (by correlation id)
 * - gsi3 `EXECSTATUS#<status>` / `<updated_at>#<id>`     (by status; the reconciler finds quiet runs here)
 * - gsi4 `EXECSTART#<status>` / `<started_at>#<id>`      (by status in start order: listings, newest first)
 *
 * `status` changes only through {@link transitionExecution} (conditional on the current status); every write adds 1
 * to `seq`, so readers can detect concurrent changes.
 */
const TABLE = requireEnv(ENV.historyTable);
const RETENTION_DAYS = Number(optionalEnv(ENV.historyRetentionDays, '30'));

/** Where a sub-workflow run reports back to. */
export interface ParentRef {
  execution_id: string;
  step: string;
  task_token: string;
  /** The parent's step record (`<step>` or `<step>@<item hash>` inside a map) and its attempt, closed at the end. */
  step_key?: string;
  attempt?: number;
}

/** An execution record as stored. */
export interface ExecutionRecord {
  execution_id: string;
  workflow_id: string;
  workflow_name: string;
  workflow_version: string;
  state_machine_arn: string;
  execution_type: 'standard' | 'express';
  sfn_execution_arn?: string;
  correlation_id: string;
  status: ExecutionStatus;
  context: Record<string, unknown>;
  current_step?: string;
  started_at: string;
  updated_at: string;
  completed_at?: string;
  /** When a cancelled run was stopped (a cancelled run has no `completed_at`). */
  cancelled_at?: string;
  result?: unknown;
  error_details?: { error?: string; cause?: string; step?: string };
  idempotency_key?: string;
  request_hash: string;
  pause_token?: string;
  pause_requested_by?: string;
  cancel_reason?: string;
  cancelled_by?: string;
  parent?: ParentRef;
  /** +1 on every write (optimistic locking). */
  seq: number;
  /** Epoch ms of the last Step Functions fact applied (facts are applied in time order). */
  fact_at?: number;
  /** The status that fact reported (an end of the same time may follow a RUNNING, see `endsRun`). */
  fact_status?: SfnStatus;
  /** True while the run holds a slot of its workflow's concurrency limit. */
  holds_slot?: boolean;
  /** Enqueue time of a run waiting for a concurrency slot. */
  queued_at?: number;
  /** When `workflow.started` was claimed for publishing (once per run). */
  started_event_at?: string;
  expires_at: number;
}

const key = (id: string): { pk: string; sk: string } => ({ pk: `EXEC#${id}`, sk: 'META' });
const statusKeys = (status: ExecutionStatus, updatedAt: string, id: string): Record<string, string> => ({
  gsi3pk: `EXECSTATUS#${status}`,
  gsi3sk: `${updatedAt}#${id}`,
  // gsi4's sort key (start time) never changes: only the partition moves with the status.
  gsi4pk: `EXECSTART#${status}`,
});

/** Epoch seconds at which history written now expires. */
export function historyExpiry(now = Date.now()): number {
  return Math.floor(now / 1000) + RETENTION_DAYS * 86_400;
}

/** Epoch seconds at which history of something still open (a queued start) expires: see {@link openExpiresAt}. */
export function openHistoryExpiry(now = Date.now()): number {
  return openExpiresAt(now, RETENTION_DAYS * 86_400);
}

/**
 * Epoch seconds at which a record in `status` expires: retention counts from the run's end; an open run's record
 * outlives the longest run (see {@link LONGEST_RUN_SECONDS}), so a run that waits longer than the retention (paused,
 * or waiting on an event for weeks) keeps its record. Set at every status change.
 */
export function recordExpiry(status: ExecutionStatus, now = Date.now()): number {
  // Open: a run that still occupies Step Functions (a failed one has ended; a retry reopens it).
  return historyExpiry(now) + (ACTIVE_STATUSES.includes(status) ? LONGEST_RUN_SECONDS : 0);
}

/** Reads an execution (strongly consistent: lifecycle decisions follow it). */
export async function getExecution(id: string): Promise<ExecutionRecord | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: key(id), ConsistentRead: true }));
  return out.Item as ExecutionRecord | undefined;
}

/** Fields a new record is created with; the repository adds keys, seq and expiry. */
export type NewExecution = Omit<ExecutionRecord, 'seq' | 'expires_at' | 'updated_at'>;

/**
 * Creates a record unless one with this id exists. Returns the record as stored (what a read would return: the start
 * path launches from it without reading it back), or undefined (nothing written) when one exists.
 */
export async function createExecution(record: NewExecution): Promise<ExecutionRecord | undefined> {
  const item = {
    ...record,
    ...key(record.execution_id),
    updated_at: record.started_at,
    seq: 1,
    expires_at: recordExpiry(record.status),
    gsi1pk: `WFEXEC#${record.workflow_id}`,
    gsi1sk: `${record.started_at}#${record.execution_id}`,
    gsi2pk: `CORR#${record.correlation_id}`,
    gsi2sk: `EXEC#${record.started_at}#${record.execution_id}`,
    gsi4sk: `${record.started_at}#${record.execution_id}`,
    ...statusKeys(record.status, record.started_at, record.execution_id),
  };
  try {
    await ddb.send(new PutCommand({ TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    // The document client drops undefined attributes when it marshalls: so does the returned copy.
    return Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as unknown as ExecutionRecord;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Attribute changes of an update: values to set, values to set only where the attribute is absent, removals. */
export interface Patch {
  set?: Record<string, unknown>;
  /** `if_not_exists`: the write claims these only when unset (the old record tells whether it did). */
  setIfAbsent?: Record<string, unknown>;
  remove?: string[];
}

/** The outcome of a conditional write: the new record, or the current one (absent when there is none). */
export type WriteResult =
  | { ok: true; record: ExecutionRecord; previous: ExecutionRecord }
  | { ok: false; current?: ExecutionRecord };

/** The record after a successful update (the write returns the old one, which callers need: e.g. a pause token). */
function applyPatch(previous: ExecutionRecord, patch: Patch, now: string): ExecutionRecord {
  const next: Record<string, unknown> = { ...previous, updated_at: now, seq: (previous.seq ?? 0) + 1 };
  for (const [attr, value] of Object.entries(patch.set ?? {})) if (value !== undefined) next[attr] = value;
  for (const [attr, value] of Object.entries(patch.setIfAbsent ?? {}))
    if (value !== undefined && next[attr] === undefined) next[attr] = value;
  for (const attr of patch.remove ?? []) delete next[attr];
  return next as unknown as ExecutionRecord;
}

interface Update {
  now: string;
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

function buildUpdate(patch: Patch, now: string): Update {
  const names: Record<string, string> = { '#seq': 'seq', '#updated_at': 'updated_at' };
  const values: Record<string, unknown> = { ':one': 1, ':now': now };
  const sets = ['#updated_at = :now'];
  let i = 0;
  for (const [attr, value] of Object.entries(patch.set ?? {})) {
    if (value === undefined) continue;
    names[`#a${i}`] = attr;
    values[`:v${i}`] = value;
    sets.push(`#a${i} = :v${i}`);
    i++;
  }
  for (const [attr, value] of Object.entries(patch.setIfAbsent ?? {})) {
    if (value === undefined) continue;
    names[`#a${i}`] = attr;
    values[`:v${i}`] = value;
    sets.push(`#a${i} = if_not_exists(#a${i}, :v${i})`);
    i++;
  }
  const removes = (patch.remove ?? []).map((attr, j) => {
    names[`#r${j}`] = attr;
    return `#r${j}`;
  });
  const expression = `SET ${sets.join(', ')} ADD #seq :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return { now, expression, names, values };
}

/**
 * One conditional UpdateItem. A refused write reads the current record for the caller, unless `readOnFailure` is false
 * (callers that only need to know whether they won: a read nobody looks at is a request for nothing).
 */
async function conditionalUpdate(
  id: string,
  patch: Patch,
  condition: string,
  conditionNames: Record<string, string>,
  conditionValues: Record<string, unknown>,
  readOnFailure = true,
): Promise<WriteResult> {
  const update = buildUpdate(patch, new Date().toISOString());
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key(id),
        UpdateExpression: update.expression,
        ConditionExpression: `attribute_exists(pk) AND (${condition})`,
        ExpressionAttributeNames: { ...update.names, ...conditionNames },
        ExpressionAttributeValues: { ...update.values, ...conditionValues },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const previous = out.Attributes as ExecutionRecord;
    return { ok: true, record: applyPatch(previous, patch, update.now), previous };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { ok: false, current: readOnFailure ? await getExecution(id) : undefined };
  }
}

/**
 * The ONLY way an execution's status changes: applies `patch` and sets `to` if the status is one of `from`
 * (and, for facts from Step Functions, if no later fact was applied already).
 */
export async function transitionExecution(
  id: string,
  from: readonly ExecutionStatus[],
  to: ExecutionStatus,
  patch: Patch = {},
  /**
   * A Step Functions fact: its time and status, recorded; applied only over an older fact, or, for a fact that ends
   * the run, over a RUNNING fact of the same time too (`endsRun`).
   */
  options: { factAt?: number; factStatus?: SfnStatus } = {},
): Promise<WriteResult> {
  const now = new Date().toISOString();
  const set: Record<string, unknown> = {
    ...patch.set,
    status: to,
    ...statusKeys(to, now, id),
    expires_at: recordExpiry(to, Date.parse(now)),
  };
  const values: Record<string, unknown> = {};
  const froms = from.map((s, i) => {
    values[`:from${i}`] = s;
    return `:from${i}`;
  });
  let condition = `#st IN (${froms.join(', ')})`;
  if (options.factAt !== undefined) {
    set.fact_at = options.factAt;
    values[':fact'] = options.factAt;
    if (options.factStatus !== undefined) set.fact_status = options.factStatus;
    if (options.factStatus !== undefined && endsRun(options.factStatus)) {
      values[':runningFact'] = 'RUNNING';
      condition +=
        ' AND (attribute_not_exists(fact_at) OR fact_at < :fact OR (fact_at = :fact AND fact_status = :runningFact))';
    } else condition += ' AND (attribute_not_exists(fact_at) OR fact_at < :fact)';
  }
  return conditionalUpdate(
    id,
    { set, setIfAbsent: patch.setIfAbsent, remove: patch.remove },
    condition,
    { '#st': 'status' },
    values,
  );
}

/**
 * Step Functions' RUNNING fact in one conditional write, for the two cases that make up nearly every delivery: a
 * `created` run moves to `running` (the status handler saw the start before the start path recorded it), or a
 * `running` run has its `workflow.started` claimed (`started_event_at`, set only where unset). Either way the fact
 * must be newer than the last one applied, and its time is recorded. The caller publishes `workflow.started` when
 * the old record had no `started_event_at`. Any other case (paused, failed, already claimed, older fact) is refused
 * and the current record returned, for the general path to decide.
 */
export async function observeRunning(id: string, factAt: number, patch: Patch): Promise<WriteResult> {
  const now = new Date().toISOString();
  const set: Record<string, unknown> = {
    ...patch.set,
    status: 'running',
    ...statusKeys('running', now, id),
    fact_at: factAt,
    fact_status: 'RUNNING',
  };
  return conditionalUpdate(
    id,
    { set, setIfAbsent: { ...patch.setIfAbsent, started_event_at: now }, remove: patch.remove },
    '(#st = :created OR (#st = :running AND attribute_not_exists(#claim))) AND ' +
      '(attribute_not_exists(fact_at) OR fact_at < :fact)',
    { '#st': 'status', '#claim': 'started_event_at' },
    { ':created': 'created', ':running': 'running', ':fact': factAt },
  );
}

/** Updates non-status attributes when the record's `seq` is still `expectedSeq` (optimistic locking). */
export async function patchExecution(id: string, expectedSeq: number, patch: Patch): Promise<WriteResult> {
  if (patch.set && 'status' in patch.set)
    throw new Error('patchExecution cannot change status: use transitionExecution');
  return conditionalUpdate(id, patch, '#seq = :expected', {}, { ':expected': expectedSeq });
}

/**
 * The step runner's pause/cancel check, one conditional write: records that `step` starts IF the run is Running, or
 * still Created (the status handler records `running` asynchronously, and Step Functions may call the first step
 * before it has: such a run cannot be paused or cancelled yet, so the step goes ahead and is recorded as current).
 * When it is neither, returns the current record so the caller throws Steward.Paused or Steward.Cancelled.
 */
export async function markStepStarted(id: string, step: string): Promise<WriteResult> {
  const now = new Date().toISOString();
  return conditionalUpdate(
    id,
    { set: { current_step: step, gsi3sk: `${now}#${id}` } },
    '#st IN (:running, :created)',
    { '#st': 'status' },
    { ':running': 'running', ':created': 'created' },
  );
}

/** Stores the task token of a parked (paused) run IF it is still paused; false → the caller releases the token. */
export async function storePauseToken(id: string, token: string): Promise<boolean> {
  const out = await conditionalUpdate(
    id,
    { set: { pause_token: token } },
    '#st = :paused',
    { '#st': 'status' },
    { ':paused': 'paused' },
  );
  return out.ok;
}

/** Filters of an execution listing (all optional; time bounds apply to `started_at`, ISO 8601). */
export interface ExecutionFilter {
  workflow_id?: string;
  status?: ExecutionStatus;
  correlation_id?: string;
  from?: string;
  to?: string;
}

/** One page of records and the key to continue from. */
export interface Page<T> {
  items: T[];
  lastKey?: Record<string, unknown>;
}

function filterExpression(
  filter: ExecutionFilter,
  skip: Set<keyof ExecutionFilter>,
): Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const add = (field: keyof ExecutionFilter, attr: string, op: string): void => {
    const v = filter[field];
    if (v === undefined || skip.has(field)) return;
    names[`#f_${field}`] = attr;
    values[`:f_${field}`] = v;
    parts.push(`#f_${field} ${op} :f_${field}`);
  };
  add('workflow_id', 'workflow_id', '=');
  add('status', 'status', '=');
  add('correlation_id', 'correlation_id', '=');
  add('from', 'started_at', '>=');
  add('to', 'started_at', '<=');
  if (!parts.length) return {};
  return { FilterExpression: parts.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

/** Runs a query over one index partition, newest first. */
async function queryIndex(
  index: 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4',
  partition: string,
  range: { lo?: string; hi?: string },
  filter: ExecutionFilter,
  skip: Set<keyof ExecutionFilter>,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<Page<ExecutionRecord>> {
  const f = filterExpression(filter, skip);
  const names: Record<string, string> = { '#pk': `${index}pk`, ...f.ExpressionAttributeNames };
  const values: Record<string, unknown> = { ':pk': partition, ...f.ExpressionAttributeValues };
  let keyCondition = '#pk = :pk';
  if (range.lo !== undefined && range.hi !== undefined) {
    names['#sk'] = `${index}sk`;
    values[':lo'] = range.lo;
    values[':hi'] = range.hi;
    keyCondition += ' AND #sk BETWEEN :lo AND :hi';
  }
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: index,
      KeyConditionExpression: keyCondition,
      FilterExpression: f.FilterExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []) as ExecutionRecord[], lastKey: out.LastEvaluatedKey };
}

const HIGH = '\uffff';

/**
 * Lists executions, newest first, choosing the index from the filter: by workflow (gsi1, time range in the key),
 * by correlation id (gsi2), by status (gsi4, time range in the key); remaining filters are applied as filter
 * expressions (a status within one workflow's runs, or a status or time within one correlation id). With no
 * workflow, correlation or status filter, use {@link listAllExecutions}.
 */
export async function listExecutions(
  filter: ExecutionFilter,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<Page<ExecutionRecord>> {
  const range = { lo: filter.from ?? '', hi: `${filter.to ?? HIGH}${HIGH}` };
  if (filter.workflow_id) {
    return queryIndex(
      'gsi1',
      `WFEXEC#${filter.workflow_id}`,
      range,
      filter,
      new Set(['workflow_id', 'from', 'to']),
      limit,
      startKey,
    );
  }
  if (filter.correlation_id) {
    const r = { lo: `EXEC#${range.lo}`, hi: `EXEC#${range.hi}` };
    return queryIndex(
      'gsi2',
      `CORR#${filter.correlation_id}`,
      r,
      filter,
      new Set(['correlation_id', 'from', 'to']),
      limit,
      startKey,
    );
  }
  const status = filter.status ?? 'running';
  return queryIndex('gsi4', `EXECSTART#${status}`, range, filter, new Set(['status', 'from', 'to']), limit, startKey);
}

/** The status partitions an unfiltered listing merges, in order. */
export const STATUS_PARTITIONS: readonly ExecutionStatus[] = EXECUTION_STATUSES;

/**
 * Every execution started in a time range, newest first: one Query per status partition of gsi4 (each reading at
 * most `limit + 1` items, in parallel), merged by start time. `before` is the start key (`<started_at>#<id>`) the
 * previous page ended at; returns the key to continue from, or undefined on the last page. A run that changes
 * status between two pages moves partitions: it may be listed twice or skipped, as in any live listing.
 */
export async function listAllExecutions(
  filter: Pick<ExecutionFilter, 'from' | 'to'>,
  limit: number,
  before?: string,
): Promise<{ items: ExecutionRecord[]; next?: string }> {
  const lo = filter.from ?? '';
  const top = `${filter.to ?? HIGH}${HIGH}`;
  const hi = before !== undefined && before < top ? before : top;
  const pages = await Promise.all(
    STATUS_PARTITIONS.map(async (status) => {
      const out = await ddb.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: 'gsi4',
          KeyConditionExpression: 'gsi4pk = :pk AND gsi4sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': `EXECSTART#${status}`, ':lo': lo, ':hi': hi },
          ScanIndexForward: false,
          // One more than a page: BETWEEN includes `before`, the item the last page ended with.
          Limit: limit + 1,
        }),
      );
      const items = ((out.Items ?? []) as Array<ExecutionRecord & { gsi4sk: string }>).filter(
        (i) => i.gsi4sk !== before,
      );
      return { items, more: out.LastEvaluatedKey !== undefined };
    }),
  );
  const merged = pages.flatMap((p) => p.items).sort((a, b) => (a.gsi4sk < b.gsi4sk ? 1 : a.gsi4sk > b.gsi4sk ? -1 : 0));
  const items = merged.slice(0, limit);
  const more = merged.length > limit || pages.some((p) => p.more);
  const last = items[items.length - 1];
  return { items, ...(more && last ? { next: last.gsi4sk } : {}) };
}

/** Executions in `status` whose last write is older than `before` (ISO), oldest first: the reconciler's query. */
export async function listQuiet(
  status: ExecutionStatus,
  before: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<Page<ExecutionRecord>> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
      ExpressionAttributeValues: { ':pk': `EXECSTATUS#${status}`, ':before': before },
      ScanIndexForward: true,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []) as ExecutionRecord[], lastKey: out.LastEvaluatedKey };
}

/** Whether a workflow has a run that is created, running or paused (pages through its runs, newest first). */
export async function hasActiveExecution(workflowId: string): Promise<boolean> {
  const pages = paginateQuery(
    { client: ddb, pageSize: 200 },
    {
      TableName: TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      FilterExpression: '#st IN (:c, :r, :p)',
      ExpressionAttributeNames: { '#st': 'status' },
      ExpressionAttributeValues: { ':pk': `WFEXEC#${workflowId}`, ':c': 'created', ':r': 'running', ':p': 'paused' },
      ScanIndexForward: false,
    },
  );
  // The first page with a match ends the walk: the paginator stops asking once the loop returns.
  for await (const page of pages) if (page.Items?.length) return true;
  return false;
}

/**
 * Clears the record's `holds_slot` flag if set: true for exactly one caller, who then gives the slot back. Keeps the
 * running count right however many paths (status handler, cancel, failed start) see the run end.
 */
export async function clearHeldSlot(id: string): Promise<boolean> {
  const out = await conditionalUpdate(id, { remove: ['holds_slot'] }, 'holds_slot = :t', {}, { ':t': true }, false);
  return out.ok;
}

/** Sets `flag` to now unless it is set: true for exactly one caller (publishing `workflow.started` once). */
export async function claimOnce(id: string, flag: string): Promise<boolean> {
  const out = await conditionalUpdate(
    id,
    { set: { [flag]: new Date().toISOString() } },
    'attribute_not_exists(#flag)',
    { '#flag': flag },
    {},
    false,
  );
  return out.ok;
}

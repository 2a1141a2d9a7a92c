import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../../lib/core/env.ts';
import type { WorkflowDocument } from '../../../lib/core/workflow/schema.ts';
import { ddb } from '../clients/dynamodb.ts';
import { requireEnv } from '../config.ts';
import { isConditionFailure } from './conditions.ts';
import { batchWriteAll, queryAll } from './drain.ts';
import type { Page } from './executions.ts';

/**
 * Workflow definitions and their versions (registry table). Keys:
 * - workflow:        pk `WF#<id>`        sk `META`            gsi1 `WORKFLOWS` / `<name>#<id>`
 * - name lock:       pk `WFNAME#<name>`  sk `META`            (`workflow_id`: names are unique)
 * - version:         pk `WF#<id>`        sk `VER#<000001>`    (the document and the state machine version it runs on)
 * - version label:   pk `WF#<id>`        sk `LABEL#<label>`   (`version_seq`: labels are unique per workflow)
 *
 * The META item is authoritative: every change is conditional on its `seq` (optimistic locking), and it carries
 * the latest version's document and ARNs, so a start of the latest version reads one item.
 */
const TABLE = requireEnv(ENV.registryTable);

/** Who owns a workflow: the API (editable) or the deployment (read-only over the API). */
export type ManagedBy = 'api' | 'deployment';

/** The state machine a workflow version runs on. */
export interface StateMachineRef {
  state_machine_arn: string;
  /** The published version's ARN (absent for deployed workflows registered without one). */
  version_arn?: string;
  alias_arn?: string;
  execution_type: 'standard' | 'express';
}

/** A workflow definition as stored. */
export interface WorkflowRecord extends StateMachineRef {
  id: string;
  name: string;
  description?: string;
  /** Label of the latest version (`1.0.0`). */
  version: string;
  /** Number of the latest version (1, 2, …). */
  version_seq: number;
  definition: WorkflowDocument;
  active: boolean;
  managed_by: ManagedBy;
  /** Compiler figures of the latest version. */
  report?: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  /** +1 on every write (optimistic locking: updates carry the seq they read). */
  seq: number;
}

/** One version of a workflow. */
export interface VersionRecord extends StateMachineRef {
  workflow_id: string;
  version: string;
  version_seq: number;
  definition: WorkflowDocument;
  created_at: string;
  created_by: string;
  report?: Record<string, unknown>;
}

const metaKey = (id: string): { pk: string; sk: string } => ({ pk: `WF#${id}`, sk: 'META' });
const versionSk = (seq: number): string => `VER#${String(seq).padStart(6, '0')}`;

const strip = <T>(item: Record<string, unknown> | undefined): T | undefined => {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, ...rest } = item;
  return rest as T;
};

/** Reads a workflow by id. */
export async function getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: metaKey(id), ConsistentRead: true }));
  return strip<WorkflowRecord>(out.Item);
}

/** Reads a workflow by its (unique) name. */
export async function getWorkflowByName(name: string): Promise<WorkflowRecord | undefined> {
  const lock = await ddb.send(new GetCommand({ TableName: TABLE, Key: { pk: `WFNAME#${name}`, sk: 'META' } }));
  const id = lock.Item?.workflow_id;
  return typeof id === 'string' ? getWorkflow(id) : undefined;
}

/**
 * How long a name's claim without a workflow record behind it is taken for a create still under way. A create
 * claims the name first and writes the record last, after its state machine and triggers: well within the API
 * function's timeout. Only a claim older than this is one a create left behind when it stopped half-way.
 */
export const NAME_CLAIM_GRACE_MS = 5 * 60_000;

/**
 * Claims a name for a workflow id. Succeeds when the name is free, already ours, or held by a claim a create left
 * behind (no workflow record, and older than {@link NAME_CLAIM_GRACE_MS}); false when another workflow has it or
 * another create is under way with it. Without the grace, concurrent creates of one name each found the previous
 * claimant's record not written yet, took the name over in turn, and went on: three workflows of one name out of
 * twenty concurrent creates.
 */
export async function lockName(name: string, id: string, now = Date.now()): Promise<boolean> {
  const put = (condition: string, values: Record<string, unknown>): Promise<unknown> =>
    ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `WFNAME#${name}`, sk: 'META', workflow_id: id, name, claimed_at: now },
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    );
  try {
    await put('attribute_not_exists(pk) OR workflow_id = :id', { ':id': id });
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const lock = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: { pk: `WFNAME#${name}`, sk: 'META' }, ConsistentRead: true }),
  );
  const holder = lock.Item?.workflow_id as string | undefined;
  const claimedAt = lock.Item?.claimed_at as number | undefined;
  if (!holder || (claimedAt !== undefined && claimedAt > now - NAME_CLAIM_GRACE_MS)) return false;
  if (await getWorkflow(holder)) return false;
  try {
    // Taken over only from that same claim: a create racing this one for the abandoned name wins once.
    await put('workflow_id = :old AND (attribute_not_exists(claimed_at) OR claimed_at = :claimed)', {
      ':old': holder,
      ':claimed': claimedAt ?? null,
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Releases a name held by `id`. */
export async function releaseName(name: string, id: string): Promise<void> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: { pk: `WFNAME#${name}`, sk: 'META' },
        ConditionExpression: 'workflow_id = :id',
        ExpressionAttributeValues: { ':id': id },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Claims a version label for a workflow; false when the label is taken by another version. */
export async function lockLabel(id: string, label: string, versionSeq: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `WF#${id}`, sk: `LABEL#${label}`, version_seq: versionSeq },
        ConditionExpression: 'attribute_not_exists(pk) OR version_seq = :seq',
        ExpressionAttributeValues: { ':seq': versionSeq },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The version number a label names, if any. */
export async function versionSeqOfLabel(id: string, label: string): Promise<number | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: { pk: `WF#${id}`, sk: `LABEL#${label}` } }));
  return typeof out.Item?.version_seq === 'number' ? out.Item.version_seq : undefined;
}

/** Creates the META item; false when the id exists. */
export async function createWorkflowRecord(record: WorkflowRecord): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...record, ...metaKey(record.id), gsi1pk: 'WORKFLOWS', gsi1sk: `${record.name}#${record.id}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Replaces the META item if its seq is still `expectedSeq`; returns false on a concurrent change. */
export async function replaceWorkflowRecord(record: WorkflowRecord, expectedSeq: number): Promise<boolean> {
  try {
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...record, ...metaKey(record.id), gsi1pk: 'WORKFLOWS', gsi1sk: `${record.name}#${record.id}` },
        ConditionExpression: 'attribute_exists(pk) AND #seq = :expected',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':expected': expectedSeq },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Writes a version item (its number was claimed by the META update that preceded it). */
export async function putVersion(version: VersionRecord): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...version, pk: `WF#${version.workflow_id}`, sk: versionSk(version.version_seq) },
    }),
  );
}

/** One version; the latest is rebuilt from META if its version item was never written (a write cut short). */
export async function getVersion(id: string, seq: number): Promise<VersionRecord | undefined> {
  const out = await ddb.send(new GetCommand({ TableName: TABLE, Key: { pk: `WF#${id}`, sk: versionSk(seq) } }));
  const found = strip<VersionRecord>(out.Item);
  if (found) return found;
  const meta = await getWorkflow(id);
  return meta && meta.version_seq === seq ? versionOf(meta, 'unknown') : undefined;
}

/** The version record describing a workflow's latest version. */
export function versionOf(record: WorkflowRecord, createdBy: string): VersionRecord {
  return {
    workflow_id: record.id,
    version: record.version,
    version_seq: record.version_seq,
    definition: record.definition,
    state_machine_arn: record.state_machine_arn,
    version_arn: record.version_arn,
    alias_arn: record.alias_arn,
    execution_type: record.execution_type,
    created_at: record.updated_at,
    created_by: createdBy,
    report: record.report,
  };
}

/** Lists the versions of a workflow, newest first. */
export async function listVersions(
  id: string,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<Page<VersionRecord>> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ver)',
      ExpressionAttributeValues: { ':pk': `WF#${id}`, ':ver': 'VER#' },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []).map((i) => strip<VersionRecord>(i)!), lastKey: out.LastEvaluatedKey };
}

/** Lists workflows by name. */
export async function listWorkflows(limit: number, startKey?: Record<string, unknown>): Promise<Page<WorkflowRecord>> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'WORKFLOWS' },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []).map((i) => strip<WorkflowRecord>(i)!), lastKey: out.LastEvaluatedKey };
}

/**
 * Deletes a workflow: the META item first (conditional on `expectedSeq`, so a concurrent update wins), then its
 * name lock, versions and labels. False when the record changed or is gone.
 */
export async function deleteWorkflowRecord(record: WorkflowRecord): Promise<boolean> {
  try {
    await ddb.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: metaKey(record.id),
        ConditionExpression: '#seq = :expected',
        ExpressionAttributeNames: { '#seq': 'seq' },
        ExpressionAttributeValues: { ':expected': record.seq },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  await releaseName(record.name, record.id);
  const keys = await queryAll<{ pk: string; sk: string }>({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': `WF#${record.id}` },
    ProjectionExpression: 'pk, sk',
  });
  await batchWriteAll(
    TABLE,
    keys.map(({ pk, sk }) => ({ DeleteRequest: { Key: { pk, sk } } })),
  );
  return true;
}

import { randomUUID } from 'node:crypto';
import { ENV } from '../../lib/core/env.ts';
import { stateMachineName } from '../../lib/core/execution/ids.ts';
import {
  type CompileResult,
  compileWorkflow,
  validateWorkflow,
  type WorkflowDocument,
} from '../../lib/core/workflow/index.ts';
import { requireEnv } from '../shared/config.ts';
import { declareWorkflowWaits } from '../shared/declared-waits.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import {
  createWorkflowRecord,
  getWorkflow,
  lockLabel,
  lockName,
  putVersion,
  releaseName,
  replaceWorkflowRecord,
  versionOf,
  versionSeqOfLabel,
  type WorkflowRecord,
} from '../shared/repositories/workflows.ts';
import { deployStateMachine } from '../shared/state-machines.ts';
import { removeTriggers, syncTriggers } from '../shared/workflow-triggers.ts';
import { workflowIdParam, workflowView } from './view.ts';

const PREFIX = requireEnv(ENV.stateMachinePrefix);
/** Largest workflow document the registry stores. */
const MAX_DOCUMENT_BYTES = 150_000;

/** Validates the meaning of a document and compiles it; problems become a 400 naming each field. */
export function compileOrThrow(doc: WorkflowDocument, workflowId?: string): CompileResult {
  // The document is stored twice per version (workflow and version items, 400 KB each at most).
  if (Buffer.byteLength(JSON.stringify(doc)) > MAX_DOCUMENT_BYTES) {
    throw new ValidationError([{ field: 'body', message: `must be at most ${MAX_DOCUMENT_BYTES} bytes of JSON` }]);
  }
  const checked = validateWorkflow(doc, { workflowId });
  if (!checked.ok) {
    throw new ValidationError(
      checked.problems.map((p) => ({ field: p.path ? `body.${p.path}` : 'body', message: p.message })),
    );
  }
  return compileWorkflow(checked.workflow);
}

/**
 * POST /workflows: validates, compiles, creates the state machine (version 1 + alias `live`) and the triggers
 * (schedules, bus rules), stores it.
 */
export async function createWorkflow(request: ApiRequest): Promise<ApiResult> {
  const doc = request.body as WorkflowDocument;
  const { asl, report } = compileOrThrow(doc);
  const id = randomUUID();
  if (!(await lockName(doc.name, id))) {
    throw new ConflictError(`a workflow named '${doc.name}' exists already`, { field: 'body.name' });
  }
  const label = doc.version ?? '1';
  let record: WorkflowRecord;
  const triggers = doc.triggers ?? [];
  try {
    // Before anything can start a run of it: its triggers, its record.
    await declareWorkflowWaits(doc);
    const deployed = await deployStateMachine({
      name: stateMachineName(PREFIX, doc.name, id),
      asl,
      type: report.execution_type,
      description: `${doc.name} ${label}`.slice(0, 256),
    });
    const now = new Date().toISOString();
    record = {
      id,
      name: doc.name,
      description: doc.description,
      version: label,
      version_seq: 1,
      definition: doc,
      active: true,
      managed_by: 'api',
      ...deployed,
      execution_type: report.execution_type,
      report: report as unknown as Record<string, unknown>,
      created_at: now,
      updated_at: now,
      seq: 1,
    };
    await syncTriggers(id, triggers);
    await lockLabel(id, label, 1);
    await putVersion(versionOf(record, request.caller));
    if (!(await createWorkflowRecord(record))) throw new Error(`Workflow id ${id} collided`);
  } catch (error) {
    // Triggers of a workflow that was not stored would start nothing but refusals.
    await removeTriggers(id, triggers).catch(() => undefined);
    await releaseName(doc.name, id);
    throw error;
  }
  await recordAudit(request.caller, 'workflow.create', `workflow/${id}`, { name: doc.name, version: label });
  return { status: 201, body: workflowView(record), headers: { etag: `"${record.seq}"` } };
}

/** The seq a new version was read at: `expected_seq` in the body, else the `If-Match` header. */
function expectedSeqOf(request: ApiRequest, required: boolean): number | undefined {
  const fromBody = (request.body as { expected_seq?: number }).expected_seq;
  if (fromBody !== undefined) return fromBody;
  const header = request.headers['if-match'];
  if (header !== undefined) {
    const n = Number(header.replace(/^W\//, '').replace(/"/g, ''));
    if (!Number.isInteger(n) || n < 1) {
      throw new ValidationError([
        { field: 'header.If-Match', message: 'must be the seq (ETag) the workflow was read at' },
      ]);
    }
    return n;
  }
  if (required) {
    throw new ValidationError([
      { field: 'body.expected_seq', message: 'is required (or an If-Match header): the seq the workflow was read at' },
    ]);
  }
  return undefined;
}

/** Loads a workflow the API may change, or 404/409. */
export async function loadEditable(request: ApiRequest): Promise<WorkflowRecord> {
  const id = workflowIdParam(request.params);
  const record = await getWorkflow(id);
  if (!record) throw new NotFoundError('Workflow', id);
  if (record.managed_by === 'deployment') {
    throw new ConflictError(
      `workflow '${record.name}' is managed by deployment: change it in statemachines/ and deploy`,
      {
        managed_by: 'deployment',
      },
    );
  }
  return record;
}

/**
 * A new version (PUT /workflows/{id} and POST /workflows/{id}/versions): compiles it, publishes a state machine
 * version, then replaces the workflow record if its seq is still the one the caller read (else 409).
 */
async function newVersion(request: ApiRequest, lockRequired: boolean): Promise<WorkflowRecord> {
  const current = await loadEditable(request);
  const expected = expectedSeqOf(request, lockRequired) ?? current.seq;
  if (expected !== current.seq) {
    throw new ConflictError(`the workflow changed: it is at seq ${current.seq}, the request was based on ${expected}`, {
      seq: current.seq,
    });
  }
  const { expected_seq: _ignored, ...doc } = request.body as WorkflowDocument & { expected_seq?: number };
  if (doc.name !== current.name) {
    throw new ValidationError([
      { field: 'body.name', message: `must stay '${current.name}': create a new workflow to rename` },
    ]);
  }
  const { asl, report } = compileOrThrow(doc, current.id);
  if (report.execution_type !== current.execution_type) {
    throw new ConflictError(
      `the execution type cannot change from ${current.execution_type} to ${report.execution_type}: create a new workflow`,
      { field: 'body.execution_type' },
    );
  }
  const versionSeq = current.version_seq + 1;
  const label = doc.version ?? String(versionSeq);
  if ((await versionSeqOfLabel(current.id, label)) !== undefined) {
    throw new ConflictError(`version '${label}' exists already: give the new version another label`, {
      field: 'body.version',
    });
  }
  // Before the alias points at the new version (the state machine's deployment) and before the record names it.
  await declareWorkflowWaits(doc);
  const deployed = await deployStateMachine({
    name: stateMachineName(PREFIX, current.name, current.id),
    existingArn: current.state_machine_arn,
    asl,
    type: report.execution_type,
    description: `${current.name} ${label}`.slice(0, 256),
  });
  const next: WorkflowRecord = {
    ...current,
    ...deployed,
    description: doc.description,
    version: label,
    version_seq: versionSeq,
    definition: doc,
    report: report as unknown as Record<string, unknown>,
    updated_at: new Date().toISOString(),
    seq: current.seq + 1,
  };
  // Triggers follow the live version; a version that loses the race gives them back to the one that won.
  const previousTriggers = current.definition.triggers ?? [];
  await syncTriggers(current.id, doc.triggers ?? [], previousTriggers);
  if (!(await replaceWorkflowRecord(next, current.seq))) {
    const winner = await getWorkflow(current.id);
    if (winner) await syncTriggers(current.id, winner.definition.triggers ?? [], doc.triggers ?? []);
    throw new ConflictError('the workflow changed while this version was being created: read it again and retry');
  }
  await putVersion(versionOf(next, request.caller));
  await lockLabel(current.id, label, versionSeq);
  await recordAudit(request.caller, 'workflow.version', `workflow/${current.id}`, { version: label, seq: versionSeq });
  return next;
}

/** PUT /workflows/{id} (optimistic locking required). */
export async function updateWorkflow(request: ApiRequest): Promise<ApiResult> {
  const record = await newVersion(request, true);
  return { body: workflowView(record), headers: { etag: `"${record.seq}"` } };
}

/** POST /workflows/{id}/versions (optimistic locking when the caller sends a seq). */
export async function createWorkflowVersion(request: ApiRequest): Promise<ApiResult> {
  const record = await newVersion(request, false);
  return { status: 201, body: workflowView(record), headers: { etag: `"${record.seq}"` } };
}

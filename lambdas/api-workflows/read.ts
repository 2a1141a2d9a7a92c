import {
  allSteps,
  compileWorkflow,
  stateGraph,
  validateWorkflow,
  type WorkflowDocument,
} from '../../lib/core/workflow/index.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import { hasActiveExecution } from '../shared/repositories/executions.ts';
import {
  deleteWorkflowRecord,
  getWorkflow as getRecord,
  getVersion,
  listWorkflows as listRecords,
  listVersions,
  type VersionRecord,
  versionOf,
  versionSeqOfLabel,
  type WorkflowRecord,
} from '../shared/repositories/workflows.ts';
import { deleteStateMachine } from '../shared/state-machines.ts';
import { removeTriggers } from '../shared/workflow-triggers.ts';
import { loadEditable } from './define.ts';
import { compiledGraph } from './graph-cache.ts';
import { stepId, versionView, workflowIdParam, workflowView } from './view.ts';

async function load(request: ApiRequest): Promise<WorkflowRecord> {
  const id = workflowIdParam(request.params);
  const record = await getRecord(id);
  if (!record) throw new NotFoundError('Workflow', id);
  return record;
}

/** A version by label (`1.0.0`) or, failing that, by number (`3`), as starts name them; the latest when absent. */
async function findVersion(record: WorkflowRecord, label: string | undefined): Promise<VersionRecord> {
  if (label === undefined) return versionOf(record, 'unknown');
  let seq = await versionSeqOfLabel(record.id, label);
  if (seq === undefined && /^\d{1,9}$/.test(label)) seq = Number(label);
  const version = seq === undefined ? undefined : await getVersion(record.id, seq);
  if (!version) throw new NotFoundError(`Version of workflow ${record.id}`, label);
  return version;
}

/** GET /workflows/{id} */
export async function getWorkflow(request: ApiRequest): Promise<ApiResult> {
  const record = await load(request);
  return { body: workflowView(record), headers: { etag: `"${record.seq}"` } };
}

/** GET /workflows */
export async function listWorkflows(request: ApiRequest): Promise<ApiResult> {
  const page = await listRecords(parseLimit(request.query.limit), decodeNextToken(request.query.next_token));
  return {
    body: {
      workflows: page.items.map(workflowView),
      count: page.items.length,
      next_token: encodeNextToken(page.lastKey) ?? null,
    },
  };
}

/** GET /workflows/{id}/versions */
export async function listWorkflowVersions(request: ApiRequest): Promise<ApiResult> {
  const record = await load(request);
  const page = await listVersions(
    record.id,
    parseLimit(request.query.limit),
    decodeNextToken(request.query.next_token),
  );
  return {
    body: {
      workflow_id: record.id,
      versions: page.items.map(versionView),
      count: page.items.length,
      next_token: encodeNextToken(page.lastKey) ?? null,
    },
  };
}

/** GET /workflows/{id}/steps: every step of the latest version (nested ones too), with its id and JSON path. */
export async function listWorkflowSteps(request: ApiRequest): Promise<ApiResult> {
  const record = await load(request);
  const steps = allSteps(record.definition).map((l) => ({
    id: stepId(record.id, l.step.name),
    workflow_id: record.id,
    name: l.step.name,
    description: l.step.description,
    step_type: l.step.step_type,
    sequence: l.step.sequence,
    depends_on: l.step.depends_on,
    path: l.path,
    configuration: l.step,
  }));
  return { body: { workflow_id: record.id, version: record.version, steps, count: steps.length } };
}

/**
 * POST /workflows/{id}/validate: the compiler's verdict on the body (or, without a body, on the stored latest
 * version): 200 with `{valid, problems}` and, when valid, the compile report.
 */
export async function validateWorkflowOperation(request: ApiRequest): Promise<ApiResult> {
  const doc: unknown = request.body === undefined ? (await load(request)).definition : request.body;
  // The id checks event triggers against this workflow's own runs' events (see validateWorkflow's options).
  const checked = validateWorkflow(doc, { workflowId: workflowIdParam(request.params) });
  if (!checked.ok) return { body: { valid: false, problems: checked.problems } };
  const compiled = compileWorkflow(checked.workflow as WorkflowDocument);
  return {
    body: {
      valid: true,
      problems: [],
      report: compiled.report,
      graph: stateGraph(checked.workflow as WorkflowDocument, compiled),
    },
  };
}

/**
 * GET /workflows/{id}/graph: the compiled state machine of one version (the latest, or `?version=` by label or
 * number) as nodes and edges, with the compile report. Compiled on read, so the graph always matches the compiler
 * that serves it, and kept per definition content (graph-cache.ts) so a run page's reloads do not compile it again.
 */
export async function getWorkflowGraph(request: ApiRequest): Promise<ApiResult> {
  const record = await load(request);
  const version = await findVersion(record, request.query.version);
  const { graph, report } = compiledGraph(version.definition);
  return {
    body: {
      workflow_id: record.id,
      name: record.name,
      version: version.version,
      version_seq: version.version_seq,
      created_at: version.created_at,
      graph,
      report,
    },
  };
}

/** DELETE /workflows/{id}: 409 while runs are active unless `?force=true`; deployed workflows are read-only. */
export async function deleteWorkflow(request: ApiRequest): Promise<ApiResult> {
  const record = await loadEditable(request);
  const force = request.query.force === 'true';
  if (!force && (await hasActiveExecution(record.id))) {
    throw new ConflictError(
      'the workflow has executions that are created, running or paused: cancel them or use ?force=true',
      {
        field: 'query.force',
      },
    );
  }
  if (!(await deleteWorkflowRecord(record))) {
    throw new ConflictError('the workflow changed while being deleted: read it again and retry');
  }
  await removeTriggers(record.id, record.definition.triggers ?? []);
  await deleteStateMachine(record.state_machine_arn, record.alias_arn);
  await recordAudit(request.caller, 'workflow.delete', `workflow/${record.id}`, { name: record.name, force });
  return { status: 204 };
}

import { canonicalJson, deployedWorkflowId } from '../../lib/core/execution/ids.ts';
import { compileWorkflow, validateWorkflow, type WorkflowDocument } from '../../lib/core/workflow/index.ts';
import {
  createWorkflowRecord,
  deleteWorkflowRecord,
  getWorkflow,
  lockLabel,
  lockName,
  putVersion,
  replaceWorkflowRecord,
  versionOf,
  type WorkflowRecord,
} from '../shared/repositories/workflows.ts';

/** A workflow the deployment created (ResourceProperties of the registrar custom resource). */
export interface DeployedWorkflow {
  name: string;
  version?: string;
  /** The workflow document, as a JSON string. */
  definition: string;
  state_machine_arn: string;
  alias_arn?: string;
  type?: string;
}

function parseDocument(w: DeployedWorkflow): WorkflowDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(w.definition);
  } catch (error) {
    throw new Error(`Deployed workflow '${w.name}': definition is not JSON (${(error as Error).message})`);
  }
  const checked = validateWorkflow(doc);
  if (!checked.ok) {
    const first = checked.problems[0];
    throw new Error(`Deployed workflow '${w.name}' is invalid: ${first?.path}: ${first?.message}`);
  }
  return checked.workflow;
}

/** Creates or updates the record of a deployed workflow (managed_by deployment); unchanged ones are left alone. */
export async function upsertDeployedWorkflow(w: DeployedWorkflow): Promise<'created' | 'updated' | 'unchanged'> {
  const doc = parseDocument(w);
  const { report } = compileWorkflow(doc);
  const id = deployedWorkflowId(w.name);
  const type = (w.type ?? report.execution_type).toLowerCase() === 'express' ? 'express' : 'standard';
  const label = w.version ?? doc.version ?? '1';
  const now = new Date().toISOString();
  const current = await getWorkflow(id);
  if (!current) {
    if (!(await lockName(w.name, id))) {
      throw new Error(`A workflow named '${w.name}' was created over the API: rename one of them`);
    }
    const record: WorkflowRecord = {
      id,
      name: w.name,
      description: doc.description,
      version: label,
      version_seq: 1,
      definition: doc,
      active: true,
      managed_by: 'deployment',
      state_machine_arn: w.state_machine_arn,
      alias_arn: w.alias_arn,
      execution_type: type,
      report: report as unknown as Record<string, unknown>,
      created_at: now,
      updated_at: now,
      seq: 1,
    };
    await putVersion(versionOf(record, 'deployment'));
    await lockLabel(id, label, 1);
    if (!(await createWorkflowRecord(record))) return upsertDeployedWorkflow(w);
    return 'created';
  }
  const same =
    canonicalJson(current.definition) === canonicalJson(doc) &&
    current.version === label &&
    current.state_machine_arn === w.state_machine_arn &&
    current.alias_arn === w.alias_arn;
  if (same) return 'unchanged';
  const next: WorkflowRecord = {
    ...current,
    description: doc.description,
    version: label,
    version_seq: current.version_seq + 1,
    definition: doc,
    state_machine_arn: w.state_machine_arn,
    alias_arn: w.alias_arn,
    version_arn: undefined,
    execution_type: type,
    report: report as unknown as Record<string, unknown>,
    updated_at: now,
    seq: current.seq + 1,
  };
  if (!(await replaceWorkflowRecord(next, current.seq))) return upsertDeployedWorkflow(w);
  await putVersion(versionOf(next, 'deployment'));
  await lockLabel(id, label, next.version_seq);
  return 'updated';
}

/** Removes the record of a workflow the deployment no longer has. */
export async function removeDeployedWorkflow(name: string): Promise<boolean> {
  const current = await getWorkflow(deployedWorkflowId(name));
  if (current?.managed_by !== 'deployment') return false;
  return deleteWorkflowRecord(current);
}

import { isUuid, uuidv5 } from '../../lib/core/execution/ids.ts';
import type { WorkflowDocument, WorkflowStep } from '../../lib/core/workflow/index.ts';
import { ValidationError } from '../shared/errors.ts';
import type { VersionRecord, WorkflowRecord } from '../shared/repositories/workflows.ts';

/** A step's id: stable per workflow and step name, so it survives new versions (the seed's `steps[].id`). */
export function stepId(workflowId: string, name: string): string {
  return uuidv5(workflowId, `step:${name}`);
}

function withIds(workflowId: string, steps: readonly WorkflowStep[]): unknown[] {
  return steps.map((step) => {
    const out: Record<string, unknown> = { id: stepId(workflowId, step.name), ...step };
    if (step.step_type === 'map') out.steps = withIds(workflowId, step.steps);
    if (step.step_type === 'choice') {
      out.choices = step.choices.map((c) => ({ ...c, steps: withIds(workflowId, c.steps) }));
      if (step.default) out.default = withIds(workflowId, step.default);
    }
    return out;
  });
}

/** The definition as the API shows it: every step with its id. */
export function definitionView(workflowId: string, doc: WorkflowDocument): Record<string, unknown> {
  return { ...doc.definition, steps: withIds(workflowId, doc.definition.steps) };
}

const reportSummary = (report: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  report && {
    execution_type: report.execution_type,
    express_possible: report.express_possible,
    transitions: report.transitions,
    cost_per_million_runs: report.cost_per_million_runs,
  };

/** The seed's workflow shape plus Steward's details (versioning, ownership, state machine). */
export function workflowView(r: WorkflowRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    version: r.version,
    version_seq: r.version_seq,
    seq: r.seq,
    definition: definitionView(r.id, r.definition),
    triggers: r.definition.triggers,
    concurrency: r.definition.concurrency,
    timeout: r.definition.timeout,
    active: r.active,
    managed_by: r.managed_by,
    execution_type: r.execution_type,
    state_machine_arn: r.state_machine_arn,
    version_arn: r.version_arn,
    alias_arn: r.alias_arn,
    report: reportSummary(r.report),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** A version as the API shows it. */
export function versionView(v: VersionRecord): Record<string, unknown> {
  return {
    workflow_id: v.workflow_id,
    version: v.version,
    version_seq: v.version_seq,
    definition: definitionView(v.workflow_id, v.definition),
    execution_type: v.execution_type,
    version_arn: v.version_arn,
    created_at: v.created_at,
    created_by: v.created_by,
    report: reportSummary(v.report),
  };
}

/** Checks the workflow id path parameter. */
export function workflowIdParam(params: Record<string, string>): string {
  const id = params.workflow_id ?? '';
  if (!isUuid(id)) throw new ValidationError([{ field: 'path.workflow_id', message: 'must be a UUID' }]);
  return id.toLowerCase();
}

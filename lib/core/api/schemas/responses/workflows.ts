/** Response schemas of the workflow routes. */
import * as z from 'zod';
import { nextToken, openObject, timestamp } from './common.ts';
import { compileReportView, stateGraphView } from './graph.ts';

/** A step of a definition as the API shows it: the document's step with its stable id (nested steps too). */
export const definitionStep = z.looseObject({ id: z.string().min(1), name: z.string(), step_type: z.string() });

/** A definition as the API shows it (the workflow document's `definition`, every step with its id). */
export const definitionView = z.looseObject({ steps: z.array(definitionStep) });

/** The compiler's figures stored with a version. */
export const reportSummary = z.object({
  execution_type: z.enum(['standard', 'express']).optional(),
  express_possible: z.boolean().optional(),
  transitions: z.unknown().optional(),
  cost_per_million_runs: z.unknown().optional(),
});

const executionType = z.enum(['standard', 'express']);

/** A workflow: the seed's shape plus versioning, ownership and its state machine. */
export const workflowView = z.object({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().optional(),
  version: z.string(),
  version_seq: z.number().int().min(1),
  seq: z.number().int(),
  definition: definitionView,
  triggers: z.array(openObject).optional(),
  concurrency: z.unknown().optional(),
  timeout: z.unknown().optional(),
  active: z.boolean(),
  managed_by: z.enum(['api', 'deployment']),
  execution_type: executionType,
  state_machine_arn: z.string(),
  version_arn: z.string().optional(),
  alias_arn: z.string().optional(),
  report: reportSummary.optional(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type WorkflowView = z.infer<typeof workflowView>;

/** `GET /workflows`. */
export const workflowPage = z.object({
  workflows: z.array(workflowView),
  count: z.number().int(),
  next_token: nextToken,
});
export type WorkflowPage = z.infer<typeof workflowPage>;

/** One version of a workflow. */
export const versionView = z.object({
  workflow_id: z.string().min(1),
  version: z.string(),
  version_seq: z.number().int().min(1),
  definition: definitionView,
  execution_type: executionType,
  version_arn: z.string().optional(),
  created_at: timestamp,
  created_by: z.string(),
  report: reportSummary.optional(),
});
export type VersionView = z.infer<typeof versionView>;

/** `GET /workflows/{workflow_id}/versions`. */
export const versionPage = z.object({
  workflow_id: z.string().min(1),
  versions: z.array(versionView),
  count: z.number().int(),
  next_token: nextToken,
});
export type VersionPage = z.infer<typeof versionPage>;

/** One problem the compiler found: where (a JSON path in the document) and what. */
export const definitionProblem = z.looseObject({ path: z.string(), message: z.string() });

/**
 * `POST /workflows/{workflow_id}/validate`: the verdict and each problem (with its JSON path in the document); when
 * valid, the compile report and the compiled graph, so a definition can be checked and seen before it is saved.
 */
export const validationResponse = z.object({
  valid: z.boolean(),
  problems: z.array(definitionProblem),
  report: compileReportView.optional(),
  graph: stateGraphView.optional(),
});
export type ValidationResponse = z.infer<typeof validationResponse>;

/** `GET /workflows/{workflow_id}/steps`: every step of the latest version, nested ones too. */
export const workflowStepsResponse = z.object({
  workflow_id: z.string().min(1),
  version: z.string(),
  steps: z.array(
    z.object({
      id: z.string().min(1),
      workflow_id: z.string().min(1),
      name: z.string(),
      description: z.string().optional(),
      step_type: z.string(),
      sequence: z.number().optional(),
      depends_on: z.array(z.string()).optional(),
      path: z.string(),
      configuration: openObject,
    }),
  ),
  count: z.number().int(),
});
export type WorkflowStepsResponse = z.infer<typeof workflowStepsResponse>;

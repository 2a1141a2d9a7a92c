/**
 * Response schemas of a workflow's compiled graph and compile report (`GET /workflows/{workflow_id}/graph`, and the
 * graph and report a valid `POST /workflows/{workflow_id}/validate` returns). They mirror `StateGraph`
 * (lib/core/workflow/state-graph.ts) and `CompileReport` (lib/core/workflow/report.ts) field by field.
 */
import * as z from 'zod';
import { timestamp } from './common.ts';

const nodeKind = z.enum([
  'start',
  'end',
  'step',
  'parallel',
  'join',
  'park',
  'retry',
  'notify',
  'compensation',
  'complete',
  'fail',
  'pass',
]);
const edgeKind = z.enum([
  'next',
  'choice',
  'default',
  'catch',
  'branch',
  'item',
  'merge',
  'resume',
  'retry',
  'waits_for',
]);

/** One state (or synthesized start, end, join) of the compiled state machine. */
export const stateNodeView = z.object({
  id: z.string().min(1),
  kind: nodeKind,
  label: z.string(),
  state: z.string().optional(),
  asl_type: z.enum(['Task', 'Pass', 'Choice', 'Wait', 'Parallel', 'Map', 'Succeed', 'Fail']).optional(),
  step: z.string().optional(),
  step_type: z.string().optional(),
  fallback_for: z.string().optional(),
  parent: z.string().optional(),
  branch: z.number().int().optional(),
  retriers: z
    .array(
      z.object({
        errors: z.array(z.string()),
        max_attempts: z.number().int(),
        interval_seconds: z.number(),
        backoff_rate: z.number(),
        max_delay_seconds: z.number().optional(),
        jitter: z.boolean(),
      }),
    )
    .optional(),
  timeout_seconds: z.number().optional(),
  waits: z.boolean().optional(),
});
export type StateNodeView = z.infer<typeof stateNodeView>;

/** One transition (or catch, branch, join wait) of the compiled state machine. */
export const stateEdgeView = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  kind: edgeKind,
  label: z.string().optional(),
});
export type StateEdgeView = z.infer<typeof stateEdgeView>;

/** The whole compiled state machine as nodes and edges. */
export const stateGraphView = z.object({
  start: z.string(),
  end: z.string(),
  nodes: z.array(stateNodeView),
  edges: z.array(stateEdgeView),
});
export type StateGraphView = z.infer<typeof stateGraphView>;

const strategyCost = z.object({
  happy_path: z.number(),
  standard_usd_per_million_runs: z.number(),
  unit_makespan_ratio: z.number(),
  expected_makespan_ratio: z.number(),
});

/** The compiler's full report: states, transitions, cost per million runs, Express, parallelism, DAG strategy. */
export const compileReportView = z.object({
  workflow: z.string(),
  version: z.string().optional(),
  execution_type: z.enum(['standard', 'express']),
  states: z.number().int(),
  transitions: z.object({
    happy_path: z.number(),
    happy_path_min: z.number(),
    worst_case: z.number(),
    per_map_item: z.record(z.string(), z.number()),
  }),
  cost_per_million_runs: z.object({
    standard_usd: z.number(),
    standard_worst_case_usd: z.number(),
    express_usd: z.number(),
    assumptions: z.array(z.string()),
  }),
  express_possible: z.boolean(),
  express_blockers: z.array(z.string()),
  express_caveats: z.array(z.string()),
  parallelism: z.object({
    exact: z.boolean(),
    lists: z.array(
      z.object({
        path: z.string(),
        steps: z.number().int(),
        exact: z.boolean(),
        series_parallel: z.boolean(),
        strategy: z.enum(['series-parallel', 'joins', 'phased']),
        added_orderings: z.number().int(),
        forced_splits: z.number().int(),
        unit_makespan_ratio: z.number(),
        expected_makespan_ratio: z.number(),
      }),
    ),
  }),
  definition_substitutions: z.array(z.string()),
  notes: z.array(z.string()),
  dag: z
    .object({
      strategy: z.enum(['exact', 'phased']),
      joins: z.array(
        z.object({
          list: z.string(),
          step: z.string(),
          waits_for: z.array(z.string()),
          delivers: z.array(z.string()).optional(),
        }),
      ),
      completion_states: z.array(z.string()),
      extra_transitions: z.number().int(),
      exact: strategyCost.optional(),
      phased: strategyCost,
    })
    .optional(),
});
export type CompileReportView = z.infer<typeof compileReportView>;

/** `GET /workflows/{workflow_id}/graph`: one version's compiled graph and compile report. */
export const workflowGraphResponse = z.object({
  workflow_id: z.string().min(1),
  name: z.string(),
  version: z.string(),
  version_seq: z.number().int().min(1),
  created_at: timestamp,
  graph: stateGraphView,
  report: compileReportView,
});
export type WorkflowGraphResponse = z.infer<typeof workflowGraphResponse>;

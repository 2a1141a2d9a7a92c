/**
 * Exact DAGs: a prime (not series-parallel) part compiles to a `Parallel` of chains (`chains.ts`) where a step whose
 * dependency runs in another chain first enters a join, `<step>.join`: a `.waitForTaskToken` task on the waiter,
 * released when every dependency of its cross-branch set has ended. Its result, the branch's `steps` plus the
 * dependencies' results, replaces `$.steps`, so templates read them as usual and outputs still land at `$.steps`.
 *
 * A dependency with joining dependents releases them when it ends: a service call tells the step runner (`release`
 * in its payload, no extra state); any other step is followed by `<step>.complete`, a step-runner task that records
 * the end and releases (one transition). Joins and completions race safely: each side writes first, then reads the
 * other, and a conditional claim answers the token once (lambdas/waiter/join.ts, lambdas/step-runner/joins.ts).
 */
import type { AslRetrier, AslTaskState } from './asl.ts';
import { type ChainPlan, planChains } from './chains.ts';
import {
  addState,
  type CompileContext,
  LAMBDA_CALLBACK,
  LAMBDA_INVOKE,
  resultPath,
  type Scope,
  STEP_RUNNER,
  WAITER,
} from './compile-context.ts';
import { compileStep } from './compile-steps.ts';
import type { StepGraph } from './dag.ts';
import { LAMBDA_ERRORS } from './retry.ts';
import type { WorkflowStep } from './schema.ts';

/** How a workflow compiles DAGs that are not series-parallel. */
export type DagStrategy = 'exact' | 'phased';

/** One join as the report lists it. */
export interface JoinReport {
  /** The list of steps it belongs to (`definition.steps`, `….choices[0].steps`, a map's `….steps`). */
  list: string;
  step: string;
  /** The edges that became this join: dependencies that run in other branches. */
  waits_for: string[];
}

/** Joins and completion states of a compiled workflow. */
export interface JoinsSummary {
  joins: JoinReport[];
  /** Steps followed by a `.complete` state (they end outside the step runner and have joining dependents). */
  completion_states: string[];
}

/** Names of the helper states (also used by tests and the report). */
export const joinStateName = (step: string): string => `${step}.join`;
export const completeStateName = (step: string): string => `${step}.complete`;

/** Lambda service errors are retried on the helper tasks: losing a join to a throttle would fail the run. */
const JOIN_RETRIER: AslRetrier = {
  ErrorEquals: [...LAMBDA_ERRORS],
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** Builds a Parallel state from branches (the compiler's shared helper, injected to avoid an import cycle). */
export type ParallelBuilder = (
  chains: number[][],
  next: string | undefined,
  scope: Scope,
  compileBranch: (chain: number[], branch: Scope) => string,
) => string;

/** Whether the step runner itself sees the step end (a service call without a fallback/continue route). */
function releasedByRunner(ctx: CompileContext, step: WorkflowStep): boolean {
  if (step.step_type !== 'service_call') return false;
  const action = ctx.handlers.get(step.name)?.action;
  return action !== 'fallback' && action !== 'continue';
}

/** Compiles one prime part with chains and joins; returns the entry state (a Parallel). */
export function compilePrime(
  ctx: CompileContext,
  summary: JoinsSummary,
  steps: WorkflowStep[],
  graph: StepGraph,
  nodes: number[],
  next: string | undefined,
  scope: Scope,
  path: string,
  parallel: ParallelBuilder,
): string {
  const plan: ChainPlan = planChains(graph, nodes);
  const joinOf = new Map(plan.joins.map((j) => [j.step, j.waitsFor.map((d) => steps[d]!.name)]));
  for (const j of plan.joins) {
    summary.joins.push({ list: path, step: steps[j.step]!.name, waits_for: joinOf.get(j.step)! });
  }
  const compileChain = (chain: number[], branch: Scope): string => {
    let following: string | undefined;
    for (let k = chain.length - 1; k >= 0; k--) {
      const v = chain[k]!;
      const step = steps[v]!;
      const release = (plan.releases.get(v) ?? []).map((d) => steps[d]!.name);
      let after = following;
      const byRunner = release.length > 0 && releasedByRunner(ctx, step);
      if (release.length > 0 && !byRunner) {
        after = completeState(step, release, after, branch);
        summary.completion_states.push(step.name);
      }
      let entry = compileStep(ctx, step, after, branch, `${path}[${v}]`);
      if (byRunner) {
        const task = branch.states[step.name] as AslTaskState;
        const payload = (task.Parameters as { Payload: Record<string, unknown> }).Payload;
        payload.release = release;
      }
      const waitsFor = joinOf.get(v);
      if (waitsFor) entry = joinState(step.name, waitsFor, entry, branch);
      following = entry;
    }
    return following!;
  };
  return parallel(plan.chains, next, scope, compileChain);
}

function runIds(scope: Scope): Record<string, string> {
  return {
    'execution_id.$': '$.execution.id',
    'workflow_id.$': '$.execution.workflow_id',
    'correlation_id.$': '$.execution.correlation_id',
    ...(scope.inMap ? { 'item.$': '$.item' } : {}),
  };
}

function joinState(step: string, dependencies: string[], next: string, scope: Scope): string {
  return addState(scope, joinStateName(step), {
    Type: 'Task',
    Comment: `${step} waits for ${dependencies.join(', ')} (other branches) to end.`,
    Resource: LAMBDA_CALLBACK,
    Parameters: {
      FunctionName: WAITER,
      Payload: {
        kind: 'join',
        ...runIds(scope),
        step,
        dependencies,
        'steps.$': '$.steps',
        'task_token.$': '$$.Task.Token',
      },
    },
    ResultPath: '$.steps',
    Retry: [JOIN_RETRIER],
    Next: next,
  });
}

/** Steps that record a result at `$.steps.<name>` (choice, wait, succeed and fail do not). */
const RECORDS_RESULT = new Set(['service_call', 'event_wait', 'sub_workflow', 'map']);

function completeState(step: WorkflowStep, release: string[], next: string | undefined, scope: Scope): string {
  return addState(scope, completeStateName(step.name), {
    Type: 'Task',
    Comment: `${step.name} has ended: release the joins of ${release.join(', ')}.`,
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: STEP_RUNNER,
      Payload: {
        kind: 'complete',
        ...runIds(scope),
        step: step.name,
        ...(RECORDS_RESULT.has(step.step_type) ? { 'result.$': resultPath(step.name) } : {}),
        release,
      },
    },
    ResultPath: null,
    Retry: [JOIN_RETRIER],
    ...(next === undefined ? { End: true } : { Next: next }),
  });
}

/**
 * Exact DAGs: a prime (not series-parallel) part compiles to a `Parallel` of chains (`chains.ts`) where a step whose
 * dependency runs in another chain first enters a join, `<step>.join`: a `.waitForTaskToken` task on the waiter,
 * released when every dependency of its cross-branch set has ended. Its result, the branch's `steps` plus the
 * dependencies' results, replaces `$.steps`, so templates read them as usual and outputs still land at `$.steps`.
 * A branch's `steps` lacks the results of other branches, so a join also hands over the results its step and the
 * rest of its chain read from other branches without depending on them directly (ancestors of its dependencies:
 * they have ended before the join is released, so waiting for them too costs nothing).
 *
 * A dependency with joining dependents releases them when it ends: a service call tells the step runner (`release`
 * in its payload, no extra state); any other step is followed by `<step>.complete`, a step-runner task that records
 * the end and releases (one transition). Joins and completions race safely: each side writes first, then reads the
 * other, and a conditional claim answers the token once (lambdas/waiter/join.ts, lambdas/step-runner/joins.ts).
 */
import type { AslTaskState } from './asl.ts';
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
import { descendantSets, type StepGraph } from './dag.ts';
import { resultsReadBy } from './payload.ts';
import { LAMBDA_RETRIER } from './retry.ts';
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
  /**
   * Other branches' steps whose results the join also hands over (its chain reads them; ancestors of `waits_for`,
   * so they have ended by then). Absent when none.
   */
  delivers?: string[];
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

/** Steps that record a result at `$.steps.<name>` (choice, wait, succeed and fail do not). */
const RECORDS_RESULT = new Set(['service_call', 'event_wait', 'sub_workflow', 'map']);

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
  const delivers = readAcrossBranches(ctx, steps, graph, nodes, plan);
  const joinOf = new Map<number, string[]>();
  const releases = new Map(plan.releases);
  for (const j of plan.joins) {
    const extra = delivers.get(j.step) ?? [];
    const name = steps[j.step]!.name;
    joinOf.set(
      j.step,
      [...j.waitsFor, ...extra].map((d) => steps[d]!.name),
    );
    // A delivered step records its end like a dependency (a `.complete` state when the step runner does not see it).
    for (const d of extra) releases.set(d, [...(releases.get(d) ?? []), j.step]);
    summary.joins.push({
      list: path,
      step: name,
      waits_for: j.waitsFor.map((d) => steps[d]!.name),
      ...(extra.length > 0 ? { delivers: extra.map((d) => steps[d]!.name) } : {}),
    });
  }
  const compileChain = (chain: number[], branch: Scope): string => {
    let following: string | undefined;
    for (let k = chain.length - 1; k >= 0; k--) {
      const v = chain[k]!;
      const step = steps[v]!;
      const release = (releases.get(v) ?? []).map((d) => steps[d]!.name);
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

/**
 * For each joining step, the steps of other chains whose results it must hand over besides its dependencies': those
 * that the step and the following steps of its chain (up to the next join) read and that the branch's `steps` would
 * otherwise lack. Each is an ancestor of the joining step (a later step's ancestors are its chain predecessors or
 * ancestors of the last join before it), so it has ended when the join is released.
 */
function readAcrossBranches(
  ctx: CompileContext,
  steps: WorkflowStep[],
  graph: StepGraph,
  nodes: number[],
  plan: ChainPlan,
): Map<number, number[]> {
  const desc = descendantSets(graph);
  const members = new Set(nodes);
  const index = new Map(steps.map((s, i) => [s.name, i]));
  const joinOf = new Map(plan.joins.map((j) => [j.step, j.waitsFor]));
  const out = new Map<number, number[]>();
  for (const chain of plan.chains) {
    // Results in the branch's `steps` (steps outside this part ran before the Parallel and are always there).
    const present = new Set<number>();
    let lastJoin: number | undefined;
    for (const v of chain) {
      const waitsFor = joinOf.get(v);
      if (waitsFor) {
        lastJoin = v;
        for (const d of waitsFor) present.add(d);
      }
      const reads = resultsReadBy(steps[v]!, ctx.handlers);
      const wanted = reads.anyPresent
        ? nodes
        : reads.names.map((n) => index.get(n)).filter((u): u is number => u !== undefined && members.has(u));
      const missing = wanted
        .filter((u) => desc[u]!.has(v) && !present.has(u) && RECORDS_RESULT.has(steps[u]!.step_type))
        .sort((a, b) => a - b);
      if (missing.length > 0) {
        if (lastJoin === undefined) {
          throw new Error(`unreachable: ${steps[v]!.name} reads another branch's result before any join`);
        }
        out.set(lastJoin, [...(out.get(lastJoin) ?? []), ...missing]);
        for (const u of missing) present.add(u);
      }
      present.add(v);
    }
  }
  return out;
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
    // Lambda's transient errors, as on every Lambda-backed Task: losing a join to a throttle would fail the run.
    Retry: [LAMBDA_RETRIER],
    Next: next,
  });
}

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
    // Lambda's transient errors, as on every Lambda-backed Task: losing a join to a throttle would fail the run.
    Retry: [LAMBDA_RETRIER],
    ...(next === undefined ? { End: true } : { Next: next }),
  });
}

/**
 * State shared while compiling one workflow, and small helpers every compile module uses.
 */
import { SUBSTITUTIONS } from '../runtime-contract.ts';
import type { AslPayload, AslState, AslTransition } from './asl.ts';
import { WorkflowCompileError } from './errors.ts';
import { MAX_PLACEHOLDER_STEPS, type ReadingRequest, stepsPayload } from './payload.ts';
import type { OnError, WorkflowDocument, WorkflowStep } from './schema.ts';

/** `Resource` of a synchronous Lambda invoke. */
export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
/** `Resource` of a callback Lambda invoke (the task waits for SendTaskSuccess/Failure). */
export const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** `FunctionName` of the step runner, a definition substitution. */
export const STEP_RUNNER = `\${${SUBSTITUTIONS.stepRunner}}`;
/** `FunctionName` of the waiter, a definition substitution. */
export const WAITER = `\${${SUBSTITUTIONS.waiter}}`;
/** Error a step inside a Parallel/Map raises to ask the top level to compensate (its Cause is the original error). */
export const COMPENSATE_SIGNAL = 'Steward.Compensate';
/** Entry of the shared compensation flow at the top level. */
export const COMPENSATE_ENTRY = 'compensate.load';
/** Decodes a compensation signal raised inside a Parallel or Map. */
export const COMPENSATE_DECODE = 'compensate.decode';
/** Default wait of an event_wait / sub_workflow without `timeout`, in seconds (one day). */
export const DEFAULT_CALLBACK_TIMEOUT_SECONDS = 86_400;
/** Default per-call timeout of a service call, in milliseconds. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** Seconds a step Task may run beyond its call timeout (registry lookup, history writes). */
export const TASK_TIMEOUT_MARGIN_SECONDS = 30;

/** Where states are being emitted: the top level, a Parallel branch or a Map item processor. */
export interface Scope {
  states: Record<string, AslState>;
  /** The run's document has `$.item` (inside a map). */
  inMap: boolean;
  /** The top-level States (compensation runs here). */
  topLevel: boolean;
}

/** Lost-parallelism figures of one list of steps. */
export interface ListParallelism {
  path: string;
  steps: number;
  /** Whether the schedule's makespan equals the critical path (series-parallel, or compiled with joins). */
  exact: boolean;
  /** Whether the list's DAG is series-parallel. */
  series_parallel: boolean;
  /** How the list was scheduled: nested Parallels, Parallel chains with joins, or phases run one after the other. */
  strategy: 'series-parallel' | 'joins' | 'phased';
  added_orderings: number;
  forced_splits: number;
  /** Schedule makespan ÷ critical path with every step lasting 1. */
  unit_makespan_ratio: number;
  /** Mean of schedule makespan ÷ critical path over 200 seeded uniform(0, 1) duration draws. */
  expected_makespan_ratio: number;
}

/** Compile-time state of one workflow. */
export interface CompileContext {
  workflow: WorkflowDocument;
  express: boolean;
  handlers: Map<string, OnError>;
  /** Step name → step, nested steps included. */
  steps: Map<string, WorkflowStep>;
  /** Step name → max_retries of its `retry` handler (for the report). */
  outerRetries: Map<string, number>;
  /** Names of steps with a compensation (items of the compensation Map in the worst case). */
  compensable: string[];
  needsCompensationFlow: boolean;
  /** A top-level Parallel/Map catches the compensation signal, so the decode state is needed. */
  needsCompensationDecode: boolean;
  parallelCount: number;
  parallelism: ListParallelism[];
  notes: Set<string>;
  /** Step name → the steps whose results are present when it runs (payload pruning, `payload.ts`). */
  present: Map<string, string[]>;
  /** Compiles a nested list (injected to avoid an import cycle). */
  compileList: (steps: WorkflowStep[], next: string | undefined, scope: Scope, path: string) => string;
}

/** `Next` when there is a next state, else `End`. */
export function transition(next: string | undefined): AslTransition {
  return next === undefined ? { End: true } : { Next: next };
}

/** Adds a state, refusing a duplicate name (a compiler bug or a name clash). */
export function addState(scope: Scope, name: string, state: AslState): string {
  if (name in scope.states) throw new WorkflowCompileError(`state name "${name}" is emitted twice`, name);
  scope.states[name] = state;
  return name;
}

/**
 * Fields of the step runner's `RunRef`, read from the run's document. `steps` is what the Task's templates read
 * (`payload.ts`); `'$.steps'` passes the whole map (the compensation flow, whose items read any completed step).
 */
export function runRef(scope: Scope, steps: AslPayload | '$.steps'): AslPayload {
  return {
    'execution_id.$': '$.execution.id',
    'workflow_id.$': '$.execution.workflow_id',
    'correlation_id.$': '$.execution.correlation_id',
    'started_at.$': '$.execution.started_at',
    'context.$': '$.context',
    ...(steps === '$.steps' ? { 'steps.$': '$.steps' } : { steps }),
    ...(scope.inMap ? { 'item.$': '$.item' } : {}),
  };
}

/** The `steps` of a Task payload serving these requests of step `stepName` (see `payload.ts`). */
export function stepsFor(
  ctx: CompileContext,
  stepName: string,
  requests: readonly ReadingRequest[],
): AslPayload | '$.steps' {
  const out = stepsPayload(requests, ctx.present.get(stepName) ?? []);
  if ('payload' in out) return out.payload;
  ctx.notes.add(
    `${stepName}: its endpoint placeholder may read any of ${MAX_PLACEHOLDER_STEPS}+ earlier outputs, so it receives every step result; name the value with a \${steps.<name>.output…} template to pass only that`,
  );
  return '$.steps';
}

/** JSONPath of a step's result in the run's document. */
export function resultPath(stepName: string): string {
  return `$.steps.${stepName}`;
}

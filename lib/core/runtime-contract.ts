/**
 * The contract between compiled state machines and the Lambda handlers they invoke.
 *
 * The compiler (lib/core/workflow) emits ASL whose Task states send these payloads; the step runner, the waiter and
 * the status handler (lambdas/) receive them. Both sides import these types so that neither drifts.
 */

/** Definition substitutions every compiled state machine uses (`${StepRunnerArn}` in the ASL). */
export const SUBSTITUTIONS = {
  stepRunner: 'StepRunnerArn',
  waiter: 'WaiterArn',
} as const;

/** The input a Steward execution starts with; the start handler builds it, the compiled ASL relies on its shape. */
export interface ExecutionInput {
  execution: {
    /** Steward execution id; also the Step Functions execution name. */
    id: string;
    workflow_id: string;
    workflow_name: string;
    workflow_version: string;
    correlation_id: string;
    /** When the run was started (ISO 8601; `${execution.started_at}` in templates). */
    started_at: string;
  };
  /** The caller's context (`${context.task_id}` in templates reads `$.context.task_id`). */
  context: Record<string, unknown>;
  /** Outputs of completed steps by step name; the start handler sends `{}`. */
  steps: Record<string, StepResult>;
  /** Inside a `map` step: the current item. */
  item?: unknown;
}

/** What lands at `$.steps.<name>` when a step completes. */
export interface StepResult {
  status: 'completed' | 'skipped' | 'failed_continued';
  output: unknown;
}

/** Error names the runtime throws; compiled Retry/Catch match them. */
export const STEWARD_ERRORS = {
  /** The run is paused: the state's Catch parks it on a task token until resume. Never retried. */
  paused: 'Steward.Paused',
  /** The service did not answer within the step's timeout. */
  timeout: 'Steward.Timeout',
  /** The service answered 4xx (not retried by default: the request itself is wrong). */
  http4xx: 'Steward.Http4xx',
  /** The service answered 5xx. */
  http5xx: 'Steward.Http5xx',
  /** Connection refused/reset, DNS failure. */
  network: 'Steward.NetworkError',
  /** The service's circuit breaker is open. */
  circuitOpen: 'Steward.CircuitOpen',
  /** The service is not in the registry, or retired. */
  serviceNotFound: 'Steward.ServiceNotFound',
  /** The run was cancelled while a step was about to start. */
  cancelled: 'Steward.Cancelled',
  /** The service's answer is too large to keep in the run's state (MAX_OUTPUT_BYTES). Not retried by default. */
  outputTooLarge: 'Steward.OutputTooLarge',
} as const;

/** Errors a `retry_policy` retries by default: transient ones. */
export const RETRYABLE_ERRORS: readonly string[] = [
  STEWARD_ERRORS.timeout,
  STEWARD_ERRORS.http5xx,
  STEWARD_ERRORS.network,
  STEWARD_ERRORS.circuitOpen,
];

/** A call to a service: what a `service_call` step, a `notify` handler and a compensation send. */
export interface ServiceRequest {
  service: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Endpoint template: `{task_id}` is filled from the context, then from step outputs. */
  endpoint: string;
  /** Request body template: strings `${context.x}` / `${steps.s.output.y}` are resolved. */
  body?: unknown;
  /** Extra header templates (resolved like body strings). */
  headers?: Record<string, string>;
  /** Per-call timeout. */
  timeout_ms: number;
}

/** Payload of the step runner (`lambda:invoke` of `${StepRunnerArn}`), by `kind`. */
export type StepRunnerInput =
  | ServiceCallInput
  | NotifyInput
  | LoadCompensationsInput
  | CompensateInput
  | SubWorkflowInput
  | CompleteInput;

interface RunRef {
  execution_id: string;
  workflow_id: string;
  correlation_id: string;
  /** When the run started (`$.execution.started_at`). */
  started_at?: string;
  /** `$.context` of the run. */
  context: Record<string, unknown>;
  /** The results of earlier steps this call's templates read (never the whole `$.steps`; see payload.ts). */
  steps: Record<string, StepResult>;
  /** `$.item` inside a map iteration. */
  item?: unknown;
}

export interface ServiceCallInput extends RunRef {
  kind: 'service_call';
  step: string;
  request: ServiceRequest;
  /** All attempts the fast retry layer allows (`retry_policy.max_attempts`, 1 when none). */
  max_attempts: number;
  /** When set, the runner calls this target on the last failed attempt (the seed's `notify`). */
  notify?: ServiceRequest & { continue: boolean };
  /**
   * The step's error handler is `continue`: on the last failed attempt the runner records the step
   * `failed_continued` and returns that status instead of throwing, as `notify` with `continue: true` does.
   */
  continue_on_failure?: true;
  /** The step that undoes this one; recorded with the step so a later compensation can run it. */
  compensation?: ServiceRequest;
  /**
   * Steps in other branches that join on this one (exact DAGs): once the step has ended, the runner looks for their
   * joins and releases those whose dependencies have all ended.
   */
  release?: string[];
}

/**
 * Records that a step which the step runner did not run itself (an event wait, a sub-workflow, a map, a fallback…)
 * has ended, then releases the joins in `release` (exact DAGs).
 */
export interface CompleteInput {
  kind: 'complete';
  execution_id: string;
  workflow_id: string;
  correlation_id: string;
  step: string;
  /** `$.steps.<step>` when the step records a result there; absent for choice and wait steps. */
  result?: StepResult;
  item?: unknown;
  release: string[];
}

export interface NotifyInput extends RunRef {
  kind: 'notify';
  step: string;
  request: ServiceRequest;
  /** `$.error` as caught (`Error`, `Cause`). */
  error: { Error?: string; Cause?: string };
}

/** Reads the completed steps of this run that have a compensation, newest first. */
export interface LoadCompensationsInput extends RunRef {
  kind: 'load_compensations';
}

export interface CompensateInput extends RunRef {
  kind: 'compensate';
  /** The completed step being undone. */
  step: string;
  request: ServiceRequest;
}

/** Starts a child workflow (a `.waitForTaskToken` task): the status handler answers the token when it ends. */
export interface SubWorkflowInput extends RunRef {
  kind: 'sub_workflow';
  step: string;
  workflow: string;
  version?: string;
  /** Child context: template values resolved against the parent run. */
  input: Record<string, unknown>;
  task_token: string;
}

/** What the step runner returns for `service_call` / `notify` / `compensate`. */
export interface StepRunnerOutput {
  status: StepResult['status'];
  output: unknown;
}

/** What `load_compensations` returns: the Map state iterates `items`. */
export interface LoadCompensationsOutput {
  items: Array<{ step: string; request: ServiceRequest; output: unknown }>;
}

/** Payload of the waiter (`lambda:invoke.waitForTaskToken` of `${WaiterArn}`), by `kind`. */
export type WaiterInput = EventWaitInput | ParkInput | JoinInput;

export interface EventWaitInput {
  kind: 'event_wait';
  execution_id: string;
  workflow_id: string;
  correlation_id: string;
  step: string;
  event_type: string;
  /** Filter values, already resolved by the ASL from `${context.x}` (JSONPath `$.context.x`). */
  filter: Record<string, unknown>;
  timeout_seconds?: number;
  /**
   * Accept an early event received up to this many seconds before the wait began (the step's `accept_events_since`);
   * without it only events received after the run started count.
   */
  accept_events_since_seconds?: number;
  task_token: string;
}

/** A paused run parks here; resume answers the token and the state machine re-enters the step. */
export interface ParkInput {
  kind: 'park';
  execution_id: string;
  step: string;
  task_token: string;
}

/**
 * A join (exact DAGs): the step waits here until every step in `dependencies` has ended. The waiter registers the
 * token, then looks at the dependencies' step records; whichever side sees the last one end claims the join and
 * answers the token with `steps` plus the dependencies' results (the task's `ResultPath` is `$.steps`).
 */
export interface JoinInput {
  kind: 'join';
  execution_id: string;
  workflow_id: string;
  correlation_id: string;
  /** The joining step. */
  step: string;
  dependencies: string[];
  /** `$.steps` of the branch when the join is entered. */
  steps: Record<string, StepResult>;
  item?: unknown;
  task_token: string;
}

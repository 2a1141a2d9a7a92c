/**
 * The workflow document: the `004_…` seed's JSON format (name, version, `definition.steps[]` with `service_call` /
 * `event_wait`, `depends_on`, `retry_policy`, `error_handlers`) plus the step types its patterns need (choice, wait,
 * map, sub_workflow, succeed, fail), triggers, concurrency and the execution type.
 *
 * The schema checks structure only (types, required fields, unknown keys); `validate.ts` checks the meaning
 * (names, edges, cycles, templates, conflicting options). Parsing applies no defaults: the parsed document equals
 * the input, and the compiler applies documented defaults itself.
 */
import * as z from 'zod';

/** HTTP methods a service call may use (default POST). */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The fast, inner retry layer of a step (mapped to an ASL `Retry`). */
export interface RetryPolicy {
  /** All attempts, the first included (1 = no retry). */
  max_attempts: number;
  /** Factor between consecutive delays (ASL `BackoffRate`). */
  backoff_base: number;
  /** First delay in milliseconds (rounded up to whole seconds, at least 1 s). */
  backoff_multiplier: number;
  /** Cap on a single delay in milliseconds (default 300,000). */
  max_delay_ms?: number;
  /** Full jitter on each delay (default true). */
  jitter?: boolean;
}

/** A request to a registered service: a `compensation`, a `notify` target or a fallback. */
export interface ServiceRequestSpec {
  service: string;
  endpoint: string;
  method?: HttpMethod;
  body?: unknown;
  /** Extra request headers; values are templates like the body's strings. */
  headers?: Record<string, string>;
  /** Per-call timeout in milliseconds (default 30,000). */
  timeout?: number;
}

/** A scalar a condition compares with. */
export type Scalar = string | number | boolean;

/** A condition of a `choice` step on `context.*`, `steps.<name>.output.*` or `item.*` values. */
export type Condition =
  | { variable: string; equals: Scalar }
  | { variable: string; not_equals: Scalar }
  | { variable: string; greater_than: number | string }
  | { variable: string; greater_than_or_equals: number | string }
  | { variable: string; less_than: number | string }
  | { variable: string; less_than_or_equals: number | string }
  | { variable: string; exists: boolean }
  | { variable: string; in: Scalar[] }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

/** Fields every step has. */
export interface StepBase {
  name: string;
  description?: string;
  sequence?: number;
  depends_on?: string[];
  /** Milliseconds: per call for `service_call`, the whole wait for `event_wait` / `sub_workflow`. */
  timeout?: number;
  retry_policy?: RetryPolicy;
  /** The request that undoes this step; run in reverse order by a `compensate` handler. */
  compensation?: ServiceRequestSpec;
}

/** Calls a service through the step runner. */
export interface ServiceCallStep extends StepBase {
  step_type: 'service_call';
  service: string;
  endpoint: string;
  method?: HttpMethod;
  body?: unknown;
  /**
   * Extra request headers (values are templates, resolved like the body's strings). Steward's own headers
   * (`Idempotency-Key`, `X-Correlation-Id`, `traceparent`) and `Authorization` (the service's `auth`) are not allowed.
   */
  headers?: Record<string, string>;
}

/** Waits for an event matching `event_type` and `event_filter` (a callback task). */
export interface EventWaitStep extends StepBase {
  step_type: 'event_wait';
  event_type: string;
  event_filter?: Record<string, unknown>;
  /**
   * Also accept a matching event received up to this long before the wait began (`"30s"`, `"15m"`, `"2h"`, `"1d"`),
   * even from before the run started. Without it, only events received after the run started count.
   */
  accept_events_since?: string;
}

/** One branch of a `choice`: the first branch whose condition holds runs. */
export interface ChoiceBranch {
  condition: Condition;
  steps: WorkflowStep[];
}

/** Runs the steps of the first branch whose condition holds, else `default`; then continues. */
export interface ChoiceStep extends StepBase {
  step_type: 'choice';
  choices: ChoiceBranch[];
  default?: WorkflowStep[];
}

/** Waits `seconds`, or until the timestamp a template names (`until: "${context.deadline}"`). */
export interface WaitStep extends StepBase {
  step_type: 'wait';
  seconds?: number;
  until?: string;
}

/** Runs nested `steps` once per item of a list (`items: "${context.orders}"`). */
export interface MapStep extends StepBase {
  step_type: 'map';
  items: string;
  max_concurrency?: number;
  steps: WorkflowStep[];
}

/** Runs another workflow by name and waits for it to end. */
export interface SubWorkflowStep extends StepBase {
  step_type: 'sub_workflow';
  workflow: string;
  version?: string;
  /** The child's context; whole-value templates (`"${context.x}"`) are resolved from this run. */
  input?: Record<string, unknown>;
}

/** Ends the run successfully. */
export interface SucceedStep extends StepBase {
  step_type: 'succeed';
}

/** Ends the run with an error. */
export interface FailStep extends StepBase {
  step_type: 'fail';
  error?: string;
  cause?: string;
}

/** A step of a workflow, discriminated by `step_type`. */
export type WorkflowStep =
  | ServiceCallStep
  | EventWaitStep
  | ChoiceStep
  | WaitStep
  | MapStep
  | SubWorkflowStep
  | SucceedStep
  | FailStep;

/** The kinds of step. */
export type StepType = WorkflowStep['step_type'];

/** What to do when a step fails after its `retry_policy`. */
export type OnError =
  | { action: 'retry'; max_retries: number; backoff_seconds: number }
  | {
      action: 'notify';
      target: string;
      endpoint: string;
      method?: HttpMethod;
      body?: unknown;
      /** Continue the run after notifying (default false: the run fails). */
      continue?: boolean;
    }
  | { action: 'fallback'; step: ServiceCallStep }
  | { action: 'continue' }
  | { action: 'compensate' };

/** Binds an `on_error` action to a step. */
export interface ErrorHandler {
  step: string;
  on_error: OnError;
}

/** Starts runs on a schedule or on matching EventBridge events (targets the start handler). */
export type Trigger =
  | {
      type: 'schedule';
      /** `rate(…)`, `cron(…)` or `at(…)`, as EventBridge Scheduler reads them (lib/core/schedule.ts). */
      expression: string;
      /** IANA time zone the expression's wall-clock times are in. @default 'UTC' */
      timezone?: string;
      context?: Record<string, unknown>;
    }
  | { type: 'event'; pattern: Record<string, unknown>; context?: Record<string, string> };

/** At most `max_running` runs at once; extra starts queue or are rejected. */
export interface ConcurrencyLimit {
  max_running: number;
  on_limit: 'queue' | 'reject';
}

/** A workflow document, as written in `statemachines/*.json` or sent to `POST /workflows`. */
export interface WorkflowDocument {
  /** The JSON Schema editors check the file against (`schemas/workflow.schema.json`); ignored by Steward. */
  $schema?: string;
  name: string;
  description?: string;
  version?: string;
  /** Milliseconds the whole run may take (ASL `TimeoutSeconds`). */
  timeout?: number;
  execution_type?: 'standard' | 'express';
  /**
   * How a DAG that is not series-parallel runs: `exact` (default) starts every step when its dependencies end, with a
   * join (one transition) per step that waits for another branch; `phased` runs it in phases, one after the other,
   * without joins (fewer transitions, some idle time). Series-parallel DAGs are exact either way.
   */
  dag?: 'exact' | 'phased';
  triggers?: Trigger[];
  concurrency?: ConcurrencyLimit;
  definition: {
    steps: WorkflowStep[];
    error_handlers?: ErrorHandler[];
  };
}

const methodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);
const orderedSchema = z.union([z.number(), z.string()]);

/** Schema of a `retry_policy` (ranges are checked by the validator, with messages). */
export const retryPolicySchema: z.ZodType<RetryPolicy> = z.strictObject({
  max_attempts: z.number(),
  backoff_base: z.number(),
  backoff_multiplier: z.number(),
  max_delay_ms: z.number().optional(),
  jitter: z.boolean().optional(),
});

/** Schema of a service request (compensation, fallback target). */
export const serviceRequestSchema: z.ZodType<ServiceRequestSpec> = z.strictObject({
  service: z.string(),
  endpoint: z.string(),
  method: methodSchema.optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeout: z.number().optional(),
});

/** Schema of a choice condition. */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ variable: z.string(), equals: scalarSchema }),
    z.strictObject({ variable: z.string(), not_equals: scalarSchema }),
    z.strictObject({ variable: z.string(), greater_than: orderedSchema }),
    z.strictObject({ variable: z.string(), greater_than_or_equals: orderedSchema }),
    z.strictObject({ variable: z.string(), less_than: orderedSchema }),
    z.strictObject({ variable: z.string(), less_than_or_equals: orderedSchema }),
    z.strictObject({ variable: z.string(), exists: z.boolean() }),
    z.strictObject({ variable: z.string(), in: z.array(scalarSchema).min(1) }),
    z.strictObject({ and: z.array(conditionSchema).min(1) }),
    z.strictObject({ or: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);

const base = {
  name: z.string(),
  description: z.string().optional(),
  sequence: z.number().optional(),
  depends_on: z.array(z.string()).optional(),
  timeout: z.number().optional(),
  retry_policy: retryPolicySchema.optional(),
  compensation: serviceRequestSchema.optional(),
};

const serviceCallShape = {
  ...base,
  step_type: z.literal('service_call'),
  service: z.string(),
  endpoint: z.string(),
  method: methodSchema.optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
};

/** Schema of a `service_call` step (also the shape of a `fallback` step). */
export const serviceCallStepSchema: z.ZodType<ServiceCallStep> = z.strictObject(serviceCallShape);

/** Schema of one step, discriminated by `step_type`. */
export const workflowStepSchema: z.ZodType<WorkflowStep> = z.lazy(() =>
  z.discriminatedUnion('step_type', [
    z.strictObject(serviceCallShape),
    z.strictObject({
      ...base,
      step_type: z.literal('event_wait'),
      event_type: z.string(),
      event_filter: z.record(z.string(), z.unknown()).optional(),
      accept_events_since: z.string().optional(),
    }),
    z.strictObject({
      ...base,
      step_type: z.literal('choice'),
      choices: z.array(z.strictObject({ condition: conditionSchema, steps: z.array(workflowStepSchema) })).min(1),
      default: z.array(workflowStepSchema).optional(),
    }),
    z.strictObject({
      ...base,
      step_type: z.literal('wait'),
      seconds: z.number().optional(),
      until: z.string().optional(),
    }),
    z.strictObject({
      ...base,
      step_type: z.literal('map'),
      items: z.string(),
      max_concurrency: z.number().optional(),
      steps: z.array(workflowStepSchema).min(1),
    }),
    z.strictObject({
      ...base,
      step_type: z.literal('sub_workflow'),
      workflow: z.string(),
      version: z.string().optional(),
      input: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({ ...base, step_type: z.literal('succeed') }),
    z.strictObject({
      ...base,
      step_type: z.literal('fail'),
      error: z.string().optional(),
      cause: z.string().optional(),
    }),
  ]),
);

/** Schema of an `on_error` action. */
export const onErrorSchema: z.ZodType<OnError> = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('retry'), max_retries: z.number(), backoff_seconds: z.number() }),
  z.strictObject({
    action: z.literal('notify'),
    target: z.string(),
    endpoint: z.string(),
    method: methodSchema.optional(),
    body: z.unknown().optional(),
    continue: z.boolean().optional(),
  }),
  z.strictObject({ action: z.literal('fallback'), step: serviceCallStepSchema }),
  z.strictObject({ action: z.literal('continue') }),
  z.strictObject({ action: z.literal('compensate') }),
]);

/** Schema of a trigger. */
export const triggerSchema: z.ZodType<Trigger> = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('schedule'),
    expression: z.string(),
    timezone: z.string().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({
    type: z.literal('event'),
    pattern: z.record(z.string(), z.unknown()),
    context: z.record(z.string(), z.string()).optional(),
  }),
]);

/** Schema of a concurrency limit. */
export const concurrencySchema: z.ZodType<ConcurrencyLimit> = z.strictObject({
  max_running: z.number(),
  on_limit: z.enum(['queue', 'reject']),
});

/**
 * Schema of a whole workflow document: structure only. Use `validateWorkflow` for the full check; this schema is
 * exported for API request validation and JSON Schema generation (`z.toJSONSchema`).
 */
export const workflowDocumentSchema: z.ZodType<WorkflowDocument> = z.strictObject({
  $schema: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  version: z.string().optional(),
  timeout: z.number().optional(),
  execution_type: z.enum(['standard', 'express']).optional(),
  dag: z.enum(['exact', 'phased']).optional(),
  triggers: z.array(triggerSchema).optional(),
  concurrency: concurrencySchema.optional(),
  definition: z.strictObject({
    steps: z.array(workflowStepSchema).min(1),
    error_handlers: z.array(z.strictObject({ step: z.string(), on_error: onErrorSchema })).optional(),
  }),
});

/**
 * One state per user step, named exactly after the step; results land at `$.steps.<name>`.
 */
import type { AslCatcher, AslChoiceRule, AslPayload, AslRetrier } from './asl.ts';
import {
  addState,
  type CompileContext,
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CALLBACK_TIMEOUT_SECONDS,
  LAMBDA_CALLBACK,
  LAMBDA_INVOKE,
  resultPath,
  runRef,
  type Scope,
  STEP_RUNNER,
  stepsFor,
  TASK_TIMEOUT_MARGIN_SECONDS,
  transition,
  WAITER,
} from './compile-context.ts';
import { COMPENSATE_SIGNAL_CATCH, handlerCatches, parkCatch } from './compile-handlers.ts';
import { durationSeconds } from './durations.ts';
import { LAMBDA_RETRIER, PAUSED_RETRIER, retrierFor, retryableErrorsFor } from './retry.ts';
import type { Condition, EventWaitStep, ServiceCallStep, SubWorkflowStep, WorkflowStep } from './schema.ts';
import { templateToJsonPath, wholeTemplate } from './templates.ts';

/** Compiles one step; returns the name of its entry state. */
export function compileStep(
  ctx: CompileContext,
  step: WorkflowStep,
  next: string | undefined,
  scope: Scope,
  path: string,
): string {
  switch (step.step_type) {
    case 'service_call':
    case 'event_wait':
    case 'sub_workflow':
      return taskStep(ctx, step, next, scope, resultPath(step.name));
    case 'choice': {
      const choices = step.choices.map((c, j) => ({
        ...conditionRule(c.condition),
        Next: branchEntry(ctx, step.name, c.steps, next, scope, `${path}.choices[${j}].steps`),
      }));
      const fallthrough = branchEntry(ctx, step.name, step.default ?? [], next, scope, `${path}.default`);
      return addState(scope, step.name, { Type: 'Choice', Choices: choices, Default: fallthrough });
    }
    case 'wait':
      return addState(scope, step.name, {
        Type: 'Wait',
        ...(step.seconds !== undefined
          ? { Seconds: step.seconds }
          : { TimestampPath: templateToJsonPath(step.until!)! }),
        ...transition(next),
      });
    case 'map': {
      const inner: Scope = { states: {}, inMap: true, topLevel: false };
      const start = ctx.compileList(step.steps, undefined, inner, `${path}.steps`);
      const innerNames = new Set(Object.keys(inner.states));
      const compensates = [...ctx.handlers].some(([n, h]) => h.action === 'compensate' && innerNames.has(n));
      if (compensates && scope.topLevel) ctx.needsCompensationDecode = true;
      return addState(scope, step.name, {
        Type: 'Map',
        ItemsPath: templateToJsonPath(step.items)!,
        ItemSelector: {
          'execution.$': '$.execution',
          'context.$': '$.context',
          steps: {},
          'item.$': '$$.Map.Item.Value',
        },
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: start, States: inner.states },
        ...(step.max_concurrency !== undefined ? { MaxConcurrency: step.max_concurrency } : {}),
        ResultSelector: { status: 'completed', 'output.$': '$[*].steps' },
        ResultPath: resultPath(step.name),
        ...(compensates && scope.topLevel ? { Catch: [COMPENSATE_SIGNAL_CATCH] } : {}),
        ...transition(next),
      });
    }
    case 'succeed':
      return addState(scope, step.name, { Type: 'Succeed' });
    case 'fail':
      return addState(scope, step.name, {
        Type: 'Fail',
        Error: step.error ?? 'Steward.WorkflowFailed',
        Cause: step.cause ?? `The workflow reached fail step ${step.name}.`,
      });
  }
}

/** A choice branch: its steps chained to `next`, or `next` itself when empty (a Pass when there is no next). */
function branchEntry(
  ctx: CompileContext,
  choice: string,
  steps: WorkflowStep[],
  next: string | undefined,
  scope: Scope,
  path: string,
): string {
  if (steps.length > 0) return ctx.compileList(steps, next, scope, path);
  if (next !== undefined) return next;
  const done = `${choice}.done`;
  if (!(done in scope.states)) addState(scope, done, { Type: 'Pass', End: true });
  return done;
}

type TaskStep = ServiceCallStep | EventWaitStep | SubWorkflowStep;

/** A step Task with its retriers, park state and handler route. `target` is where its result lands. */
function taskStep(ctx: CompileContext, step: TaskStep, next: string | undefined, scope: Scope, target: string): string {
  // The pause retrier stays first (DESIGN: a paused run is never retried); Lambda's own errors come next, so a
  // throttle is retried whatever the step's policy says.
  const retry: AslRetrier[] = ctx.express ? [LAMBDA_RETRIER] : [PAUSED_RETRIER, LAMBDA_RETRIER];
  const policy = step.retry_policy ? retrierFor(step.retry_policy, retryableErrorsFor(step.step_type)) : undefined;
  if (policy) retry.push(policy);
  const catches: AslCatcher[] = ctx.express ? [] : [parkCatch(step.name, scope)];
  catches.push(
    ...handlerCatches(ctx, step, next, scope, (after) => {
      const handler = ctx.handlers.get(step.name);
      if (handler?.action !== 'fallback') throw new Error('unreachable: fallback without handler');
      return taskStep(ctx, handler.step, after, scope, target);
    }),
  );
  return addState(scope, step.name, {
    Type: 'Task',
    ...(step.description ? { Comment: step.description } : {}),
    ...taskBody(ctx, step, scope),
    ResultPath: target,
    Retry: retry,
    ...(catches.length > 0 ? { Catch: catches } : {}),
    ...transition(next),
  });
}

function taskBody(
  ctx: CompileContext,
  step: TaskStep,
  scope: Scope,
): { Resource: string; Parameters: AslPayload; ResultSelector?: AslPayload; TimeoutSeconds?: number } {
  if (step.step_type === 'service_call') {
    const timeoutMs = step.timeout ?? DEFAULT_CALL_TIMEOUT_MS;
    const handler = ctx.handlers.get(step.name);
    const notify =
      handler?.action === 'notify'
        ? {
            service: handler.target,
            method: handler.method ?? 'POST',
            endpoint: handler.endpoint,
            ...(handler.body === undefined ? {} : { body: handler.body }),
            timeout_ms: 10_000,
            continue: handler.continue ?? false,
          }
        : undefined;
    const c = step.compensation;
    return {
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: STEP_RUNNER,
        Payload: {
          kind: 'service_call',
          step: step.name,
          ...runRef(scope, stepsFor(ctx, step.name, [step, ...(handler?.action === 'notify' ? [handler] : [])])),
          request: request(step, timeoutMs),
          max_attempts: step.retry_policy?.max_attempts ?? 1,
          ...(notify ? { notify } : {}),
          ...(handler?.action === 'continue' ? { continue_on_failure: true } : {}),
          ...(c ? { compensation: request(c, c.timeout ?? DEFAULT_CALL_TIMEOUT_MS) } : {}),
        },
      },
      ResultSelector: { 'status.$': '$.Payload.status', 'output.$': '$.Payload.output' },
      TimeoutSeconds: Math.ceil(timeoutMs / 1000) + TASK_TIMEOUT_MARGIN_SECONDS,
    };
  }
  const timeoutSeconds = step.timeout === undefined ? DEFAULT_CALLBACK_TIMEOUT_SECONDS : Math.ceil(step.timeout / 1000);
  if (step.timeout === undefined) {
    ctx.notes.add(`${step.name}: no timeout given, waits at most ${DEFAULT_CALLBACK_TIMEOUT_SECONDS} s`);
  }
  if (step.step_type === 'event_wait') {
    return {
      Resource: LAMBDA_CALLBACK,
      Parameters: {
        FunctionName: WAITER,
        Payload: {
          kind: 'event_wait',
          'execution_id.$': '$.execution.id',
          'workflow_id.$': '$.execution.workflow_id',
          'correlation_id.$': '$.execution.correlation_id',
          step: step.name,
          event_type: step.event_type,
          filter: resolvedValues(step.event_filter ?? {}),
          timeout_seconds: timeoutSeconds,
          ...(step.accept_events_since === undefined
            ? {}
            : { accept_events_since_seconds: durationSeconds(step.accept_events_since)! }),
          'task_token.$': '$$.Task.Token',
        },
      },
      TimeoutSeconds: timeoutSeconds,
    };
  }
  return {
    Resource: LAMBDA_CALLBACK,
    Parameters: {
      FunctionName: STEP_RUNNER,
      Payload: {
        kind: 'sub_workflow',
        step: step.name,
        ...runRef(scope, {}),
        workflow: step.workflow,
        ...(step.version ? { version: step.version } : {}),
        input: resolvedValues(step.input ?? {}),
        'task_token.$': '$$.Task.Token',
      },
    },
    TimeoutSeconds: timeoutSeconds,
  };
}

function request(
  r: { service: string; endpoint: string; method?: string; body?: unknown; headers?: Record<string, string> },
  timeoutMs: number,
): Record<string, unknown> {
  return {
    service: r.service,
    method: r.method ?? 'POST',
    endpoint: r.endpoint,
    ...(r.body === undefined ? {} : { body: r.body }),
    ...(r.headers === undefined ? {} : { headers: r.headers }),
    timeout_ms: timeoutMs,
  };
}

/** Whole-value templates become `"key.$": "<JSONPath>"`; everything else stays literal. */
function resolvedValues(values: Record<string, unknown>): AslPayload {
  const out: AslPayload = {};
  for (const [key, value] of Object.entries(values)) {
    const path = typeof value === 'string' ? templateToJsonPath(value) : undefined;
    if (path) out[`${key}.$`] = path;
    else out[key] = value;
  }
  return out;
}

/** Choice rule of a condition. Comparisons are guarded by IsPresent (a missing value would fail the state). */
export function conditionRule(cond: Condition): AslChoiceRule {
  if ('and' in cond) return { And: cond.and.map(conditionRule) };
  if ('or' in cond) return { Or: cond.or.map(conditionRule) };
  if ('not' in cond) return { Not: conditionRule(cond.not) };
  const variable = variablePath(cond.variable);
  const present = { Variable: variable, IsPresent: true };
  const guard = (rule: AslChoiceRule): AslChoiceRule => ({ And: [present, rule] });
  const compare = (op: string, value: string | number | boolean): AslChoiceRule => {
    const kind = typeof value === 'string' ? 'String' : typeof value === 'number' ? 'Numeric' : 'Boolean';
    return { Variable: variable, [`${kind}${op}`]: value };
  };
  if ('equals' in cond) return guard(compare('Equals', cond.equals));
  if ('not_equals' in cond) return { Not: guard(compare('Equals', cond.not_equals)) };
  if ('greater_than' in cond) return guard(compare('GreaterThan', cond.greater_than));
  if ('greater_than_or_equals' in cond) return guard(compare('GreaterThanEquals', cond.greater_than_or_equals));
  if ('less_than' in cond) return guard(compare('LessThan', cond.less_than));
  if ('less_than_or_equals' in cond) return guard(compare('LessThanEquals', cond.less_than_or_equals));
  // IsPresent: false never matches in the local engine, and Not + IsPresent: true means the same on AWS.
  if ('exists' in cond) return cond.exists ? present : { Not: present };
  const options = cond.in.map((v) => guard(compare('Equals', v)));
  return options.length === 1 ? options[0]! : { Or: options };
}

function variablePath(variable: string): string {
  const text = wholeTemplate(variable) === undefined ? `\${${variable}}` : variable;
  return templateToJsonPath(text)!;
}

/**
 * Error paths of step Tasks: pause parking, `error_handlers` routes, and the shared compensation flow. None of these
 * states is entered on the happy path.
 */
import { RETRYABLE_ERRORS, STEWARD_ERRORS } from '../runtime-contract.ts';
import type { AslCatcher, AslRetrier } from './asl.ts';
import {
  addState,
  COMPENSATE_DECODE,
  COMPENSATE_ENTRY,
  COMPENSATE_SIGNAL,
  type CompileContext,
  LAMBDA_CALLBACK,
  LAMBDA_INVOKE,
  resultPath,
  runRef,
  type Scope,
  STEP_RUNNER,
  stepsFor,
  transition,
  WAITER,
} from './compile-context.ts';
import { LAMBDA_RETRIER } from './retry.ts';

/** Retrier for Steward's own helper tasks (notify, compensation): transient errors, 3 attempts. */
export const HELPER_RETRIER: AslRetrier = {
  ErrorEquals: [...RETRYABLE_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 2,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

const ERROR_PATH = '$.steward.error';

/** Adds the park state of a step (pause with 0 extra transitions) and returns its Catch. */
export function parkCatch(step: string, scope: Scope): AslCatcher {
  const park = addState(scope, `${step}.paused`, {
    Type: 'Task',
    Comment: `Paused before ${step}: resume answers the task token and the run re-enters ${step}.`,
    Resource: LAMBDA_CALLBACK,
    Parameters: {
      FunctionName: WAITER,
      Payload: {
        kind: 'park',
        'execution_id.$': '$.execution.id',
        step,
        'task_token.$': '$$.Task.Token',
      },
    },
    ResultPath: null,
    Retry: [LAMBDA_RETRIER],
    Next: step,
  });
  return { ErrorEquals: [STEWARD_ERRORS.paused], ResultPath: '$.steward.pause', Next: park };
}

/** A Fail state that re-raises the error caught at `$.steward.error`. */
function reraise(scope: Scope, name: string): string {
  return addState(scope, name, { Type: 'Fail', ErrorPath: `${ERROR_PATH}.Error`, CausePath: `${ERROR_PATH}.Cause` });
}

/**
 * Catches of a step for its error handler (after the park Catch): a cancelled run is never handled, everything else
 * goes to the handler's route. `fallbackTask` compiles the fallback step. Returns [] when the step has no handler or
 * its handler needs no Catch (notify on a service_call is sent by the step runner).
 */
export function handlerCatches(
  ctx: CompileContext,
  step: { name: string; step_type: string },
  next: string | undefined,
  scope: Scope,
  fallbackTask: (next: string | undefined) => string,
): AslCatcher[] {
  const handler = ctx.handlers.get(step.name);
  if (!handler) return [];
  if (handler.action === 'notify' && step.step_type === 'service_call') return [];
  const name = step.name;
  let route: string;
  switch (handler.action) {
    case 'retry': {
      ctx.outerRetries.set(name, handler.max_retries);
      const counter = `$.steward.retries.${name}`;
      const wait = addState(scope, `${name}.retry_wait`, {
        Type: 'Wait',
        Seconds: handler.backoff_seconds,
        Next: name,
      });
      const first = addState(scope, `${name}.retry_first`, {
        Type: 'Pass',
        Result: { count: 1 },
        ResultPath: counter,
        Next: wait,
      });
      const count = addState(scope, `${name}.retry_count`, {
        Type: 'Pass',
        Parameters: { 'count.$': `States.MathAdd(${counter}.count, 1)` },
        ResultPath: counter,
        Next: wait,
      });
      const exhausted = reraise(scope, `${name}.retry_exhausted`);
      route = addState(scope, `${name}.retry`, {
        Type: 'Choice',
        Comment: `Slow retries of ${name}: at most ${handler.max_retries}, ${handler.backoff_seconds} s apart.`,
        Choices: [
          { Not: { Variable: counter, IsPresent: true }, Next: first },
          { Variable: `${counter}.count`, NumericGreaterThanEquals: handler.max_retries, Next: exhausted },
        ],
        Default: count,
      });
      break;
    }
    case 'notify': {
      const after = handler.continue ? continued(scope, name, next) : reraise(scope, `${name}.failed`);
      route = addState(scope, `${name}.notify`, {
        Type: 'Task',
        Resource: LAMBDA_INVOKE,
        Parameters: {
          FunctionName: STEP_RUNNER,
          Payload: {
            kind: 'notify',
            ...runRef(scope, stepsFor(ctx, name, [{ body: handler.body }])),
            step: name,
            request: {
              service: handler.target,
              method: handler.method ?? 'POST',
              endpoint: handler.endpoint,
              ...(handler.body === undefined ? {} : { body: handler.body }),
              timeout_ms: 10_000,
            },
            'error.$': ERROR_PATH,
          },
        },
        ResultPath: null,
        Retry: [LAMBDA_RETRIER, HELPER_RETRIER],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.steward.notify_error', Next: after }],
        Next: after,
      });
      break;
    }
    case 'fallback':
      route = fallbackTask(next);
      break;
    case 'continue':
      route = continued(scope, name, next);
      break;
    case 'compensate':
      ctx.needsCompensationFlow = true;
      route = scope.topLevel ? COMPENSATE_ENTRY : signalCompensation(scope, name);
      break;
  }
  const cancelled = addState(scope, `${name}.cancelled`, {
    Type: 'Fail',
    Error: STEWARD_ERRORS.cancelled,
    Cause: 'The run was cancelled; error handlers do not apply.',
  });
  return [
    { ErrorEquals: [STEWARD_ERRORS.cancelled], Next: cancelled },
    { ErrorEquals: ['States.ALL'], ResultPath: ERROR_PATH, Next: route },
  ];
}

/** `$.steps.<name>` = {status: 'failed_continued', output: error}, then on. */
function continued(scope: Scope, name: string, next: string | undefined): string {
  return addState(scope, `${name}.continued`, {
    Type: 'Pass',
    Parameters: { status: 'failed_continued', 'output.$': ERROR_PATH },
    ResultPath: resultPath(name),
    ...transition(next),
  });
}

/** Inside a Parallel/Map: fail with `Steward.Compensate`, the original error JSON-encoded as the Cause. */
function signalCompensation(scope: Scope, name: string): string {
  const raise = addState(scope, `${name}.compensate_raise`, {
    Type: 'Fail',
    Error: COMPENSATE_SIGNAL,
    CausePath: '$.steward.signal.cause',
  });
  return addState(scope, `${name}.compensate_signal`, {
    Type: 'Pass',
    Parameters: { 'cause.$': `States.JsonToString(${ERROR_PATH})` },
    ResultPath: '$.steward.signal',
    Next: raise,
  });
}

/** The Catch a top-level Parallel/Map gets when a step inside it compensates. */
export const COMPENSATE_SIGNAL_CATCH: AslCatcher = {
  ErrorEquals: [COMPENSATE_SIGNAL],
  ResultPath: '$.steward.signal',
  Next: COMPENSATE_DECODE,
};

/**
 * The shared compensation flow (top level): read the completed steps' compensations from history (newest first),
 * run them one at a time, then fail with the original error.
 */
export function addCompensationFlow(scope: Scope, withDecode: boolean): void {
  if (withDecode) addDecode(scope);
  addSteps(scope);
}

function addDecode(scope: Scope): void {
  addState(scope, COMPENSATE_DECODE, {
    Type: 'Pass',
    Comment: 'A step inside a Parallel or Map asked for compensation; its original error is the signal Cause.',
    Parameters: { 'error.$': 'States.StringToJson($.steward.signal.Cause)' },
    ResultPath: '$.steward',
    Next: COMPENSATE_ENTRY,
  });
}

function addSteps(scope: Scope): void {
  const itemScope: Scope = { states: {}, inMap: false, topLevel: false };
  addState(itemScope, 'compensate.step', {
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: STEP_RUNNER,
      Payload: {
        kind: 'compensate',
        ...runRef(itemScope, '$.steps'),
        'step.$': '$.compensation.step',
        'request.$': '$.compensation.request',
      },
    },
    ResultPath: null,
    Retry: [LAMBDA_RETRIER, HELPER_RETRIER],
    End: true,
  });
  addState(scope, COMPENSATE_ENTRY, {
    Type: 'Task',
    Comment: 'Completed steps of this run that have a compensation, newest first, from the history table.',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: STEP_RUNNER, Payload: { kind: 'load_compensations', ...runRef(scope, {}) } },
    ResultSelector: { 'items.$': '$.Payload.items' },
    ResultPath: '$.steward.compensations',
    Retry: [LAMBDA_RETRIER, HELPER_RETRIER],
    Next: 'compensate.run',
  });
  addState(scope, 'compensate.run', {
    Type: 'Map',
    ItemsPath: '$.steward.compensations.items',
    MaxConcurrency: 1,
    ItemSelector: {
      'execution.$': '$.execution',
      'context.$': '$.context',
      'steps.$': '$.steps',
      'compensation.$': '$$.Map.Item.Value',
    },
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'compensate.step', States: itemScope.states },
    ResultPath: null,
    Next: 'compensate.fail',
  });
  reraise(scope, 'compensate.fail');
}

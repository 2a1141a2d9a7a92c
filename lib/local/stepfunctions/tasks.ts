import { randomUUID } from 'node:crypto';
import type { InvokeResult } from '../lambda/types.ts';
import type { AslState } from './definition.ts';
import { replaceDeep } from './definition.ts';
import type { HistoryRecorder } from './history.ts';
import { TaskError, type TaskTokens } from './tokens.ts';

/** What a Task state needs from the outside world. */
export interface TaskDeps {
  invoke(nameOrArn: string, payload: unknown): Promise<InvokeResult>;
  tokens: TaskTokens;
  /** Extra service integrations by Resource ARN (e.g. `arn:aws:states:::events:putEvents`). */
  integrations: Record<string, (parameters: unknown) => Promise<unknown>>;
  /** `states:startExecution` (`.sync:2` waits for the child). */
  startChild(parameters: unknown, sync: 'none' | 'sync' | 'sync:2'): Promise<unknown>;
  region: string;
}

/** Per-execution facts a task needs. */
export interface TaskScope {
  executionArn: string;
  tokenPlaceholder: string;
  history: HistoryRecorder;
  speed: number;
  /** Keeps a new task token (the data folder's journal), so a restarted local mode can wait on it again. */
  recordToken?: (token: string, state: string) => void;
}

/**
 * A `.waitForTaskToken` task that was waiting when local mode stopped: its function already ran and handed the token
 * on, so the restarted run waits on the same token (`answer`) instead of invoking the function again.
 */
export interface ResumedWait {
  state: string;
  answer: Promise<unknown>;
  used?: boolean;
}

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const START_EXECUTION = 'arn:aws:states:::states:startExecution';

/**
 * The override aws-local-stepfunctions calls for one Task state: dispatches by the state's Resource, records
 * TaskScheduled/…/TaskSucceeded history, supplies `.waitForTaskToken` callback semantics.
 */
export function taskHandler(
  name: string,
  state: AslState,
  deps: TaskDeps,
  scope: TaskScope,
  resumed?: ResumedWait,
): (input: unknown) => Promise<unknown> {
  const resource = state.Resource ?? '';
  return async (input) => {
    // Let the event-log consumer record StateEntered first, so history stays in order.
    await new Promise((r) => setImmediate(r));
    if (resumed && !resumed.used && resumed.state === name) {
      // Only the first attempt: a retry after the resumed wait fails invokes the function as usual.
      resumed.used = true;
      return awaitAnswer(resumed.answer, 'invoke.waitForTaskToken', scope);
    }
    if (resource === LAMBDA_INVOKE || resource === `${LAMBDA_INVOKE}.waitForTaskToken`) {
      return lambdaInvoke(name, input, resource.endsWith('.waitForTaskToken'), state, deps, scope);
    }
    if (/^arn:aws:lambda:[^:]+:\d{12}:function:/.test(resource)) {
      scheduled(scope, 'lambda', 'invokeFunction', deps.region, input);
      const result = await invokeOrThrow(deps, resource, input, scope);
      succeeded(scope, 'lambda', 'invokeFunction', result.payload);
      return result.payload;
    }
    if (resource.startsWith(START_EXECUTION)) {
      const sync = resource.endsWith('.sync:2') ? 'sync:2' : resource.endsWith('.sync') ? 'sync' : 'none';
      scheduled(scope, 'states', `startExecution${sync === 'none' ? '' : `.${sync}`}`, deps.region, input);
      try {
        const out = await deps.startChild(input, sync);
        succeeded(scope, 'states', 'startExecution', out);
        return out;
      } catch (error) {
        throw failed(scope, 'states', 'startExecution', toTaskError(error));
      }
    }
    const integration = deps.integrations[resource];
    if (integration) {
      const [service = 'unknown', action = 'unknown'] = resource.replace('arn:aws:states:::', '').split(':');
      scheduled(scope, service, action, deps.region, input);
      try {
        const out = await integration(input);
        succeeded(scope, service, action, out);
        return out;
      } catch (error) {
        throw failed(scope, service, action, toTaskError(error));
      }
    }
    throw new TaskError('States.Runtime', `Resource ${resource} is not supported by the local Step Functions endpoint`);
  };
}

async function lambdaInvoke(
  name: string,
  input: unknown,
  wait: boolean,
  state: AslState,
  deps: TaskDeps,
  scope: TaskScope,
): Promise<unknown> {
  const action = wait ? 'invoke.waitForTaskToken' : 'invoke';
  let params = (typeof input === 'object' && input !== null ? input : {}) as {
    FunctionName?: unknown;
    Payload?: unknown;
  };
  let token: string | undefined;
  let answer: Promise<unknown> | undefined;
  if (wait) {
    // The run's context maps $$.Task.Token to a per-execution placeholder; each attempt gets its own token.
    token = deps.tokens.create(scope.executionArn);
    scope.recordToken?.(token, name);
    params = replaceDeep(params, scope.tokenPlaceholder, token) as typeof params;
    const timeoutMs = state.TimeoutSeconds !== undefined ? (state.TimeoutSeconds * 1000) / scope.speed : undefined;
    const heartbeatMs =
      state.HeartbeatSeconds !== undefined ? (state.HeartbeatSeconds * 1000) / scope.speed : undefined;
    // Registered before the function runs: a function may answer its own token at once.
    answer = deps.tokens.wait(token, scope.executionArn, timeoutMs, heartbeatMs);
    answer.catch(() => undefined);
  }
  scheduled(scope, 'lambda', action, deps.region, params, state);
  if (typeof params.FunctionName !== 'string') {
    if (token) deps.tokens.cancelExecution(scope.executionArn);
    throw failed(scope, 'lambda', action, new TaskError('States.Runtime', 'Parameters.FunctionName must be a string'));
  }
  scope.history.push('TaskStarted', { resourceType: 'lambda', resource: action });
  const result = await invokeOrThrow(deps, params.FunctionName, params.Payload ?? null, scope, action);
  if (!answer) {
    const out = {
      ExecutedVersion: '$LATEST',
      Payload: result.payload,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
      StatusCode: 200,
    };
    succeeded(scope, 'lambda', action, out);
    return out;
  }
  scope.history.push('TaskSubmitted', {
    resourceType: 'lambda',
    resource: action,
    output: JSON.stringify(result.payload),
  });
  return awaitAnswer(answer, action, scope);
}

/** The end of a callback task: its token answered (TaskSucceeded), failed, or timed out. */
async function awaitAnswer(answer: Promise<unknown>, action: string, scope: TaskScope): Promise<unknown> {
  try {
    const out = await answer;
    succeeded(scope, 'lambda', action, out);
    return out;
  } catch (error) {
    const taskError = toTaskError(error);
    if (taskError.name === 'States.Timeout' || taskError.name === 'States.HeartbeatTimeout') {
      scope.history.push('TaskTimedOut', {
        resourceType: 'lambda',
        resource: action,
        error: taskError.name,
        cause: taskError.message,
      });
      throw taskError;
    }
    throw failed(scope, 'lambda', action, taskError);
  }
}

async function invokeOrThrow(
  deps: TaskDeps,
  fn: string,
  payload: unknown,
  scope: TaskScope,
  action = 'invokeFunction',
): Promise<InvokeResult & { ok: true }> {
  let result: InvokeResult;
  try {
    result = await deps.invoke(fn, payload);
  } catch (error) {
    deps.tokens.cancelExecution(scope.executionArn);
    throw failed(scope, 'lambda', action, new TaskError('Lambda.ResourceNotFoundException', (error as Error).message));
  }
  if (!result.ok) {
    // A function error fails the task with the function's error name (so `Steward.Paused` meets its Catch).
    throw failed(scope, 'lambda', action, new TaskError(result.errorType, result.errorMessage));
  }
  return result;
}

function toTaskError(error: unknown): TaskError {
  if (error instanceof TaskError) return error;
  if (error instanceof Error)
    return new TaskError(error.name === 'Error' ? 'States.TaskFailed' : error.name, error.message);
  return new TaskError('States.TaskFailed', String(error));
}

function scheduled(
  scope: TaskScope,
  resourceType: string,
  resource: string,
  region: string,
  parameters: unknown,
  state?: AslState,
): void {
  scope.history.push('TaskScheduled', {
    resourceType,
    resource,
    region,
    parameters: JSON.stringify(parameters ?? null),
    ...(state?.TimeoutSeconds !== undefined ? { timeoutInSeconds: state.TimeoutSeconds } : {}),
    ...(state?.HeartbeatSeconds !== undefined ? { heartbeatInSeconds: state.HeartbeatSeconds } : {}),
  });
}

function succeeded(scope: TaskScope, resourceType: string, resource: string, output: unknown): void {
  scope.history.push('TaskSucceeded', { resourceType, resource, output: JSON.stringify(output ?? null) });
}

function failed(scope: TaskScope, resourceType: string, resource: string, error: TaskError): TaskError {
  scope.history.push('TaskFailed', { resourceType, resource, error: error.name, cause: error.message });
  return error;
}

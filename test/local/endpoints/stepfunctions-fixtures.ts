/**
 * What the local Step Functions tests that drive `StepFunctionsService` directly share: Lambda-task states, fake
 * functions the service invokes, and its operations called by name.
 */
import type { InvokeResult } from '../../../lib/local/lambda/types.ts';
import type { StepFunctionsService } from '../../../lib/local/stepfunctions/index.ts';

export const ROLE = 'arn:aws:iam::000000000000:role/steward-runtime';
export const fn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** A Lambda task state invoking `name` (with `.waitForTaskToken` when `wait`), its result at `$.<name>`. */
export const task = (name: string, next?: string, wait = false): Record<string, unknown> => ({
  Type: 'Task',
  Resource: `arn:aws:states:::lambda:invoke${wait ? '.waitForTaskToken' : ''}`,
  Parameters: { FunctionName: fn(name), Payload: { 'token.$': '$$.Task.Token' } },
  ResultPath: `$.${name}`,
  ...(next ? { Next: next } : { End: true }),
});

/**
 * Fake functions: each call is counted and its task token kept; a call of a `held` function answers only when the
 * test releases it (never, for a call in flight when local mode stops).
 */
export class Functions {
  readonly calls: Record<string, number> = {};
  readonly tokens: string[] = [];
  readonly held = new Set<string>();
  private readonly releases: Array<(result: InvokeResult) => void> = [];
  async invoke(nameOrArn: string, payload: unknown): Promise<InvokeResult> {
    const name = nameOrArn.split(':').at(-1) ?? nameOrArn;
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    const token = (payload as { token?: string })?.token;
    if (token && token !== 'steward-local:task-token') this.tokens.push(token);
    if (this.held.has(name)) return new Promise((resolve) => this.releases.push(resolve));
    return { ok: true, payload: { from: name } };
  }
  /** Answers the held calls with `result`. */
  release(result: InvokeResult): void {
    for (const resolve of this.releases.splice(0)) resolve(result);
  }
}

export type Ops = ReturnType<StepFunctionsService['operations']>;

/** One operation by name (throws when the service has none of that name). */
export const op = (ops: Ops, name: string): ((input: Record<string, unknown>) => unknown) => {
  const operation = ops[name];
  if (!operation) throw new Error(`no operation ${name}`);
  return operation;
};

export const create = (ops: Ops, name: string, definition: object): string =>
  (
    op(ops, 'CreateStateMachine')({ name, roleArn: ROLE, definition: JSON.stringify(definition) }) as {
      stateMachineArn: string;
    }
  ).stateMachineArn;

export const start = (ops: Ops, stateMachineArn: string): string =>
  (op(ops, 'StartExecution')({ stateMachineArn, input: '{"n":1}' }) as { executionArn: string }).executionArn;

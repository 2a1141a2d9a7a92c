/**
 * Redrive past a join, on the local Step Functions service (the engine local mode runs): joins are real
 * `.waitForTaskToken` tasks answered through SendTaskSuccess by an in-memory stand-in for the waiter and the step
 * runner that follows their protocol (register then read; complete then release).
 */
import { describe, expect, it } from 'vitest';
import { compileWorkflow, type WorkflowDocument } from '../../../lib/core/workflow/index.ts';
import type { InvokeResult } from '../../../lib/local/lambda/types.ts';
import { StepFunctionsService } from '../../../lib/local/stepfunctions/index.ts';
import { executionInput } from '../../support/asl-runner.ts';
import { dagWorkflow } from './dag-generators.ts';

const ROLE = 'arn:aws:iam::000000000000:role/steward-runtime';

/** Step runner + waiter stand-in: service calls succeed unless `failures` says otherwise. */
function protocol(service: () => StepFunctionsService, failures: Map<string, number>) {
  const ended = new Map<string, unknown>();
  const joins = new Map<string, { token: string; deps: string[]; steps: Record<string, unknown> }>();
  const calls: string[] = [];
  const tokens: string[] = [];
  const tryRelease = async (step: string): Promise<void> => {
    const j = joins.get(step);
    if (!j?.deps.every((d) => ended.has(d))) return;
    joins.delete(step);
    const output = { ...j.steps, ...Object.fromEntries(j.deps.map((d) => [d, ended.get(d)])) };
    await service().operations().SendTaskSuccess!({ taskToken: j.token, output: JSON.stringify(output) });
  };
  const invoke = async (_fn: string, raw: unknown): Promise<InvokeResult> => {
    const p = raw as Record<string, unknown>;
    const step = String(p.step);
    if (p.kind === 'join') {
      calls.push(`${step}.join`);
      tokens.push(String(p.task_token));
      joins.set(step, {
        token: String(p.task_token),
        deps: p.dependencies as string[],
        steps: p.steps as Record<string, unknown>,
      });
      await tryRelease(step);
      return { ok: true, payload: { status: 'waiting' } };
    }
    calls.push(step);
    const left = failures.get(step) ?? 0;
    if (left > 0) {
      failures.set(step, left - 1);
      return { ok: false, errorType: 'Steward.Http5xx', errorMessage: `${step} failed` };
    }
    const result = { status: 'completed', output: { step } };
    ended.set(step, result);
    for (const d of (p.release as string[] | undefined) ?? []) await tryRelease(d);
    return { ok: true, payload: result };
  };
  return { invoke, calls, tokens };
}

describe('redrive past a join (local Step Functions service)', () => {
  it('re-enters a failed joined step on redrive: a new join token is released and the run succeeds', async () => {
    const failures = new Map([['s3', 1]]);
    let service: StepFunctionsService | undefined;
    const stand = protocol(() => service!, failures);
    service = new StepFunctionsService({ lambda: { invoke: stand.invoke } });
    const ops = service.operations();
    const { asl } = compileWorkflow(dagWorkflow([[], [], [0], [0, 1]]) as unknown as WorkflowDocument);
    const definition = JSON.stringify(asl).replace(/\$\{(\w+)\}/g, 'arn:aws:lambda:us-east-1:000000000000:function:$1');
    const { stateMachineArn } = (await ops.CreateStateMachine!({ name: 'n-shape', roleArn: ROLE, definition })) as {
      stateMachineArn: string;
    };
    const { executionArn } = (await ops.StartExecution!({
      stateMachineArn,
      name: 'exec-1',
      input: JSON.stringify(executionInput()),
    })) as { executionArn: string };

    const failed = await service.waitFor(executionArn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Steward.Http5xx');
    expect(stand.calls.filter((c) => c === 's3')).toHaveLength(1);

    await ops.RedriveExecution!({ executionArn });
    const done = await service.waitFor(executionArn);

    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(stand.calls.filter((c) => c === 's3')).toHaveLength(2);
    expect(new Set(stand.tokens).size).toBe(stand.tokens.length);
    const output = JSON.parse(String(done.output)) as { steps: Record<string, unknown> };
    expect(Object.keys(output.steps).sort()).toEqual(['s0', 's1', 's2', 's3']);
  });
});

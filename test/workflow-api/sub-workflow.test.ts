/**
 * A `sub_workflow` step has a step record in the parent, like any step: running while the child runs, then completed
 * with the child's id and result, or failed with the child's error, before the parent's task token is answered.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import type { SubWorkflowInput } from '../../lib/core/runtime-contract.ts';
import { lambdaContext } from '../engine/support.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import {
  type ApiLambda,
  call,
  fakeEventBridge,
  fakeStepFunctions,
  seedWorkflow,
  setHandlerEnv,
  statusChange,
} from './harness.ts';

const sfn = fakeStepFunctions();
const bus = fakeEventBridge();
let workflows: ApiLambda;
let executions: ApiLambda;
let runner: typeof import('../../lambdas/step-runner/handler.ts').handler;
let statusHandler: typeof import('../../lambdas/status-handler/handler.ts').handler;
let parentWorkflow: string;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  runner = (await import('../../lambdas/step-runner/handler.ts')).handler;
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  parentWorkflow = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Parent') })).body.id;
  await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Child') });
});

beforeEach(() => {
  sfn.install();
  sfn.sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.sfn.on(SendTaskFailureCommand).resolves({});
  bus.install();
});

const context = { project_id: 'p1', task_id: 't1', agent_id: 'a1' };

/** A parent run whose `run_child` step starts the Child workflow; returns the parent id and the child id. */
async function startChild(): Promise<{ parent: string; child: string }> {
  const parent = (await call(executions, 'POST', '/executions', { body: { workflow_id: parentWorkflow, context } }))
    .body.execution_id as string;
  const input: SubWorkflowInput = {
    kind: 'sub_workflow',
    execution_id: parent,
    workflow_id: parentWorkflow,
    correlation_id: 'corr-1',
    context,
    steps: {},
    step: 'run_child',
    workflow: 'Child',
    input: context,
    task_token: `token-${parent}`,
  };
  const out = (await runner(input, lambdaContext)) as { output: { execution_id: string } };
  return { parent, child: out.output.execution_id };
}

const stepsOf = async (id: string) =>
  (await call(executions, 'GET', `/executions/${id}/steps`)).body.steps as Array<Record<string, unknown>>;

describe('sub_workflow step records', () => {
  it('the parent lists the step as running while the child runs, then completed with the child id', async () => {
    const { parent, child } = await startChild();

    const running = (await stepsOf(parent)).find((s) => s.step === 'run_child');
    await statusHandler(statusChange(child, 'SUCCEEDED', Date.now(), { output: JSON.stringify({ ok: true }) }));
    const done = (await stepsOf(parent)).find((s) => s.step === 'run_child');

    expect(running).toMatchObject({ status: 'running' });
    expect(done).toMatchObject({ status: 'completed', output: { execution_id: child } });
    expect(sfn.sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.taskToken).toBe(`token-${parent}`);
  });

  it('a failed child fails the parent step with the child’s error', async () => {
    const { parent, child } = await startChild();

    await statusHandler(statusChange(child, 'FAILED', Date.now(), { error: 'Steward.Http5xx', cause: 'boom' }));
    const step = (await stepsOf(parent)).find((s) => s.step === 'run_child');

    expect(step).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(step)).toContain(child);
    expect(sfn.sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(1);
  });
});

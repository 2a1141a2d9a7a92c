/**
 * The steps a run leaves under way when it ends (a call in flight, an event wait) are closed with it: `cancelled` for
 * a cancelled run, `failed` with the run's error for a failed or timed-out one. A step that ended is left alone, a
 * redelivered status event changes nothing more, and a retry re-opens the failed step as usual.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
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
let executions: ApiLambda;
let statusHandler: typeof import('../../lambdas/status-handler/handler.ts').handler;
let repo: typeof import('../../lambdas/shared/repositories/executions.ts');
let steps: typeof import('../../lambdas/shared/repositories/steps.ts');
let workflowId: string;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  const workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  repo = await import('../../lambdas/shared/repositories/executions.ts');
  steps = await import('../../lambdas/shared/repositories/steps.ts');
  workflowId = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Run End Steps') })).body.id;
});

beforeEach(() => {
  sfn.install();
  bus.install();
});

/**
 * A running run with a step that completed (`done`) and one under way (`open`, the current step), as the step runner
 * leaves them.
 */
async function runWithOpenStep(): Promise<string> {
  const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: workflowId } })).body
    .execution_id as string;
  await statusHandler(statusChange(id, 'RUNNING', Date.now() - 10_000));
  const begin = (step: string) =>
    steps.beginAttempt({
      executionId: id,
      workflowId,
      step,
      stepKey: step,
      input: { n: 1 },
      now: new Date(),
    });
  await repo.markStepStarted(id, 'done');
  const done = await begin('done');
  await steps.finishStep({
    executionId: id,
    stepKey: 'done',
    attempt: done.attempt,
    status: 'completed',
    output: { ok: true },
    now: new Date(),
  });
  await repo.markStepStarted(id, 'open');
  await begin('open');
  return id;
}

type StepView = Record<string, unknown> & { step: string; status: string };
const stepsOf = async (id: string): Promise<Record<string, StepView>> => {
  const list = (await call(executions, 'GET', `/executions/${id}/steps`)).body.steps as StepView[];
  return Object.fromEntries(list.map((s) => [s.step, s]));
};
const listed = async (status: string, id: string): Promise<string[]> =>
  ((await call(executions, 'GET', '/steps', { query: { status } })).body.steps as StepView[])
    .filter((s) => s.execution_id === id)
    .map((s) => s.step);

describe('steps of a run that ended', () => {
  it('a cancelled run’s running step becomes cancelled; the completed step is left alone; redelivery changes nothing', async () => {
    const id = await runWithOpenStep();
    const before = await stepsOf(id);
    expect(before.open).toMatchObject({ status: 'running' });
    expect(await listed('running', id)).toEqual(['open']);

    const res = await call(executions, 'PUT', `/executions/${id}/cancel`, { body: { reason: 'not needed' } });
    expect(res.status).toBe(200);

    const after = await stepsOf(id);
    expect(after.open).toMatchObject({
      status: 'cancelled',
      completed_at: expect.any(String),
      error_details: { error: 'Steward.Cancelled', cause: 'not needed' },
    });
    expect(after.done).toEqual(before.done);
    expect(await listed('running', id)).toEqual([]);
    expect(await listed('cancelled', id)).toEqual(['open']);

    // Step Functions' ABORTED event arrives after the cancel recorded the end, and is delivered again.
    await statusHandler(statusChange(id, 'ABORTED', Date.now()));
    await statusHandler(statusChange(id, 'ABORTED', Date.now()));
    expect(await stepsOf(id)).toEqual(after);
  });

  it('a run aborted in Step Functions closes its running step as cancelled', async () => {
    const id = await runWithOpenStep();
    await statusHandler(statusChange(id, 'ABORTED', Date.now(), { cause: 'stopped in the console' }));

    const after = await stepsOf(id);
    expect((await repo.getExecution(id))?.status).toBe('cancelled');
    expect(after.open).toMatchObject({ status: 'cancelled', error_details: { error: 'Steward.Cancelled' } });
    expect(after.done).toMatchObject({ status: 'completed', output: { ok: true } });
  });

  it('a failed run’s running step becomes failed with the run’s error; a redelivery changes nothing; a retry re-opens it', async () => {
    const id = await runWithOpenStep();
    const failedAt = Date.now();
    const failure = { error: 'Steward.LocalModeStopped', cause: "local mode stopped while the run was at 'open'" };
    await statusHandler(statusChange(id, 'FAILED', failedAt, failure));

    const after = await stepsOf(id);
    expect((await repo.getExecution(id))?.status).toBe('failed');
    expect(after.open).toMatchObject({ status: 'failed', completed_at: expect.any(String), error_details: failure });
    expect(after.done).toMatchObject({ status: 'completed', output: { ok: true } });
    expect(await listed('running', id)).toEqual([]);

    await statusHandler(statusChange(id, 'FAILED', failedAt, failure));
    expect(await stepsOf(id)).toEqual(after);

    // The retry continues at the failed step: the step runner re-opens its record for the next attempt.
    const retry = await call(executions, 'POST', `/executions/${id}/steps/open/retry`);
    expect(retry.status).toBe(202);
    const attempt = await steps.beginAttempt({
      executionId: id,
      workflowId,
      step: 'open',
      stepKey: 'open',
      input: { n: 1 },
      now: new Date(),
    });
    expect(attempt.attempt).toBe(2);
    // The old failure delivered once more while the retry runs: the re-opened step stays running.
    await statusHandler(statusChange(id, 'FAILED', failedAt, failure));
    expect((await stepsOf(id)).open).toMatchObject({ status: 'running', attempts: 2 });
  });

  it('a timed-out run’s running step becomes failed with States.Timeout', async () => {
    const id = await runWithOpenStep();
    await statusHandler(
      statusChange(id, 'TIMED_OUT', Date.now(), { error: 'States.Timeout', cause: 'Execution timed out' }),
    );
    expect((await stepsOf(id)).open).toMatchObject({
      status: 'failed',
      error_details: { error: 'States.Timeout', cause: 'Execution timed out' },
    });
  });
});

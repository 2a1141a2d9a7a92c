import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeStepFunctions, seedWorkflow, setHandlerEnv } from './harness.ts';

const sfn = fakeStepFunctions();
let workflows: ApiLambda;
let executions: ApiLambda;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
});

beforeEach(() => sfn.install());

describe('a start Step Functions refuses', () => {
  it('answers 502 naming the run, which is kept as failed with the refusal', async () => {
    const created = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Refused Start') });
    expect(created.status).toBe(201);
    sfn.sfn.on(StartExecutionCommand).rejects(
      Object.assign(new Error("State Machine Does Not Exist: 'arn:aws:states:…'"), {
        name: 'StateMachineDoesNotExist',
      }),
    );

    const answer = await call(executions, 'POST', '/executions', { body: { workflow_id: created.body.id } });

    expect(answer.status).toBe(502);
    expect(answer.body.error).toMatchObject({
      code: 'start_failed',
      status: 'failed',
      error_details: { error: 'StateMachineDoesNotExist', cause: "State Machine Does Not Exist: 'arn:aws:states:…'" },
    });
    const id = answer.body.error.execution_id as string;
    const record = await call(executions, 'GET', `/executions/${id}`);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      status: 'failed',
      error_details: { error: 'StateMachineDoesNotExist', cause: "State Machine Does Not Exist: 'arn:aws:states:…'" },
    });
  });
});

import { randomUUID } from 'node:crypto';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../lib/local/aws/index.ts';
import { LambdaRunner } from '../../lib/local/lambda/index.ts';
import { type StatusChangeEntry, StepFunctionsService } from '../../lib/local/stepfunctions/index.ts';
import { putRaw } from '../engine/support.ts';
import { eventually, fixtureFunction, sdkConfig } from '../local/endpoints/helpers.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, setHandlerEnv } from './harness.ts';

/**
 * Cancel racing a run's own end, against the local Step Functions (real StopExecution / DescribeExecution semantics)
 * and local DynamoDB. After the race settles the record and the history must tell the same story.
 */
const bus = fakeEventBridge();
const pending: StatusChangeEntry[] = [];
let runner: LambdaRunner;
let endpoint: AwsEndpoint;
let sfn: SFNClient;
let machineArn: string;
let history: string;
let executions: ApiLambda;
let statusHandler: (e: EventBridgeEvent<string, unknown>) => Promise<void>;
let repo: typeof import('../../lambdas/shared/repositories/executions.ts');

beforeAll(async () => {
  runner = new LambdaRunner({ functions: [fixtureFunction('keeper', 'token-keeper')] });
  const service = new StepFunctionsService({ lambda: runner, onStatusChange: (e) => pending.push(e) });
  endpoint = await startAwsEndpoint({ port: 0, services: { stepFunctions: service.operations(), lambda: runner } });
  sfn = new SFNClient(sdkConfig(endpoint.url));
  process.env.AWS_ENDPOINT_URL_SFN = endpoint.url;
  ({ history } = await useFreshTables(dynamodb));
  setHandlerEnv();
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler as never;
  repo = await import('../../lambdas/shared/repositories/executions.ts');
  machineArn = (
    await sfn.send(
      new CreateStateMachineCommand({
        name: 'steward-test-wait',
        roleArn: 'arn:aws:iam::000000000000:role/steward-runtime',
        definition: JSON.stringify({
          StartAt: 'Wait',
          States: {
            Wait: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'keeper', Payload: { 'token.$': '$$.Task.Token' } },
              End: true,
            },
          },
        }),
      }),
    )
  ).stateMachineArn!;
});
afterAll(async () => {
  sfn?.destroy();
  await endpoint?.close();
  await runner?.close();
});

/** A running execution waiting on its callback: its record, its Step Functions run and the task token. */
async function waitingRun(): Promise<{ id: string; arn: string; token: string }> {
  const id = randomUUID();
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: id }));
  const now = new Date().toISOString();
  await putRaw(dynamodb, history, {
    pk: `EXEC#${id}`,
    sk: 'META',
    execution_id: id,
    workflow_id: randomUUID(),
    workflow_name: 'Race',
    workflow_version: '1.0.0',
    state_machine_arn: machineArn,
    execution_type: 'standard',
    sfn_execution_arn: executionArn,
    correlation_id: id,
    status: 'running',
    context: {},
    started_at: now,
    updated_at: now,
    request_hash: 'x',
    seq: 1,
  });
  const token = await eventually(async () => {
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const submitted = h.events?.find((e) => e.type === 'TaskSubmitted');
    return submitted ? (JSON.parse(submitted.taskSubmittedEventDetails?.output ?? '{}').token as string) : undefined;
  });
  return { id, arn: executionArn!, token };
}

const ended = (executionArn: string) =>
  eventually(async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d.status;
  });

/** Delivers the status-change events Step Functions emitted so far, as the default bus rule would. */
async function deliverStatusEvents(): Promise<void> {
  for (const e of pending.splice(0)) {
    await statusHandler({
      id: randomUUID(),
      version: '0',
      'detail-type': e.DetailType,
      source: e.Source,
      account: '000000000000',
      time: e.Time.toISOString(),
      region: 'us-east-1',
      resources: e.Resources,
      detail: JSON.parse(e.Detail),
    });
  }
}

const SAME_STORY: Record<string, string> = { ABORTED: 'cancelled', SUCCEEDED: 'completed' };

describe('cancel and the run’s own end agree', () => {
  it('a cancel that arrives after the run succeeded answers 409 with the real status and records it', async () => {
    const run = await waitingRun();
    await sfn.send(new SendTaskSuccessCommand({ taskToken: run.token, output: '{"done":true}' }));
    expect(await ended(run.arn)).toBe('SUCCEEDED');

    const res = await call(executions, 'PUT', `/executions/${run.id}/cancel`, { body: { reason: 'too late' } });
    await deliverStatusEvents();

    expect(res.status).toBe(409);
    expect(res.body.error.status).toBe('completed');
    const record = await repo.getExecution(run.id);
    expect(record?.status).toBe('completed');
    expect(record?.result).toEqual({ done: true });
  });

  it('a cancel of a waiting run stops it first: cancelled with cancelled_at, no completed_at, history ABORTED', async () => {
    bus.install();
    const run = await waitingRun();

    const res = await call(executions, 'PUT', `/executions/${run.id}/cancel`, { body: { reason: 'not needed' } });
    await deliverStatusEvents();

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'not needed',
      cancelled_at: expect.any(String),
    });
    expect(res.body.completed_at).toBeUndefined();
    expect(await ended(run.arn)).toBe('ABORTED');
    const record = await repo.getExecution(run.id);
    expect(record).toMatchObject({ status: 'cancelled', cancelled_by: expect.stringContaining('alice') });
    expect(record?.completed_at).toBeUndefined();
    expect(bus.events.filter((e) => e.type === 'workflow.cancelled')).toHaveLength(1);
  });

  it('20 cancels racing 20 callbacks: every record tells the story its history tells, and so does the answer', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, () => waitingRun()));

    const answers = await Promise.all(
      runs.map(async (run, i) => {
        const success = () =>
          sfn.send(new SendTaskSuccessCommand({ taskToken: run.token, output: '{}' })).catch(() => undefined);
        const cancel = () => call(executions, 'PUT', `/executions/${run.id}/cancel`);
        // Alternate who is sent first; which one lands first is up to the race.
        const [a, b] = i % 2 === 0 ? [success(), cancel()] : [cancel(), success()];
        const out = await Promise.all([a, b]);
        return (i % 2 === 0 ? out[1] : out[0]) as Awaited<ReturnType<typeof cancel>>;
      }),
    );
    const finals = await Promise.all(runs.map((r) => ended(r.arn)));
    await deliverStatusEvents();

    for (const [i, run] of runs.entries()) {
      const record = await repo.getExecution(run.id);
      const sfnStatus = finals[i]!;
      expect(record?.status, `${run.id}: history ${sfnStatus}`).toBe(SAME_STORY[sfnStatus]);
      expect(answers[i]!.status, run.id).toBe(sfnStatus === 'ABORTED' ? 200 : 409);
      if (record?.status === 'cancelled') {
        expect(record.cancelled_at).toEqual(expect.any(String));
        expect(record.completed_at).toBeUndefined();
      }
    }
  });
});

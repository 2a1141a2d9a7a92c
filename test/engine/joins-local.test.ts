/**
 * Exact DAGs end to end on local mode's parts, without the samples: the compiled ASL runs on the local Step Functions
 * service, whose tasks invoke the real waiter and step runner in this process; they answer join tokens through the
 * local Step Functions endpoint (SendTaskSuccess over HTTP) and keep their records in dynalite.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileWorkflow, type WorkflowDocument } from '../../lib/core/workflow/index.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../lib/local/aws/index.ts';
import type { InvokeResult } from '../../lib/local/lambda/types.ts';
import { StepFunctionsService } from '../../lib/local/stepfunctions/index.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw, serviceItem, startServer, type TestServer } from './support.ts';

const admin = new DynamoDBClient({});
const bus = mockClient(EventBridgeClient);
const ROLE = 'arn:aws:iam::000000000000:role/steward-runtime';
let names: { registry: string; history: string };
let server: TestServer;
let endpoint: AwsEndpoint;
let service: StepFunctionsService;
let joins: typeof import('../../lambdas/shared/repositories/joins.ts');

beforeAll(async () => {
  names = await useFreshTables(admin);
  process.env.EVENT_BUS_NAME = 'steward-test-bus';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  server = await startServer();
  const clients = await import('../../lambdas/shared/clients/dynamodb.ts');
  enforceDataRules(clients.dynamodb);
  let runner: typeof import('../../lambdas/step-runner/handler.ts') | undefined;
  let waiter: typeof import('../../lambdas/waiter/handler.ts') | undefined;
  const invoke = async (fn: string, payload: unknown): Promise<InvokeResult> => {
    try {
      const handler = (fn.includes('Waiter') ? waiter!.handler : runner!.handler) as (
        event: unknown,
        context: typeof lambdaContext,
      ) => Promise<unknown>;
      return { ok: true, payload: await handler(payload, lambdaContext) };
    } catch (error) {
      return { ok: false, errorType: (error as Error).name, errorMessage: (error as Error).message };
    }
  };
  service = new StepFunctionsService({ lambda: { invoke } });
  endpoint = await startAwsEndpoint({ port: 0, services: { stepFunctions: service.operations() } });
  // The handlers' Step Functions client reaches the local endpoint through the standard variable, as in local mode.
  process.env.AWS_ENDPOINT_URL_SFN = endpoint.url;
  runner = await import('../../lambdas/step-runner/handler.ts');
  waiter = await import('../../lambdas/waiter/handler.ts');
  joins = await import('../../lambdas/shared/repositories/joins.ts');
});
afterAll(async () => {
  await endpoint.close();
  await server.close();
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

/** The N-shape a→c, a→d, b→d with d reading a's output; a answers after `aDelayMs`. */
async function arrange(svc: string, svcA = svc) {
  const wf = {
    name: `Joins ${svc}`,
    definition: {
      steps: [
        { name: 'a', step_type: 'service_call', service: svcA, endpoint: '/a' },
        { name: 'b', step_type: 'service_call', service: svc, endpoint: '/b' },
        { name: 'c', step_type: 'service_call', service: svc, endpoint: '/c', depends_on: ['a'] },
        {
          name: 'd',
          step_type: 'service_call',
          service: svc,
          endpoint: '/d',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Steward template
          body: { from_a: '${steps.a.output.url}' },
          depends_on: ['a', 'b'],
        },
      ],
    },
  } as unknown as WorkflowDocument;
  const { asl, report } = compileWorkflow(wf);
  expect(report.dag?.joins).toEqual([{ list: 'definition.steps', step: 'd', waits_for: ['a'] }]);
  const definition = JSON.stringify(asl).replace(/\$\{(\w+)\}/g, 'arn:aws:lambda:us-east-1:000000000000:function:$1');
  const ops = service.operations();
  const { stateMachineArn } = (await ops.CreateStateMachine!({
    name: `${svc}-${svcA}`,
    roleArn: ROLE,
    definition,
  })) as {
    stateMachineArn: string;
  };
  const executionId = randomUUID();
  await putRaw(admin, names.history, executionItem(executionId, 'running'));
  const input = {
    execution: {
      id: executionId,
      workflow_id: 'wf-1',
      workflow_name: svc,
      workflow_version: '1',
      correlation_id: 'corr-1',
      // As the start handler provides it (Task payloads carry `$.execution.started_at`).
      started_at: new Date().toISOString(),
    },
    context: {},
    steps: {},
  };
  const start = async () =>
    (
      (await ops.StartExecution!({ stateMachineArn, name: executionId, input: JSON.stringify(input) })) as {
        executionArn: string;
      }
    ).executionArn;
  return { executionId, start, ops };
}

describe('exact DAG joins on the local Step Functions service with the real waiter and step runner', () => {
  it('releases the join when its dependency completes and hands the output to the joining step', async () => {
    const svc = `svc-${randomUUID().slice(0, 8)}`;
    await putRaw(admin, names.registry, serviceItem(randomUUID(), svc, server.url));
    server.respond((req) => ({ status: 200, body: { url: req.url }, ...(req.url === '/a' ? { delayMs: 150 } : {}) }));
    const { executionId, start } = await arrange(svc);

    const done = await service.waitFor(await start());

    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    const d = server.received.find((r) => r.url === '/d');
    expect(d?.body).toEqual({ from_a: '/a' });
    expect((await joins.getJoin(executionId, 'd'))?.status).toBe('released');
    const output = JSON.parse(String(done.output)) as { steps: Record<string, unknown> };
    expect(Object.keys(output.steps).sort()).toEqual(['a', 'b', 'c', 'd']);
  }, 60_000);

  it('redrives a run that failed at the joining step: the join is released again and the run completes', async () => {
    const svc = `svc-${randomUUID().slice(0, 8)}`;
    await putRaw(admin, names.registry, serviceItem(randomUUID(), svc, server.url));
    let failD = true;
    server.respond((req) =>
      req.url === '/d' && failD ? { status: 500, body: {} } : { status: 200, body: { url: req.url } },
    );
    const { start, ops } = await arrange(svc);
    const arn = await start();

    const failed = await service.waitFor(arn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Steward.Http5xx');
    failD = false;
    await ops.RedriveExecution!({ executionArn: arn });
    const done = await service.waitFor(arn);

    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(server.received.filter((r) => r.url === '/d').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('pauses while a join waits: the released step parks, and resume runs it', async () => {
    const svc = `svc-${randomUUID().slice(0, 8)}`;
    await putRaw(admin, names.registry, serviceItem(randomUUID(), svc, server.url));
    // a's answer is held until the run has been paused, so the join is sure to be waiting then.
    let answerA: (() => void) | undefined;
    const held = createServer((req, res) => {
      req.resume();
      answerA = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ url: '/a' }));
      };
    });
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const heldUrl = `http://127.0.0.1:${(held.address() as AddressInfo).port}`;
    const slow = `svc-${randomUUID().slice(0, 8)}`;
    await putRaw(admin, names.registry, serviceItem(randomUUID(), slow, heldUrl));
    server.respond((req) => ({ status: 200, body: { url: req.url } }));
    const { executionId, start, ops } = await arrange(svc, slow);
    const key = { pk: { S: `EXEC#${executionId}` }, sk: { S: 'META' } };
    const setStatus = (from: string, to: string) =>
      admin.send(
        new UpdateItemCommand({
          TableName: names.history,
          Key: key,
          UpdateExpression: 'SET #s = :to',
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':to': { S: to }, ':from': { S: from } },
        }),
      );
    const until = async <T>(check: () => Promise<T | undefined>): Promise<T> => {
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const before = server.received.length;
    const arn = await start();

    await until(async () => ((await joins.getJoin(executionId, 'd')) && answerA ? true : undefined));
    await setStatus('running', 'paused');
    answerA!();
    // c and d both start after a and both park (the run is paused); resume answers the park tokens.
    const parked = await until(async () => {
      const pending = service.tokens.pendingFor(arn);
      return pending.length === 2 ? pending : undefined;
    });
    const calledD = () => server.received.slice(before).filter((r) => r.url === '/d').length;
    expect((await joins.getJoin(executionId, 'd'))?.status).toBe('released');
    expect(calledD()).toBe(0);
    await setStatus('paused', 'running');
    for (const token of parked) await ops.SendTaskSuccess!({ taskToken: token, output: '{}' });
    const done = await service.waitFor(arn);
    held.close();

    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    expect(calledD()).toBe(1);
  }, 60_000);
});

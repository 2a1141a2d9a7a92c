import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceCallInput } from '../../lib/core/runtime-contract.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw, serviceItem, startServer, type TestServer } from './support.ts';

const admin = new DynamoDBClient({});
const bus = mockClient(EventBridgeClient);
let names: { registry: string; history: string };
let server: TestServer;
let runner: typeof import('../../lambdas/step-runner/handler.ts');
let steps: typeof import('../../lambdas/shared/repositories/steps.ts');

beforeAll(async () => {
  names = await useFreshTables(admin);
  process.env.EVENT_BUS_NAME = 'steward-test-bus';
  // As deployed: loopback refused, the API's host one of Steward's own endpoints.
  process.env.STEWARD_OUTBOUND_LOOPBACK = '';
  process.env.STEWARD_OWN_ENDPOINTS = 'https://abc123.execute-api.us-east-1.amazonaws.com';
  server = await startServer();
  runner = await import('../../lambdas/step-runner/handler.ts');
  steps = await import('../../lambdas/shared/repositories/steps.ts');
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});
afterAll(async () => {
  process.env.STEWARD_OUTBOUND_LOOPBACK = 'allow';
  delete process.env.STEWARD_OWN_ENDPOINTS;
  await server.close();
});

async function stepFor(baseUrl: string): Promise<ServiceCallInput> {
  const executionId = randomUUID();
  const service = `svc-${randomUUID().slice(0, 8)}`;
  await putRaw(admin, names.history, executionItem(executionId, 'running'));
  await putRaw(admin, names.registry, serviceItem(randomUUID(), service, baseUrl));
  return {
    kind: 'service_call',
    execution_id: executionId,
    workflow_id: 'wf-1',
    correlation_id: 'corr-1',
    context: {},
    steps: {},
    step: 'read',
    request: { service, method: 'GET', endpoint: '/latest/meta-data/iam/security-credentials/', timeout_ms: 500 },
    max_attempts: 3,
  };
}

describe('step runner: the outbound policy', () => {
  it.each([
    ['http://169.254.169.254', 'instance-metadata'],
    ['http://[fd00:ec2::254]', 'instance-metadata'],
    ['https://abc123.execute-api.us-east-1.amazonaws.com/v1', 'steward-endpoint'],
    ['loopback', 'loopback'],
  ])('a service at %s fails the step with Steward.InvalidRequest naming %s, nothing sent', async (base, rule) => {
    const input = await stepFor(base === 'loopback' ? server.url : base);

    await expect(runner.handler(input, lambdaContext)).rejects.toMatchObject({
      name: 'Steward.InvalidRequest',
      message: expect.stringContaining(`(${rule})`),
    });

    expect(server.received).toHaveLength(0);
    const [attempt] = await steps.listAttempts(input.execution_id, 'read');
    expect(attempt).toMatchObject({ status: 'failed', error: { name: 'Steward.InvalidRequest' } });
  });
});

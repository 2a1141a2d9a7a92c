/**
 * The response contract at handler level: drives every route of the route table through its handler against local
 * DynamoDB (Step Functions, EventBridge and ECS mocked) and holds each answer — successes and the errors met on the
 * way — to its route's response schema or the shared error envelope. A route without a successful call here fails
 * the last test, so a new route cannot skip the contract.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetExecutionHistoryCommand, ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { contractViolation } from '../../lib/core/api/contract.ts';
import { ROUTES } from '../../lib/core/api/routes/index.ts';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import {
  type Answer,
  type ApiLambda,
  call,
  fakeEventBridge,
  fakeStepFunctions,
  seedWorkflow,
  setHandlerEnv,
  statusChange,
} from '../workflow-api/harness.ts';

const sfn = fakeStepFunctions();
const bus = fakeEventBridge();
const ecs = mockClient((await import('../../lambdas/shared/clients/ecs.ts')).ecs);
const api: Record<string, ApiLambda> = {};
const succeeded = new Set<string>();
let statusHandler: typeof import('../../lambdas/status-handler/handler.ts').handler;
let steps: typeof import('../../lambdas/shared/repositories/steps.ts');
let alerts: typeof import('../../lambdas/shared/repositories/alerts.ts');

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  process.env[ENV.ecsClusters] = 'arn:aws:ecs:us-east-1:123456789012:cluster/steward';
  enforceDataRules(dynamodb);
  for (const id of ['api-workflows', 'api-executions', 'api-events', 'api-services', 'api-health']) {
    api[id] = (await import(`../../lambdas/${id}/handler.ts`)).handler as unknown as ApiLambda;
  }
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  steps = await import('../../lambdas/shared/repositories/steps.ts');
  alerts = await import('../../lambdas/shared/repositories/alerts.ts');
  sfn.sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
  ecs.on(UpdateServiceCommand).resolves({});
});

/** Calls a route through its function's handler and holds the answer to the contract. */
async function send(
  method: string,
  path: string,
  options: { body?: unknown; query?: Record<string, string> } = {},
): Promise<Answer> {
  const route = ROUTES.find((r) => r.method === method && contractRoute(r.path, path));
  const fn = route?.functionId ?? 'api-workflows';
  const res = await call(api[fn]!, method, path, options);
  const violation = contractViolation(ROUTES, method, path, res.status, res.body);
  expect(violation, violation).toBeUndefined();
  if (route && res.status < 300) succeeded.add(route.operationId);
  return res;
}
const contractRoute = (routePath: string, path: string): boolean =>
  new RegExp(`^${routePath.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0]!) &&
  // `/services/status` is its own route, not a service id.
  !(routePath === '/services/{service_id}' && path === '/services/status');
async function ok(method: string, path: string, options: { body?: unknown; query?: Record<string, string> } = {}) {
  const res = await send(method, path, options);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked by the contract; the test reads ids from them
  return res.body as any;
}

describe('response contract (handlers, local DynamoDB)', () => {
  it('workflows: every route answers in its schema', async () => {
    const wf = await ok('POST', '/workflows', { body: seedWorkflow('Contract Flow') });
    await ok('GET', '/workflows');
    await ok('GET', `/workflows/${wf.id}`);
    await ok('PUT', `/workflows/${wf.id}`, {
      body: { ...seedWorkflow('Contract Flow'), version: '2.0.0', expected_seq: wf.seq },
    });
    await ok('POST', `/workflows/${wf.id}/versions`, { body: { ...seedWorkflow('Contract Flow'), version: '3.0.0' } });
    await ok('GET', `/workflows/${wf.id}/versions`);
    const valid = await ok('POST', `/workflows/${wf.id}/validate`, { body: seedWorkflow('Contract Flow') });
    expect(valid.valid).toBe(true);
    const invalid = await ok('POST', `/workflows/${wf.id}/validate`, { body: { name: '', definition: { steps: [] } } });
    expect(invalid.valid).toBe(false);
    await ok('GET', `/workflows/${wf.id}/steps`);
    await ok('GET', `/workflows/${wf.id}/graph`);
    const doomed = await ok('POST', '/workflows', { body: seedWorkflow('Contract Doomed') });
    await ok('DELETE', `/workflows/${doomed.id}`);
    // Errors on the way carry the envelope.
    expect((await send('GET', '/workflows/not-a-uuid')).status).toBe(400);
    expect((await send('GET', '/workflows/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('executions, steps and audit: every route answers in its schema', async () => {
    const wf = await ok('POST', '/workflows', { body: seedWorkflow('Contract Runs') });
    const context = { project_id: 'p', task_id: 't', agent_id: 'a' };
    const run = await ok('POST', '/executions', { body: { workflow_id: wf.id, context } });
    await ok('GET', '/executions');
    await ok('GET', '/executions', { query: { workflow_id: wf.id } });
    await ok('GET', `/executions/${run.execution_id}`);
    // A step with two attempts, as the step runner records them.
    const now = new Date();
    const begun = await steps.beginAttempt({
      executionId: run.execution_id,
      workflowId: wf.id,
      step: 'agent_assignment',
      stepKey: 'agent_assignment',
      input: { task_id: 't' },
      now,
    });
    await steps.recordAttempt(run.execution_id, 'agent_assignment', {
      attempt: begun.attempt,
      status: 'completed',
      started_at: now.toISOString(),
      completed_at: now.toISOString(),
      duration_ms: 3,
      request: { method: 'POST', url: 'http://agents/assign' },
      response: { status: 200, body: '{"agent":"a"}' },
    });
    await steps.finishStep({
      executionId: run.execution_id,
      stepKey: 'agent_assignment',
      attempt: begun.attempt,
      status: 'completed',
      output: { agent: 'a' },
      now,
    });
    await ok('GET', `/executions/${run.execution_id}/state`);
    await ok('GET', `/executions/${run.execution_id}/history`);
    await ok('GET', `/executions/${run.execution_id}/steps`);
    await ok('GET', `/executions/${run.execution_id}/steps/agent_assignment/retries`);
    await ok('GET', '/steps');
    await ok('GET', `/steps/${begun.stepId}`);
    await ok('PUT', `/executions/${run.execution_id}/pause`);
    await ok('PUT', `/executions/${run.execution_id}/resume`);
    await ok('PUT', `/executions/${run.execution_id}/cancel`, { body: { reason: 'contract' } });
    expect((await send('PUT', `/executions/${run.execution_id}/pause`)).status).toBe(409);

    const failing = await ok('POST', '/executions', { body: { workflow_id: wf.id, context } });
    sfn.sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'agent_assignment' },
        },
        {
          id: 2,
          type: 'LambdaFunctionFailed',
          timestamp: new Date(),
          lambdaFunctionFailedEventDetails: { error: 'Steward.Http5xx' },
        },
      ],
    });
    await statusHandler(
      statusChange(failing.execution_id, 'FAILED', Date.now(), { error: 'Steward.Http5xx', cause: 'boom' }),
    );
    await ok('GET', `/executions/${failing.execution_id}/history`);
    await ok('POST', `/executions/${failing.execution_id}/steps/agent_assignment/retry`);
    sfn.sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    await ok('GET', '/audit');
    expect((await send('POST', '/executions', { body: { workflow_id: 42 } })).status).toBe(400);
  });

  it('events: every route answers in its schema', async () => {
    const sent = await ok('POST', '/events', {
      body: { type: 'agent.task_completed', source: 'contract', correlation_id: 'corr-1', data: { task_id: 't' } },
    });
    await ok('GET', '/events', { query: { type: 'agent.task_completed' } });
    await ok('GET', `/events/${sent.event_id}`);
    await ok('GET', '/correlations/corr-1/events');
    expect((await send('GET', '/events/missing-event')).status).toBe(404);
  });

  it('services and alerts: every route answers in its schema', async () => {
    const svc = await ok('POST', '/services', {
      body: {
        name: 'contract-svc',
        port: 8080,
        command: ['node', 'svc.mjs'],
        phi_accrual: { threshold: 8 },
        health_checks: [{ name: 'http', type: 'http', path: '/health' }],
      },
    });
    await ok('GET', '/services');
    await ok('GET', '/services/status');
    await ok('GET', `/services/${svc.id}`);
    await ok('GET', `/services/${svc.id}/health`);
    await ok('GET', `/services/${svc.id}/history`);
    await ok('GET', `/services/${svc.id}/uptime`);
    await ok('PUT', `/services/${svc.id}`, { body: { description: 'contract' } });
    const restarted = await ok('POST', `/services/${svc.id}/restart`, { body: { reason: 'contract' } });
    expect(restarted.budget_left).toBe(9);
    expect(bus.events.map((e) => e.type)).toContain('service.restarted');
    const opened = await alerts.openAlert(
      {
        key: `service:${svc.id}:unhealthy`,
        state: 'open',
        severity: 'critical',
        summary: 'contract-svc is unhealthy',
        source: 'steward',
        service_id: svc.id,
        opened_at: Date.now(),
        updated_at: Date.now(),
        count: 1,
        muted: false,
      },
      0,
    );
    await ok('GET', '/alerts');
    await ok('PUT', `/alerts/${opened!.alert_id}/acknowledge`, { body: { note: 'looking' } });
    await ok('DELETE', `/services/${svc.id}`);
    expect((await send('POST', `/services/${svc.id}/restart`)).status).toBe(409);
    expect((await send('GET', '/services/unknown-service')).status).toBe(404);
  });

  it('health: every route answers in its schema', async () => {
    await ok('GET', '/health/liveness');
    const ready = await send('GET', '/health/readiness');
    expect([200, 503]).toContain(ready.status);
    if (ready.status === 200) succeeded.add('readiness');
    await ok('GET', '/health/dependencies');
  });

  it('called every route of the table successfully', () => {
    expect(ROUTES.map((r) => r.operationId).filter((op) => !succeeded.has(op))).toEqual([]);
  });
});

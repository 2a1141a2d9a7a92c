/**
 * Every mutation records its caller: walks the route table and, for each mutating route (POST/PUT/DELETE/PATCH),
 * makes one successful call as a caller of its own and finds the audit record naming that caller, the action and the
 * target. A new mutating route without a case here fails the first test.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { ROUTES } from '../../lib/core/api/routes/index.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import {
  ACCOUNT,
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
const api: Record<string, ApiLambda> = {};
const ecs = mockClient((await import('../../lambdas/shared/clients/ecs.ts')).ecs);
let statusHandler: typeof import('../../lambdas/status-handler/handler.ts').handler;
let audit: typeof import('../../lambdas/shared/repositories/audit.ts');
let alerts: typeof import('../../lambdas/shared/repositories/alerts.ts');

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  for (const id of ['api-workflows', 'api-executions', 'api-events', 'api-services']) {
    api[id] = (await import(`../../lambdas/${id}/handler.ts`)).handler as unknown as ApiLambda;
  }
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  audit = await import('../../lambdas/shared/repositories/audit.ts');
  alerts = await import('../../lambdas/shared/repositories/alerts.ts');
});

beforeEach(() => {
  sfn.install();
  bus.install();
  ecs.reset();
  ecs.on(UpdateServiceCommand).resolves({});
});

/** One successful call of an operation: the path (after any setup) and the audit target it must name. */
interface Case {
  method: string;
  path: string;
  body?: unknown;
  target: string;
}

const ok = async (fn: string, method: string, path: string, body?: unknown) => {
  const res = await call(api[fn]!, method, path, { body });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
};
const newWorkflowNamed = async (name: string): Promise<string> =>
  (await ok('api-workflows', 'POST', '/workflows', seedWorkflow(name))).id;
const newWorkflow = (): Promise<string> => newWorkflowNamed(`Audited ${crypto.randomUUID().slice(0, 8)}`);
const newExecution = async (): Promise<string> =>
  (
    await ok('api-executions', 'POST', '/executions', {
      workflow_id: await newWorkflow(),
      context: { project_id: 'p', task_id: 't', agent_id: 'a' },
    })
  ).execution_id;
const newService = async (): Promise<string> =>
  (await ok('api-services', 'POST', '/services', { name: `audited-${crypto.randomUUID().slice(0, 8)}`, port: 1 })).id;

/** How to make each mutating operation succeed. */
const CASES: Record<string, () => Promise<Case>> = {
  createWorkflow: async () => {
    const name = `Audited ${crypto.randomUUID().slice(0, 8)}`;
    return { method: 'POST', path: '/workflows', body: seedWorkflow(name), target: 'workflow/' };
  },
  updateWorkflow: async () => {
    const name = `Audited ${crypto.randomUUID().slice(0, 8)}`;
    const id = await newWorkflowNamed(name);
    const body = { ...seedWorkflow(name), version: '2.0.0', expected_seq: 1 };
    return { method: 'PUT', path: `/workflows/${id}`, body, target: `workflow/${id}` };
  },
  createWorkflowVersion: async () => {
    const name = `Audited ${crypto.randomUUID().slice(0, 8)}`;
    const id = await newWorkflowNamed(name);
    const body = { ...seedWorkflow(name), version: '2.0.0' };
    return { method: 'POST', path: `/workflows/${id}/versions`, body, target: `workflow/${id}` };
  },
  deleteWorkflow: async () => {
    const id = await newWorkflow();
    return { method: 'DELETE', path: `/workflows/${id}`, target: `workflow/${id}` };
  },
  startExecution: async () => {
    const body = { workflow_id: await newWorkflow(), context: { project_id: 'p', task_id: 't', agent_id: 'a' } };
    return { method: 'POST', path: '/executions', body, target: 'execution/' };
  },
  cancelExecution: async () => {
    const id = await newExecution();
    return { method: 'PUT', path: `/executions/${id}/cancel`, body: { reason: 'audit' }, target: `execution/${id}` };
  },
  pauseExecution: async () => {
    const id = await newExecution();
    return { method: 'PUT', path: `/executions/${id}/pause`, target: `execution/${id}` };
  },
  resumeExecution: async () => {
    const id = await newExecution();
    await ok('api-executions', 'PUT', `/executions/${id}/pause`);
    return { method: 'PUT', path: `/executions/${id}/resume`, target: `execution/${id}` };
  },
  retryStep: async () => {
    const id = await newExecution();
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
    await statusHandler(statusChange(id, 'FAILED', Date.now(), { error: 'Steward.Http5xx', cause: 'boom' }));
    return { method: 'POST', path: `/executions/${id}/steps/agent_assignment/retry`, target: `execution/${id}` };
  },
  processEvent: async () => ({
    method: 'POST',
    path: '/events',
    body: { type: 'agent.task_completed', source: 'audit-test', data: { task_id: 't' } },
    target: 'event/',
  }),
  registerService: async () => ({
    method: 'POST',
    path: '/services',
    body: { name: `audited-${crypto.randomUUID().slice(0, 8)}`, port: 1 },
    target: 'service/',
  }),
  updateService: async () => {
    const id = await newService();
    return { method: 'PUT', path: `/services/${id}`, body: { description: 'audited' }, target: `service/${id}` };
  },
  deregisterService: async () => {
    const id = await newService();
    return { method: 'DELETE', path: `/services/${id}`, target: `service/${id}` };
  },
  restartService: async () => {
    const name = `audited-${crypto.randomUUID().slice(0, 8)}`;
    const ecsTarget = { cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/steward', service_name: name };
    const { id } = await ok('api-services', 'POST', '/services', { name, port: 1, ecs: ecsTarget });
    return { method: 'POST', path: `/services/${id}/restart`, body: { reason: 'audited' }, target: `service/${id}` };
  },
  acknowledgeAlert: async () => {
    const opened = await alerts.openAlert(
      {
        key: `service:${crypto.randomUUID()}:unhealthy`,
        state: 'open',
        severity: 'critical',
        summary: 'unhealthy',
        source: 'steward',
        opened_at: 1_000,
        updated_at: 1_000,
        count: 1,
        muted: false,
      },
      0,
    );
    return { method: 'PUT', path: `/alerts/${opened!.alert_id}/acknowledge`, target: `alert/${opened!.alert_id}` };
  },
};

/** POST routes that change nothing, with the reason; they must leave no audit record either. */
const NOT_MUTATIONS: Record<string, { path: string; body: unknown; why: string }> = {
  validateWorkflow: {
    path: '/workflows/00000000-0000-4000-8000-000000000000/validate',
    body: seedWorkflow('Validated Only'),
    why: 'checks a document and stores nothing',
  },
};

const mutating = ROUTES.filter((r) => ['POST', 'PUT', 'DELETE', 'PATCH'].includes(r.method));

describe('audit of every mutating route', () => {
  it('has a case for every mutating route of the route table', () => {
    const covered = new Set([...Object.keys(CASES), ...Object.keys(NOT_MUTATIONS)]);

    expect(mutating.map((r) => r.operationId).filter((op) => !covered.has(op))).toEqual([]);
    expect(mutating.length).toBeGreaterThanOrEqual(15);
  });

  it.each(mutating.filter((r) => CASES[r.operationId]).map((r) => [r.operationId, r] as const))(
    '%s records the caller, the action and the target',
    async (operationId, route) => {
      const made = await CASES[operationId]!();
      expect(made.method).toBe(route.method);
      const caller = `arn:aws:iam::${ACCOUNT}:user/audit-${operationId}`;

      const res = await call(api[route.functionId]!, made.method, made.path, { body: made.body, caller });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);

      const recent = await audit.listAudit({ from: new Date(Date.now() - 60_000).toISOString() }, 100);
      const mine = recent.items.filter((r) => r.caller === caller);
      expect(mine, `no audit record by ${caller}`).toHaveLength(1);
      expect(mine[0]!.action).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(mine[0]!.target.startsWith(made.target)).toBe(true);
      expect(mine[0]!.target.length).toBeGreaterThan(made.target.endsWith('/') ? made.target.length : 0);
    },
  );

  it.each(Object.entries(NOT_MUTATIONS))('%s changes nothing and records nothing (%s)', async (operationId, c) => {
    const route = mutating.find((r) => r.operationId === operationId)!;
    const caller = `arn:aws:iam::${ACCOUNT}:user/audit-${operationId}`;

    const res = await call(api[route.functionId]!, route.method, c.path, { body: c.body, caller });

    expect(res.status).toBeLessThan(500);
    const recent = await audit.listAudit({ from: new Date(Date.now() - 60_000).toISOString() }, 100);
    expect(recent.items.filter((r) => r.caller === caller)).toEqual([]);
  });
});

/**
 * `POST /services/{service_id}/restart` against local DynamoDB with ECS and the bus mocked: it spends the same
 * restart budget as the restarter, refuses a spent budget with when it refills, is audited, and publishes
 * `service.restarted`.
 */
import { ServiceNotFoundException, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { effectiveRestartPolicy } from '../../lib/core/supervision/defaults.ts';
import { decideManualRestart, initialRestartState } from '../../lib/core/supervision/restart-budget.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';

type Handler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let audit: typeof import('../../lambdas/shared/repositories/audit.ts');
let restarts: typeof import('../../lambdas/shared/repositories/restarts.ts');
const ecs = mockClient((await import('../../lambdas/shared/clients/ecs.ts')).ecs);
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/deployed';

beforeAll(async () => {
  process.env[ENV.eventBus] = 'steward-test-bus';
  process.env[ENV.ecsClusters] = CLUSTER;
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  handler = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as Handler;
  audit = await import('../../lambdas/shared/repositories/audit.ts');
  restarts = await import('../../lambdas/shared/repositories/restarts.ts');
});
beforeEach(() => {
  ecs.reset();
  ecs.on(UpdateServiceCommand).resolves({});
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

const call = (method: string, path: string, body?: unknown) => handler(apiEvent(method, path, body), context);
const published = () =>
  bus
    .commandCalls(PutEventsCommand)
    .flatMap((c) =>
      (c.args[0].input.Entries ?? []).map((e) => ({ type: e.DetailType!, detail: JSON.parse(e.Detail!) })),
    );
const register = async (spec: Record<string, unknown>): Promise<string> => {
  const res = await call('POST', '/services', { port: 8080, ...spec });
  expect(res.statusCode, res.body).toBe(201);
  return json(res).id as string;
};

describe('POST /services/{service_id}/restart', () => {
  it('forces a new deployment, spends the budget, audits and publishes service.restarted', async () => {
    const id = await register({ name: 'manual-restart', command: ['node', 'svc.mjs'] });
    const before = new Date(Date.now() - 1_000).toISOString();

    const res = await call('POST', `/services/${id}/restart`, { reason: 'stuck connection pool' });

    expect(res.statusCode, res.body).toBe(200);
    const body = json(res);
    expect(body).toMatchObject({
      service_id: id,
      name: 'manual-restart',
      restarted: true,
      action: 'force_new_deployment',
      attempt: 1,
      reason: 'stuck connection pool',
      budget_left: 9,
      restarts: { in_window: 1, max_restarts: 10, budget_exhausted: false },
    });
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: CLUSTER, service: 'manual-restart', forceNewDeployment: true },
    ]);
    const events = published().filter((e) => e.type === 'service.restarted');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail.data).toMatchObject({
      service_id: id,
      manual: true,
      reason: 'stuck connection pool',
      by: 'arn:aws:iam::123456789012:user/ops',
    });
    const trail = await audit.listAudit({ from: before }, 100);
    expect(trail.items.filter((r) => r.target === `service/${id}`).map((r) => r.action)).toContain('service.restart');
    // A second restart right away is not held by the grace period (an operator asked) but spends the budget.
    const again = await call('POST', `/services/${id}/restart`);
    expect(again.statusCode, again.body).toBe(200);
    expect(json(again).budget_left).toBe(8);
  });

  it('answers 429 naming the spent budget and when it refills, and restarts nothing', async () => {
    const id = await register({
      name: 'budget-spent',
      command: ['node', 'svc.mjs'],
      restart_policy: { max_restarts: 2, window_seconds: 600 },
    });
    const first = Date.now() - 120_000;
    await restarts.saveRestartState(id, { ...initialRestartState(), restarts: [first, Date.now() - 60_000] }, 0);

    const res = await call('POST', `/services/${id}/restart`, { reason: 'again' });

    expect(res.statusCode, res.body).toBe(429);
    expect(res.headers?.['retry-after']).toMatch(/^\d+$/);
    const { error } = json(res);
    expect(error.code).toBe('restart_budget_spent');
    expect(error.message).toMatch(/2 of 2 restarts in 600 s/);
    expect(error.budget).toMatchObject({ used: 2, max_restarts: 2, window_seconds: 600 });
    expect(Date.parse(error.budget.refills_at)).toBe(first + 600_000);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(published().filter((e) => e.type === 'service.restarted')).toEqual([]);
  });

  it('answers 429 for a service held failed until its budget is reset', async () => {
    const id = await register({ name: 'held-failed', command: ['node', 'svc.mjs'] });
    await restarts.saveRestartState(id, { ...initialRestartState(), failed: true, failed_reason: 'crash_loop' }, 0);
    const res = await call('POST', `/services/${id}/restart`);
    expect(res.statusCode).toBe(429);
    expect(json(res).error.budget).toMatchObject({ refills_at: null, failed_reason: 'crash_loop' });
    expect(json(res).error.message).toMatch(/reset_restarts/);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('answers 404 for an unknown service and 409 for retired or unmanaged services', async () => {
    const unknown = await call('POST', '/services/00000000-0000-4000-8000-000000000000/restart');
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown).error.code).toBe('not_found');

    const unmanaged = await register({ name: 'plain-http' });
    const notEcs = await call('POST', `/services/${unmanaged}/restart`);
    expect(notEcs.statusCode).toBe(409);
    expect(json(notEcs).error.message).toMatch(/not an ECS service/);

    const retired = await register({ name: 'gone', command: ['node', 'svc.mjs'] });
    expect((await call('DELETE', `/services/${retired}`)).statusCode).toBe(200);
    const res = await call('POST', `/services/${retired}/restart`);
    expect(res.statusCode).toBe(409);
    expect(json(res).error.message).toMatch(/retired/);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('answers 409 naming the service when ECS has no such service, and gives the claimed restart back', async () => {
    const id = await register({ name: 'ecs-refuses', command: ['node', 'svc.mjs'] });
    ecs
      .on(UpdateServiceCommand)
      .rejects(new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} }));
    const res = await call('POST', `/services/${id}/restart`);
    expect(res.statusCode).toBe(409);
    expect(json(res).error.message).toMatch(/ECS cannot restart service 'ecs-refuses' \(ServiceNotFoundException/);
    expect((await restarts.getRestartState(id)).state.restarts).toEqual([]);
  });

  it('answers 502 when ECS fails the restart for another reason, and gives the claimed restart back', async () => {
    const id = await register({ name: 'ecs-throttled', command: ['node', 'svc.mjs'] });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    ecs.on(UpdateServiceCommand).rejects(throttled);
    const res = await call('POST', `/services/${id}/restart`);
    expect(res.statusCode).toBe(502);
    expect(json(res).error).toMatchObject({ code: 'restart_failed', service_id: id });
    expect(json(res).error.message).toMatch(/ThrottlingException: Rate exceeded/);
    expect((await restarts.getRestartState(id)).state.restarts).toEqual([]);
  });

  it('rejects a body with unknown fields or an empty reason, naming the field', async () => {
    const id = await register({ name: 'bad-body', command: ['node', 'svc.mjs'] });
    const res = await call('POST', `/services/${id}/restart`, { reason: '' });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.problems[0].field).toBe('body.reason');
    expect((await call('POST', `/services/${id}/restart`, { force: true })).statusCode).toBe(400);
  });
});

describe('decideManualRestart', () => {
  const policy = effectiveRestartPolicy({ max_restarts: 3, window_seconds: 60 });
  it('counts crashes against the budget and refills when the oldest counted entry leaves the window', () => {
    const now = 1_000_000;
    const state = {
      ...initialRestartState(),
      restarts: [now - 50_000, now - 10_000],
      crashes: [{ at: now - 30_000, task: 't', cause: 'crashed' }],
    };
    expect(decideManualRestart(state, policy, now)).toEqual({
      kind: 'spent',
      used: 3,
      max_restarts: 3,
      window_seconds: 60,
      refills_at: now - 50_000 + 60_000,
    });
    const later = decideManualRestart(state, policy, now + 10_001);
    expect(later.kind).toBe('restart');
  });
});

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';

type Handler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let alerts: typeof import('../../lambdas/shared/repositories/alerts.ts');
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);

beforeAll(async () => {
  process.env[ENV.eventBus] = 'steward-test-bus';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  handler = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as Handler;
  alerts = await import('../../lambdas/shared/repositories/alerts.ts');
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) =>
  handler(apiEvent(method, path, body, query), context);
const published = (): string[] =>
  bus.commandCalls(PutEventsCommand).flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.DetailType!));

describe('service registry API (local DynamoDB)', () => {
  it('shows restarts in the window and a spent budget in /services/status', async () => {
    const created = json(await call('POST', '/services', { name: 'flaky-worker', port: 8081 }));
    const { saveRestartState } = await import('../../lambdas/shared/repositories/restarts.ts');
    const { initialRestartState } = await import('../../lib/core/supervision/restart-budget.ts');
    // Restarts count while they are inside the budget's window (5 minutes by default).
    const at = Date.now() - 1_000;
    await saveRestartState(
      created.id,
      { ...initialRestartState(), restarts: [at - 60_000, at], attempt: 2, last_restart_at: at, failed: true },
      0,
    );

    const status = json(await call('GET', '/services/status'));

    expect(status.services.find((s: { id: string }) => s.id === created.id)).toMatchObject({
      name: 'flaky-worker',
      restarts: { in_window: 2, last_restart_at: new Date(at).toISOString(), budget_exhausted: true },
    });
  });

  it('registers, lists, gets, updates and retires a service; re-registering revives the same id', async () => {
    const created = await call('POST', '/services', {
      name: 'planning-system',
      port: 8080,
      description: 'Planning System',
    });
    expect(created.statusCode).toBe(201);
    const svc = json(created);
    expect(svc).toMatchObject({
      name: 'planning-system',
      lifecycle: 'registered',
      health: 'unknown',
      user_fields: ['description', 'port'],
    });
    expect(published()).toEqual(['service.registered']);

    expect((await call('POST', '/services', { name: 'planning-system' })).statusCode).toBe(409);

    const list = json(await call('GET', '/services', undefined, { limit: '10' }));
    expect(list.services.map((s: { name: string }) => s.name)).toContain('planning-system');

    const got = json(await call('GET', `/services/${svc.id}`));
    expect(got).toMatchObject({ id: svc.id, port: 8080, restarts: { attempt: 0, failed: false } });

    const updated = await call('PUT', `/services/${svc.id}`, { port: 9090, lifecycle: 'maintenance' });
    expect(updated.statusCode).toBe(200);
    expect(json(updated)).toMatchObject({ port: 9090, lifecycle: 'maintenance', maintenance: { active: true } });
    expect(published()).toContain('service.maintenance_started');

    const status = json(await call('GET', '/services/status'));
    expect(status.services.find((s: { id: string }) => s.id === svc.id)).toMatchObject({
      name: 'planning-system',
      description: 'Planning System',
      status: 'maintenance',
      statusCode: null,
      restarts: { in_window: 0, last_restart_at: null, budget_exhausted: false },
    });
    expect(typeof status.timestamp).toBe('string');

    const retired = await call('DELETE', `/services/${svc.id}`);
    expect(json(retired)).toMatchObject({ lifecycle: 'retired' });
    expect((await call('PUT', `/services/${svc.id}`, { port: 1 })).statusCode).toBe(409);
    const byStatus = json(await call('GET', '/services', undefined, { status: 'retired' }));
    expect(byStatus.services.map((s: { id: string }) => s.id)).toEqual([svc.id]);

    const again = await call('POST', '/services', { name: 'planning-system', port: 8080 });
    expect(again.statusCode).toBe(201);
    expect(json(again)).toMatchObject({ id: svc.id, lifecycle: 'registered' });
  });

  it.each([
    ['a bad name', { name: 'Bad Name' }, 'body.name'],
    [
      'a bad timeout',
      { name: 'x1', port: 1, health_checks: [{ name: 'h', type: 'http', path: '/', timeout_ms: -1 }] },
      'body.health_checks[0].timeout_ms',
    ],
    [
      'duplicate check names',
      {
        name: 'x2',
        port: 1,
        health_checks: [
          { name: 'h', type: 'tcp' },
          { name: 'h', type: 'tcp' },
        ],
      },
      'body.health_checks[1].name',
    ],
    ['an unknown field', { name: 'x3', colour: 'red' }, 'body'],
    [
      'a maintenance window that ends before it starts',
      {
        name: 'x4',
        maintenance_windows: [{ starts_at: '2027-01-01T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' }],
      },
      'body.maintenance_windows[0].ends_at',
    ],
    [
      'a maintenance window that ends as it starts',
      {
        name: 'x5',
        maintenance_windows: [
          { days: ['sun'], start: '02:00', duration_minutes: 60 },
          { starts_at: '2027-01-01T00:00:00+01:00', ends_at: '2026-12-31T23:00:00Z' },
        ],
      },
      'body.maintenance_windows[1].ends_at',
    ],
  ])('refuses %s with a 400 naming the field', async (_label, body, field) => {
    const res = await call('POST', '/services', body);
    expect(res.statusCode).toBe(400);
    expect(json(res).error.problems.map((p: { field: string }) => p.field)).toContain(field);
  });

  it('answers 404 for unknown services and alerts, 422 for a rename, 409 for an illegal lifecycle move', async () => {
    expect((await call('GET', '/services/nope')).statusCode).toBe(404);
    expect((await call('GET', '/services/nope/health')).statusCode).toBe(404);
    expect((await call('PUT', '/alerts/nope/acknowledge')).statusCode).toBe(404);
    const svc = json(await call('POST', '/services', { name: 'renamer', port: 1 }));
    expect((await call('PUT', `/services/${svc.id}`, { name: 'other' })).statusCode).toBe(422);
    await call('DELETE', `/services/${svc.id}`);
    const again = json(await call('POST', '/services', { name: 'renamer', port: 1 }));
    expect(again.lifecycle).toBe('registered');
    expect((await call('PUT', `/services/${svc.id}`, { lifecycle: 'registered' })).statusCode).toBe(200);
  });

  it("registers auth by reference; refuses a secret outside Steward's prefix on POST and PUT, naming the field", async () => {
    const ok = await call('POST', '/services', {
      name: 'ledger',
      port: 1,
      auth: { type: 'bearer', secret: 'secretsmanager:steward/ledger-token' },
    });
    const outside = await call('POST', '/services', {
      name: 'other-ledger',
      port: 1,
      auth: { type: 'api_key', secret: 'ssm:/team/key' },
    });
    const id = json(ok).id as string;
    const put = await call('PUT', `/services/${id}`, { auth: { type: 'bearer', secret: 'secretsmanager:prod/x' } });
    const sigv4 = await call('PUT', `/services/${id}`, { auth: { type: 'aws_iam', service: 'execute-api' } });

    expect(ok.statusCode).toBe(201);
    expect(json(ok).auth).toEqual({ type: 'bearer', secret: 'secretsmanager:steward/ledger-token' });
    expect(outside.statusCode).toBe(400);
    expect(JSON.stringify(json(outside))).toContain('body.auth.secret');
    expect(put.statusCode).toBe(400);
    expect(sigv4.statusCode).toBe(200);
  });

  it('shows health per check with the rolled-up status', async () => {
    const svc = json(
      await call('POST', '/services', { name: 'checked', port: 1, health_checks: [{ name: 'tcp', type: 'tcp' }] }),
    );
    const health = json(await call('GET', `/services/${svc.id}/health`));
    expect(health).toMatchObject({ service_id: svc.id, status: 'unknown', checks: [], history: [] });
  });

  it('lists and acknowledges alerts; a second acknowledgement is a 409', async () => {
    const opened = await alerts.openAlert(
      {
        key: 'service:x:unhealthy',
        state: 'open',
        severity: 'critical',
        summary: 'x is unhealthy',
        source: 'steward',
        opened_at: 1_000,
        updated_at: 1_000,
        count: 1,
        muted: false,
      },
      0,
    );
    const list = json(await call('GET', '/alerts', undefined, { state: 'open' }));
    expect(list.alerts.map((a: { alert_id: string }) => a.alert_id)).toContain(opened!.alert_id);
    const ack = await call('PUT', `/alerts/${opened!.alert_id}/acknowledge`, { note: 'looking' });
    expect(json(ack)).toMatchObject({ state: 'acknowledged', acknowledged_by: 'arn:aws:iam::123456789012:user/ops' });
    expect((await call('PUT', `/alerts/${opened!.alert_id}/acknowledge`)).statusCode).toBe(409);
    expect(json(await call('GET', '/alerts', undefined, { state: 'open' })).alerts).toHaveLength(0);
  });

  it('never answers 5xx to fuzzed bodies and queries', async () => {
    const svc = json(await call('POST', '/services', { name: 'fuzz-target', port: 1 }));
    const routes: Array<[string, string]> = [
      ['POST', '/services'],
      ['PUT', `/services/${svc.id}`],
      ['GET', '/services'],
      ['GET', '/services/status'],
      ['GET', `/services/${svc.id}/health`],
      ['GET', '/alerts'],
      ['PUT', '/alerts/0123456789abcdef0123.5/acknowledge'],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.json(),
          fc.jsonValue(),
          fc.string(),
          fc.record({ name: fc.string(), port: fc.anything(), health_checks: fc.anything() }),
        ),
        fc.dictionary(fc.constantFrom('limit', 'next_token', 'status', 'state', 'history', 'x'), fc.string()),
        async ([method, path], body, query) => {
          const res = await call(
            method,
            path,
            method === 'GET' ? undefined : typeof body === 'string' ? body : body,
            query,
          );
          expect(res.statusCode, res.body).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});

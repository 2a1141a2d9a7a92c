import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lib/api/openapi.ts';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';
import { startHttpService, type TestHttpService } from './support/servers.ts';

const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
type ApiHandler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let svc: TestHttpService;
let services: typeof import('../../lambdas/shared/repositories/services.ts');
let health: typeof import('../../lambdas/shared/repositories/health.ts');
let engineModule: typeof import('../../lambdas/prober/engine.ts');
let api: ApiHandler;

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  process.env[ENV.restarterFunction] = 'steward-restarter';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  services = await import('../../lambdas/shared/repositories/services.ts');
  health = await import('../../lambdas/shared/repositories/health.ts');
  engineModule = await import('../../lambdas/prober/engine.ts');
  api = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as ApiHandler;
  svc = await startHttpService();
});
afterAll(async () => {
  await svc.close();
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
});

const newEngine = () =>
  new engineModule.ProbeEngine(
    { publish: async () => undefined, requestRestart: async () => undefined, metric: () => undefined },
    { concurrency: 4, roundSeconds: 10 },
  );
const get = async (path: string) => json(await api(apiEvent('GET', path), context));

describe('phi-accrual is visible', () => {
  it('shows phi and suspicion in /services/{id}/health and /services/status', async () => {
    svc.mode = 'ok';
    const { record } = await services.registerManagedService(
      {
        name: 'phi-watched',
        base_url: svc.url,
        health_checks: [{ name: 'http', type: 'http', path: '/health' }],
        // A high count threshold: phi decides here.
        failure_threshold: 10,
        phi_accrual: { threshold: 8 },
      },
      'deployment',
    );
    const engine = newEngine();
    await engine.load(0, 1);
    const t0 = Date.now() + 60_000;
    for (let r = 0; r <= 3; r++) await engine.round(r, t0 + r * 10_000);

    const calm = await get(`/services/${record.id}/health`);
    expect(calm.status).toBe('healthy');
    expect(calm.phi).toMatchObject({ threshold: 8, suspected: false });
    expect(calm.phi.value).toBeLessThan(8);
    expect(calm.checks[0]).toMatchObject({ name: 'http', suspected: false });

    // Answers stop arriving: two missed rounds are far beyond the intervals seen.
    svc.mode = 'fail';
    for (let r = 4; r <= 6; r++) await engine.round(r, t0 + r * 10_000);

    const suspected = await get(`/services/${record.id}/health`);
    expect(suspected.status).toBe('unhealthy');
    expect(suspected.checks[0]).toMatchObject({ status: 'unhealthy', suspected: true });
    expect(suspected.checks[0].consecutive_failures).toBeLessThan(10);
    expect(suspected.phi).toMatchObject({ threshold: 8, suspected: true });
    expect(suspected.phi.value).toBeGreaterThanOrEqual(8);
    expect(suspected.phi.checks[0]).toMatchObject({ check: 'http', suspected: true });
    const status = await get('/services/status');
    expect(status.services.find((s: { id: string }) => s.id === record.id)).toMatchObject({
      status: 'offline',
      phi: { threshold: 8, suspected: true },
    });
  });

  it('a new prober invocation does not feed the gap since the last stored heartbeat into the intervals', async () => {
    svc.mode = 'ok';
    const { record } = await services.registerManagedService(
      {
        name: 'phi-resumed',
        base_url: svc.url,
        health_checks: [{ name: 'http', type: 'http', path: '/health' }],
        phi_accrual: {},
      },
      'deployment',
    );
    const t0 = Date.now() + 60_000;
    const first = newEngine();
    await first.load(0, 1);
    for (let r = 0; r <= 5; r++) await first.round(r, t0 + r * 10_000);
    // The next minute's invocation loads what was stored (last written when the check turned healthy).
    const second = newEngine();
    await second.load(0, 1);
    for (let r = 0; r <= 5; r++) await second.round(r, t0 + 60_000 + r * 10_000);
    // Force a write to read the state back: a heartbeat write happens every 5 minutes.
    const third = newEngine();
    await third.load(0, 1);
    await third.round(0, t0 + 60_000 + 360_000);

    const [check] = health.checkRecordsOf(await health.servicePartition(record.id));
    expect(check?.phi?.mean).toBeGreaterThan(9_000);
    expect(check?.phi?.mean).toBeLessThan(11_000);
    const view = await get('/services/status');
    expect(view.services.find((s: { id: string }) => s.id === record.id)).toMatchObject({
      status: 'online',
      phi: { threshold: 8, suspected: false },
    });
  });

  it('is described in the OpenAPI document of both routes', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, { description?: string }>>;

    expect(paths['/services/status']?.get?.description).toMatch(/phi.*suspected/s);
    expect(paths['/services/{service_id}/health']?.get?.description).toMatch(/phi.*suspected/s);
    expect(paths['/services/status']?.get?.description).toMatch(/crash_looping/);
  });
});

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { startHttpService, type TestHttpService } from './support/servers.ts';

const sns = mockClient((await import('../../lambdas/shared/clients/sns.ts')).sns);
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
let svc: TestHttpService;
let services: typeof import('../../lambdas/shared/repositories/services.ts');
let alertRepo: typeof import('../../lambdas/shared/repositories/alerts.ts');
let engineModule: typeof import('../../lambdas/prober/engine.ts');
let alerts: typeof import('../../lambdas/alerts/handler.ts');

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  process.env[ENV.restarterFunction] = 'steward-restarter';
  process.env[ENV.alertTopicArn] = 'arn:aws:sns:us-east-1:123456789012:steward-alerts';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  services = await import('../../lambdas/shared/repositories/services.ts');
  alertRepo = await import('../../lambdas/shared/repositories/alerts.ts');
  engineModule = await import('../../lambdas/prober/engine.ts');
  alerts = await import('../../lambdas/alerts/handler.ts');
  svc = await startHttpService();
});
afterAll(async () => {
  await svc.close();
});
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
});

describe('maintenance entered just before a failure', () => {
  it('mutes the alert: muting is decided from the service when the alert is opened, not from the tick', async () => {
    svc.mode = 'ok';
    const { record } = await services.registerManagedService(
      { name: 'late-maintenance', base_url: svc.url, health_checks: [{ name: 'http', type: 'http', path: '/health' }] },
      'deployment',
    );
    const published: StewardEvent[] = [];
    const restarts: unknown[] = [];
    const engine = new engineModule.ProbeEngine(
      {
        publish: async (e) => void published.push(...e),
        requestRestart: async (r) => void restarts.push(r),
        metric: () => undefined,
      },
      { concurrency: 4, roundSeconds: 10 },
    );
    // The prober's snapshot of the shard is taken now, before maintenance.
    await engine.load(0, 1);
    const t0 = Date.now() + 60_000;
    await engine.round(0, t0);
    await engine.round(1, t0 + 10_000);
    // An operator enters maintenance (PUT lifecycle), then the service fails.
    const current = (await services.getService(record.id))!;
    await services.putIfVersion({ ...current, status: 'maintenance', version: current.version + 1 }, current.version);
    svc.mode = 'fail';
    await engine.round(2, t0 + 20_000);
    await engine.round(3, t0 + 30_000);
    const change = published.find((e) => e.type === 'service.health_changed' && e.data.to === 'unhealthy');
    expect(change, 'the prober reported the failure').toBeDefined();

    await alerts.handler({ 'detail-type': change!.type, detail: { data: change!.data } });

    const open = (await alertRepo.listAlerts({ limit: 50, state: 'open' })).items.filter(
      (a) => a.service_id === record.id,
    );
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ key: `service:${record.id}:unhealthy`, muted: true });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('sends the alert when maintenance ended after the snapshot said it was on', async () => {
    const { record } = await services.registerManagedService({ name: 'maintenance-over', port: 1 }, 'deployment');

    await alerts.handler({
      'detail-type': 'service.health_changed',
      detail: { data: { service_id: record.id, name: record.name, to: 'unhealthy', in_maintenance: true } },
    });

    const [alert] = (await alertRepo.listAlerts({ limit: 50, state: 'open' })).items.filter(
      (a) => a.service_id === record.id,
    );
    expect(alert).toMatchObject({ muted: false });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });
});

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';

const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
const sns = mockClient((await import('../../lambdas/shared/clients/sns.ts')).sns);
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/steward-dev';
type ApiHandler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let services: typeof import('../../lambdas/shared/repositories/services.ts');
let restarter: typeof import('../../lambdas/restarter/handler.ts');
let alerts: typeof import('../../lambdas/alerts/handler.ts');
let api: ApiHandler;

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  process.env[ENV.ecsClusters] = CLUSTER;
  process.env[ENV.alertTopicArn] = 'arn:aws:sns:us-east-1:123456789012:steward-alerts';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  services = await import('../../lambdas/shared/repositories/services.ts');
  restarter = await import('../../lambdas/restarter/handler.ts');
  alerts = await import('../../lambdas/alerts/handler.ts');
  api = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as ApiHandler;
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

let taskNo = 0;
/** An "ECS Task State Change" event as EventBridge delivers it from the default bus. */
function taskStopped(service: string, extra: Record<string, unknown> = {}) {
  taskNo++;
  return {
    version: '0',
    id: `evt-${taskNo}`,
    'detail-type': 'ECS Task State Change' as const,
    source: 'aws.ecs' as const,
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:ecs:us-east-1:123456789012:task/steward-dev/t${taskNo}`],
    detail: {
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/steward-dev/t${taskNo}`,
      clusterArn: CLUSTER,
      group: `service:${service}`,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      stoppedAt: new Date().toISOString(),
      containers: [{ name: 'app', exitCode: 137, lastStatus: 'STOPPED' }],
      ...extra,
    },
  };
}
const published = () =>
  bus
    .commandCalls(PutEventsCommand)
    .flatMap((c) => c.args[0].input.Entries!.map((e) => JSON.parse(e.Detail!) as { type: string; data: never }));

describe('task stops from ECS (local DynamoDB, the bus mocked)', () => {
  it('counts crashes against the budget, reports the crash loop once, and shows it in status and health', async () => {
    const { record } = await services.registerManagedService(
      {
        name: 'crashy',
        port: 8080,
        image: 'crashy:1',
        restart_policy: { max_restarts: 3, window_seconds: 300 },
        alerts: { severity: 'warning' },
      },
      'deployment',
    );
    await services.setServiceHealth(record.id, 'unknown', 'healthy', new Date().toISOString());

    const outcomes: unknown[] = [];
    for (let i = 0; i < 5; i++) outcomes.push((await restarter.handler(taskStopped('crashy'))).outcome);
    const replay = taskStopped('crashy');
    await restarter.handler(replay);
    outcomes.push((await restarter.handler(replay)).outcome);
    outcomes.push(
      (
        await restarter.handler(
          taskStopped('crashy', {
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
          }),
        )
      ).outcome,
    );

    expect(outcomes).toEqual(['counted', 'counted', 'counted', 'crash_looping', 'counted', 'duplicate', 'ignored']);
    const loops = published().filter((e) => e.type === 'service.crash_looping');
    expect(loops).toHaveLength(1);
    expect(loops[0]!.data).toMatchObject({
      service_id: record.id,
      name: 'crashy',
      restarts_in_window: 4,
      max_restarts: 3,
      window_seconds: 300,
      severity: 'warning',
      last_stop: { stop_code: 'EssentialContainerExited', exit_code: 137 },
    });

    const status = json(await api(apiEvent('GET', '/services/status'), context));
    expect(status.services.find((s: { id: string }) => s.id === record.id)).toMatchObject({
      status: 'degraded',
      health: 'healthy',
      restarts: {
        in_window: 0,
        crashes_in_window: 6,
        max_restarts: 3,
        budget_exhausted: true,
        failed_reason: 'crash_loop',
        crash_looping: true,
        last_crash: {
          stop_code: 'EssentialContainerExited',
          reason: 'Essential container in task exited',
          exit_code: 137,
        },
      },
    });
    const health = json(await api(apiEvent('GET', `/services/${record.id}/health`), context));
    expect(health.restarts).toMatchObject({ crashes_in_window: 6, crash_looping: true, failed: true });

    // The event opens one alert (sent: not in maintenance); a manual reset resolves it.
    await alerts.handler({ 'detail-type': 'service.crash_looping', detail: { data: loops[0]!.data } });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toEqual([
      expect.stringMatching(/^\[ALERT\] \[warning\] crashy is crash looping: 4 restarts in 300 s \(budget 3\)/),
    ]);
    const reset = await api(apiEvent('PUT', `/services/${record.id}`, { reset_restarts: true }), context);
    expect(reset.statusCode).toBe(200);
    const resetEvent = published().find((e) => e.type === 'service.restart_budget_reset');
    expect(resetEvent?.data).toMatchObject({ service_id: record.id, reason: 'manual', was: 'crash_loop' });
    await alerts.handler({ 'detail-type': 'service.restart_budget_reset', detail: { data: resetEvent!.data } });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject)).toEqual([
      expect.stringMatching(/^\[ALERT\]/),
      expect.stringMatching(/^\[RECOVERED\]/),
    ]);
  });

  it('ignores tasks that belong to no supervised service, running tasks and standalone tasks', async () => {
    expect((await restarter.handler(taskStopped('not-registered'))).outcome).toBe('ignored');
    expect((await restarter.handler(taskStopped('crashy', { lastStatus: 'RUNNING' }))).outcome).toBe('ignored');
    expect((await restarter.handler(taskStopped('crashy', { group: 'family:batch' }))).outcome).toBe('ignored');
    expect(published()).toEqual([]);
  });

  it('finds a discovered service registered under another name by its ECS target', async () => {
    const { record } = await services.registerManagedService(
      {
        name: 'orders-api',
        ecs: { cluster: CLUSTER, service_name: 'Orders_API' },
        restart_policy: { max_restarts: 1 },
      },
      'discovery',
    );
    await restarter.handler(taskStopped('Orders_API'));
    const out = await restarter.handler(taskStopped('Orders_API'));

    expect(out).toMatchObject({ outcome: 'crash_looping', service: 'orders-api' });
    expect(published().find((e) => e.type === 'service.crash_looping')?.data).toMatchObject({ service_id: record.id });
  });
});

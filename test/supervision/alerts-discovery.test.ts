import { DescribeServicesCommand, ListServicesCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetNamespaceCommand,
  ListServicesCommand as ListCloudMapServices,
  ListInstancesCommand,
} from '@aws-sdk/client-servicediscovery';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';

const sns = mockClient((await import('../../lambdas/shared/clients/sns.ts')).sns);
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
const ecs = mockClient((await import('../../lambdas/shared/clients/ecs.ts')).ecs);
const cloudMap = mockClient((await import('../../lambdas/shared/clients/servicediscovery.ts')).serviceDiscovery);
let alerts: typeof import('../../lambdas/alerts/handler.ts');
let alertRepo: typeof import('../../lambdas/shared/repositories/alerts.ts');
let tick: typeof import('../../lambdas/alerts/process.ts').tick;
let discovery: typeof import('../../lambdas/discovery/handler.ts');
let services: typeof import('../../lambdas/shared/repositories/services.ts');
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/apps';

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  process.env[ENV.alertTopicArn] = 'arn:aws:sns:us-east-1:123456789012:steward-alerts';
  process.env[ENV.ecsClusters] = CLUSTER;
  process.env[ENV.cloudMapNamespaces] = 'ns-1';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  alerts = await import('../../lambdas/alerts/handler.ts');
  alertRepo = await import('../../lambdas/shared/repositories/alerts.ts');
  tick = (await import('../../lambdas/alerts/process.ts')).tick;
  discovery = await import('../../lambdas/discovery/handler.ts');
  services = await import('../../lambdas/shared/repositories/services.ts');
});
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
});

const kinds = (): string[] =>
  sns.commandCalls(PublishCommand).map((c) => String(c.args[0].input.MessageAttributes?.steward_alert?.StringValue));
const healthEvent = (to: string, extra: Record<string, unknown> = {}) => ({
  'detail-type': 'service.health_changed',
  detail: { data: { service_id: 'svc-1', name: 'planning-system', to, ...extra } },
});
const alarm = (state: string, attrs?: Record<string, unknown>) => ({
  Records: [
    {
      Sns: {
        Message: JSON.stringify({
          AlarmName: 'steward-5xx',
          NewStateValue: state,
          NewStateReason: 'threshold crossed',
        }),
        MessageAttributes: attrs,
      },
    },
  ],
});

describe('alert handler (SNS mocked, local DynamoDB)', () => {
  it('deduplicates by key, escalates once without acknowledgement, reminds, and sends a recovery', async () => {
    await alerts.handler(healthEvent('unhealthy'));
    await alerts.handler(healthEvent('unhealthy'));
    await alerts.handler(healthEvent('degraded'));
    expect(kinds()).toEqual(['opened']);
    const [open] = (await alertRepo.listAlerts({ limit: 10, state: 'open' })).items;
    expect(open).toMatchObject({ key: 'service:svc-1:unhealthy', count: 2, severity: 'critical' });
    const opened = open!.opened_at;
    expect(await tick('arn:topic', opened + 10_000)).toBe(0);
    expect(await tick('arn:topic', opened + 900_000)).toBe(1);
    expect(await tick('arn:topic', opened + 901_000)).toBe(0);
    expect(await tick('arn:topic', opened + 900_000 + 3_600_000)).toBe(1);
    await alerts.handler(healthEvent('healthy'));
    expect(kinds()).toEqual(['opened', 'escalated', 'reminder', 'recovered']);
    const history = (await alertRepo.listAlerts({ limit: 10 })).items;
    expect(history[0]).toMatchObject({ state: 'resolved', escalated_at: opened + 900_000 });
    // A new failure opens a new occurrence (the old one stays as history).
    await alerts.handler(healthEvent('unhealthy'));
    expect(
      (await alertRepo.listAlerts({ limit: 10 })).items.filter((a) => a.key === 'service:svc-1:unhealthy'),
    ).toHaveLength(2);
    await alerts.handler(healthEvent('healthy'));
  });

  it('mutes alerts raised in maintenance and alerts budget exhaustion once', async () => {
    sns.resetHistory();
    await alerts.handler(healthEvent('unhealthy', { service_id: 'svc-m', in_maintenance: true }));
    await alerts.handler(healthEvent('healthy', { service_id: 'svc-m', in_maintenance: true }));
    expect(kinds()).toEqual([]);
    const exhausted = {
      'detail-type': 'service.restart_budget_exhausted',
      detail: { data: { service_id: 'svc-x', name: 'x' } },
    };
    await alerts.handler(exhausted);
    await alerts.handler(exhausted);
    expect(kinds()).toEqual(['opened']);
  });

  it('handles CloudWatch alarms through SNS and ignores its own notifications', async () => {
    sns.resetHistory();
    await alerts.handler(alarm('ALARM'));
    await alerts.handler(alarm('ALARM', { steward_alert: { Type: 'String', Value: 'opened' } }));
    await alerts.handler(alarm('OK'));
    expect(kinds()).toEqual(['opened', 'recovered']);
  });
});

describe('discovery (ECS and Cloud Map mocked, local DynamoDB)', () => {
  beforeEach(() => {
    ecs.reset();
    cloudMap.reset();
    cloudMap.on(GetNamespaceCommand).resolves({ Namespace: { Name: 'steward.local' } });
    cloudMap.on(ListCloudMapServices).resolves({ Services: [{ Id: 'srv-1', Name: 'agent-orchestrator' }] });
    cloudMap.on(ListInstancesCommand).resolves({ Instances: [{ Id: 'i', Attributes: { AWS_INSTANCE_PORT: '8081' } }] });
  });

  it('registers advertised services without overwriting what a user set', async () => {
    await services.registerManagedService({ name: 'billing', port: 9000, description: 'set by hand' }, 'api');
    const out = await discovery.handler({
      'detail-type': 'service.advertised',
      detail: { data: { name: 'billing', port: 8080, base_url: 'http://billing:8080' } },
    });
    expect(out.created).toBe(false);
    const rec = (await services.getServiceByName('billing'))!;
    expect(rec.spec).toEqual({
      name: 'billing',
      port: 9000,
      description: 'set by hand',
      base_url: 'http://billing:8080',
    });
    expect(
      await discovery.handler({ 'detail-type': 'service.advertised', detail: { data: { name: 'Not Valid' } } }),
    ).toEqual({ ignored: true });
    // A producer that puts the spec as the whole detail is understood too.
    const plain = await discovery.handler({
      'detail-type': 'service.advertised',
      detail: { name: 'plain-adv', port: 7000 } as never,
    });
    expect(plain.created).toBe(true);
    expect((await services.getServiceByName('plain-adv'))!.status).toBe('discovered');
    // Registering it by hand adopts it: registered, the user's fields win from now on.
    const adopted = await services.registerManagedService({ name: 'plain-adv', port: 7001 }, 'api');
    expect(adopted.record).toMatchObject({ status: 'registered', source: 'api', user_fields: ['port'] });
    expect(adopted.record.spec.port).toBe(7001);
  });

  it('scans clusters and namespaces, registers what it finds, and marks what disappeared', async () => {
    ecs.on(ListServicesCommand).resolves({ serviceArns: [`${CLUSTER}/web`, `${CLUSTER}/Worker_Pool`] });
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        { serviceName: 'web', status: 'ACTIVE' },
        { serviceName: 'Worker_Pool', status: 'ACTIVE' },
      ],
    });
    const first = await discovery.handler({ 'detail-type': 'Scheduled Event' });
    expect(first).toEqual({ found: 3, disappeared: 0 });
    const worker = (await services.getServiceByName('worker-pool'))!;
    expect(worker).toMatchObject({ status: 'discovered', source: 'discovery', discovered_by: `ecs:${CLUSTER}` });
    expect(worker.spec.ecs).toEqual({ cluster: CLUSTER, service_name: 'Worker_Pool' });
    expect((await services.getServiceByName('agent-orchestrator'))!.spec).toMatchObject({
      port: 8081,
      base_url: 'http://agent-orchestrator.steward.local:8081',
    });

    ecs.on(ListServicesCommand).resolves({ serviceArns: [`${CLUSTER}/web`] });
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'web', status: 'ACTIVE' }] });
    bus.resetHistory();
    expect(await discovery.handler({ 'detail-type': 'Scheduled Event' })).toEqual({ found: 2, disappeared: 1 });
    expect((await services.getServiceByName('worker-pool'))!.disappeared_at).toBeDefined();
    const types = bus.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.DetailType));
    expect(types).toEqual(['service.disappeared']);
    // A failed scan marks nothing.
    ecs.on(ListServicesCommand).rejects(new Error('throttled'));
    expect(await discovery.handler({ 'detail-type': 'Scheduled Event' })).toEqual({ found: 1, disappeared: 0 });
  });

  it('keeps the scan a service was discovered by when the cluster and the namespace both list it', async () => {
    // An ECS service registered in a Cloud Map namespace is found by both scans of every pass.
    ecs.on(ListServicesCommand).resolves({ serviceArns: [`${CLUSTER}/agent-orchestrator`] });
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'agent-orchestrator', status: 'ACTIVE' }] });
    // (`web`, found by the case before, disappears in this pass.)
    expect(await discovery.handler({ 'detail-type': 'Scheduled Event' })).toMatchObject({ found: 2 });
    const first = (await services.getServiceByName('agent-orchestrator'))!;
    expect([`ecs:${CLUSTER}`, 'cloudmap:ns-1']).toContain(first.discovered_by);
    expect(first.spec).toMatchObject({ port: 8081, ecs: { cluster: CLUSTER, service_name: 'agent-orchestrator' } });

    for (let pass = 0; pass < 3; pass++) {
      expect(await discovery.handler({ 'detail-type': 'Scheduled Event' })).toEqual({ found: 2, disappeared: 0 });
    }
    const later = (await services.getServiceByName('agent-orchestrator'))!;
    expect(later.discovered_by).toBe(first.discovered_by);
    expect(later.version).toBe(first.version);

    // Once the scan it was discovered by no longer lists it, the other scan that does takes it over.
    const other = first.discovered_by === 'cloudmap:ns-1' ? `ecs:${CLUSTER}` : 'cloudmap:ns-1';
    if (first.discovered_by === 'cloudmap:ns-1') cloudMap.on(ListCloudMapServices).resolves({ Services: [] });
    else ecs.on(ListServicesCommand).resolves({ serviceArns: [] });
    expect(await discovery.handler({ 'detail-type': 'Scheduled Event' })).toEqual({ found: 1, disappeared: 0 });
    expect((await services.getServiceByName('agent-orchestrator'))!.discovered_by).toBe(other);
  });
});

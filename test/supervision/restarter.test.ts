import { StopTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import type { ServiceSpec } from '../../lib/core/supervision/manifest.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';

const ecs = mockClient((await import('../../lambdas/shared/clients/ecs.ts')).ecs);
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
let services: typeof import('../../lambdas/shared/repositories/services.ts');
let restarts: typeof import('../../lambdas/shared/repositories/restarts.ts');
let restarter: typeof import('../../lambdas/restarter/handler.ts');

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  process.env[ENV.ecsClusters] = 'arn:aws:ecs:us-east-1:123456789012:cluster/deployed';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  services = await import('../../lambdas/shared/repositories/services.ts');
  restarts = await import('../../lambdas/shared/repositories/restarts.ts');
  restarter = await import('../../lambdas/restarter/handler.ts');
  await services.registerGroups([
    { name: 'pair', strategy: 'one_for_all', max_restarts: 5, window_seconds: 60 },
    { name: 'chain', strategy: 'rest_for_one', max_restarts: 5, window_seconds: 60 },
  ]);
});
beforeEach(() => {
  ecs.reset();
  ecs.on(UpdateServiceCommand).resolves({});
  ecs.on(StopTaskCommand).resolves({});
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
});

async function unhealthy(spec: ServiceSpec): Promise<string> {
  const { record } = await services.registerManagedService(spec, 'deployment');
  await services.setServiceHealth(record.id, record.health, 'unhealthy', new Date().toISOString());
  return record.id;
}
const ecsSpec = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name,
  port: 80,
  ecs: { cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/steward', service_name: name },
  ...extra,
});
const events = (): string[] =>
  bus.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.DetailType!));

describe('restarter (ECS mocked, local DynamoDB)', () => {
  it('forces a new deployment once, even when two restarters race for the same failure', async () => {
    const id = await unhealthy(ecsSpec('racer'));
    const [a, b] = await Promise.all([restarter.handler({ service_id: id }), restarter.handler({ service_id: id })]);
    const calls = ecs.commandCalls(UpdateServiceCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({ service: 'racer', forceNewDeployment: true });
    const actions = [...(a.actions as Array<{ action: string }>), ...(b.actions as Array<{ action: string }>)].map(
      (x) => x.action,
    );
    expect(actions.filter((x) => x === 'restarted')).toHaveLength(1);
    expect(events()).toEqual(['service.restarted']);
    // Right after a restart the service is in its grace period: a new request waits.
    const again = await restarter.handler({ service_id: id });
    expect(again.actions).toEqual([{ service: 'racer', action: 'wait', detail: 'grace' }]);
  });

  it('restarts a deployed service by its name in the deployment cluster when the registry has no ecs target', async () => {
    const id = await unhealthy({ name: 'deployed-svc', port: 80, command: ['node', 'svc.mjs'] });
    await restarter.handler({ service_id: id });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/deployed',
      service: 'deployed-svc',
      forceNewDeployment: true,
    });
    const manual = await unhealthy({ name: 'not-on-ecs', port: 80 });
    const out = await restarter.handler({ service_id: manual });
    expect(out.actions).toEqual([
      { service: 'not-on-ecs', action: 'restarted', detail: 'no ECS service to restart (recorded only)' },
    ]);
  });

  it('gives the claimed restart back when ECS refuses, so the retried invocation restarts', async () => {
    const id = await unhealthy(ecsSpec('refused'));
    ecs.on(UpdateServiceCommand).rejectsOnce(new Error('ThrottlingException')).resolves({});
    await expect(restarter.handler({ service_id: id })).rejects.toThrow('ThrottlingException');
    expect((await restarts.getRestartState(id)).state).toMatchObject({ restarts: [], attempt: 0 });
    const retried = await restarter.handler({ service_id: id });
    expect(retried.actions).toEqual([{ service: 'refused', action: 'restarted', detail: 'force new deployment' }]);
  });

  it('stops the bad tasks when the policy says stop_task', async () => {
    const id = await unhealthy(ecsSpec('stopper', { restart_policy: { action: 'stop_task' } }));
    await restarter.handler({ service_id: id, bad_tasks: ['arn:task/1', 'arn:task/2'] });
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task)).toEqual(['arn:task/1', 'arn:task/2']);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('spends the budget, marks the service failed, publishes the exhaustion once, then holds', async () => {
    const id = await unhealthy(
      ecsSpec('crashy', {
        restart_policy: { max_restarts: 2, grace_seconds: 0, base_delay_seconds: 0, backoff: 'fixed' },
      }),
    );
    const { metrics } = await import('../../lambdas/shared/powertools.ts');
    const emitted: Array<[string, number]> = [];
    const spy = vi.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
      emitted.push([name, value]);
      return metrics;
    });
    for (let i = 0; i < 5; i++) await restarter.handler({ detail: { data: { service_id: id } } });
    spy.mockRestore();
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(2);
    expect(events().filter((t) => t === 'service.restart_budget_exhausted')).toHaveLength(1);
    // The dashboard and the budget alarm read these metrics.
    const total = (name: string): number => emitted.filter(([n]) => n === name).reduce((sum, [, v]) => sum + v, 0);
    expect([total('Restarts'), total('RestartBudgetExhausted')]).toEqual([2, 1]);
    const state = await restarts.getRestartState(id);
    expect(state.state.failed).toBe(true);
    expect((await restarter.handler({ service_id: id })).actions).toEqual([
      { service: 'crashy', action: 'held', detail: 'failed' },
    ]);
  });

  it('one_for_all restarts the whole group; rest_for_one the failed service and those after it', async () => {
    const a = await unhealthy(ecsSpec('pair-a', { group: 'pair' }));
    await services.registerManagedService(ecsSpec('pair-b', { group: 'pair' }), 'deployment');
    await restarter.handler({ service_id: a });
    expect(
      ecs
        .commandCalls(UpdateServiceCommand)
        .map((c) => c.args[0].input.service)
        .sort(),
    ).toEqual(['pair-a', 'pair-b']);
    ecs.resetHistory();
    await services.registerManagedService(ecsSpec('chain-db', { group: 'chain' }), 'deployment');
    const api = await unhealthy(ecsSpec('chain-api', { group: 'chain', depends_on: ['chain-db'] }));
    await services.registerManagedService(
      ecsSpec('chain-web', { group: 'chain', depends_on: ['chain-api'] }),
      'deployment',
    );
    await restarter.handler({ service_id: api });
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.service)).toEqual([
      'chain-api',
      'chain-web',
    ]);
    const group = await restarts.getGroupRestarts('chain');
    expect(group.restarts).toHaveLength(1);
  });

  it('ignores healthy, unknown and retired services, and holds in maintenance', async () => {
    const { record } = await services.registerManagedService(ecsSpec('fine'), 'deployment');
    expect((await restarter.handler({ service_id: record.id })).actions).toEqual([
      { service: 'fine', action: 'ignored', detail: 'health is unknown' },
    ]);
    expect((await restarter.handler({ service_id: 'missing' })).actions).toEqual([
      { service: 'missing', action: 'ignored', detail: 'unknown or retired' },
    ]);
    const m = await unhealthy(
      ecsSpec('maint', {
        maintenance_windows: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', duration_minutes: 1440 },
        ],
      }),
    );
    expect((await restarter.handler({ service_id: m })).actions).toEqual([
      { service: 'maint', action: 'held', detail: 'maintenance' },
    ]);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});

describe('restarter: escalation past the root', () => {
  it('marks the service failed once when every group up to root has given up', async () => {
    await services.registerGroups([
      { name: 'tight', strategy: 'one_for_one', max_restarts: 0, window_seconds: 60, parent: 'top2' },
      { name: 'top2', strategy: 'one_for_all', max_restarts: 0, window_seconds: 60 },
    ]);
    for (let i = 0; i < 10; i++) await restarts.recordGroupRestart('root', Date.now(), 60_000);
    const id = await unhealthy(ecsSpec('doomed', { group: 'tight' }));
    const first = await restarter.handler({ service_id: id });
    expect((first.actions as Array<{ action: string }>)[0]!.action).toBe('terminal');
    const second = await restarter.handler({ service_id: id });
    expect(second.actions).toEqual([{ service: 'doomed', action: 'held', detail: 'failed' }]);
    expect(events().filter((t) => t === 'service.restart_budget_exhausted')).toHaveLength(1);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});

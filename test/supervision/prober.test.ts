import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { startHttpService, type TestHttpService } from './support/servers.ts';

const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
const lambda = mockClient((await import('../../lambdas/shared/clients/lambda.ts')).lambda);
let svc: TestHttpService;
let services: typeof import('../../lambdas/shared/repositories/services.ts');
let health: typeof import('../../lambdas/shared/repositories/health.ts');
let engineModule: typeof import('../../lambdas/prober/engine.ts');
let prober: typeof import('../../lambdas/prober/handler.ts');

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  process.env[ENV.restarterFunction] = 'steward-restarter';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  services = await import('../../lambdas/shared/repositories/services.ts');
  health = await import('../../lambdas/shared/repositories/health.ts');
  engineModule = await import('../../lambdas/prober/engine.ts');
  prober = await import('../../lambdas/prober/handler.ts');
  svc = await startHttpService();
});
afterAll(async () => {
  await svc.close();
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
  lambda.reset();
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

describe('prober engine (real HTTP, local DynamoDB, simulated round clock)', () => {
  it('detects a failure within 30 s, asks for a restart at once, records only changes, and recovers', async () => {
    svc.mode = 'ok';
    const { record } = await services.registerManagedService(
      {
        name: 'probed',
        base_url: svc.url,
        health_checks: [{ name: 'http', type: 'http', path: '/health', timeout_ms: 300 }],
      },
      'deployment',
    );
    const published: StewardEvent[] = [];
    const restarts: Array<{ service_id: string }> = [];
    const engine = new engineModule.ProbeEngine(
      {
        publish: async (e) => void published.push(...e),
        requestRestart: async (r) => void restarts.push(r),
        metric: () => undefined,
      },
      { concurrency: 16, roundSeconds: 10 },
    );
    expect(await engine.load(0, 1)).toBeGreaterThanOrEqual(1);
    // Past the grace period of a new service.
    const t0 = Date.now() + 60_000;
    const timeline: Array<{ t: number; health: string }> = [];
    const round = async (r: number) => {
      await engine.round(r, t0 + r * 10_000);
      timeline.push({ t: r * 10, health: (await services.getService(record.id))!.health });
    };
    await round(0);
    await round(1);
    expect(timeline.at(-1)!.health).toBe('healthy');
    const writesWhenSteady = (await health.recentResults(record.id, 100)).length;
    await round(2);
    expect((await health.recentResults(record.id, 100)).length).toBe(writesWhenSteady);
    // The service hangs from t = 25 s.
    svc.mode = 'hang';
    const failedAt = 25;
    for (let r = 3; r <= 5; r++) await round(r);
    const unhealthyAt = timeline.find((x) => x.t > failedAt && x.health === 'unhealthy')!.t;
    expect(unhealthyAt - failedAt).toBeLessThanOrEqual(30);
    expect(restarts.length).toBeGreaterThanOrEqual(1);
    expect(restarts[0]).toMatchObject({ service_id: record.id, reason: 'unhealthy' });
    const changes = published
      .filter((e) => e.type === 'service.health_changed')
      .map((e) => `${e.data.from}→${e.data.to}`);
    expect(changes).toEqual(['unknown→healthy', 'healthy→unhealthy']);
    svc.mode = 'ok';
    await round(6);
    await round(7);
    expect(timeline.at(-1)!.health).toBe('healthy');
    const view = (await services.getService(record.id))!;
    expect(view.status).toBe('active');
    const checks = health.checkRecordsOf(await health.servicePartition(record.id));
    expect(checks[0]).toMatchObject({ check: 'http', status: 'healthy', consecutive_successes: 2 });
  });

  it('does not ask for restarts during a maintenance window (probes still recorded)', async () => {
    svc.mode = 'fail';
    const { record } = await services.registerManagedService(
      {
        name: 'in-maintenance',
        base_url: svc.url,
        health_checks: [{ name: 'http', type: 'http', path: '/health' }],
        maintenance_windows: [{ starts_at: '2000-01-01T00:00:00Z', ends_at: '2100-01-01T00:00:00Z' }],
      },
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
    await engine.load(0, 1);
    const t0 = Date.now() + 60_000;
    for (let r = 0; r < 3; r++) await engine.round(r, t0 + r * 10_000);
    expect((await services.getService(record.id))!.health).toBe('unhealthy');
    expect(restarts.filter((x) => (x as { service_id: string }).service_id === record.id)).toEqual([]);
    const change = published.find((e) => e.type === 'service.health_changed' && e.data.service_id === record.id)!;
    expect(change.data.in_maintenance).toBe(true);
    await services.putIfVersion(
      {
        ...(await services.getService(record.id))!,
        status: 'retired',
        version: (await services.getService(record.id))!.version + 1,
      },
      (await services.getService(record.id))!.version,
    );
  });

  it('with phi accrual, missed heartbeats make a check unhealthy before the failure count would', async () => {
    svc.mode = 'ok';
    const { record } = await services.registerManagedService(
      {
        name: 'phi-probed',
        base_url: svc.url,
        failure_threshold: 5,
        phi_accrual: { threshold: 8 },
        health_checks: [{ name: 'http', type: 'http', path: '/health', timeout_ms: 200 }],
      },
      'deployment',
    );
    const engine = new engineModule.ProbeEngine(
      { publish: async () => undefined, requestRestart: async () => undefined, metric: () => undefined },
      { concurrency: 8, roundSeconds: 10 },
    );
    await engine.load(0, 1);
    const t0 = Date.now() + 60_000;
    const healthAt: string[] = [];
    for (let r = 0; r <= 6; r++) {
      if (r === 4) svc.mode = 'hang';
      await engine.round(r, t0 + r * 10_000);
      healthAt.push((await services.getService(record.id))!.health);
    }
    expect(healthAt.slice(0, 6)).not.toContain('unhealthy');
    expect(healthAt[6]).toBe('unhealthy');
    const [check] = health.checkRecordsOf(await health.servicePartition(record.id));
    expect(check!.consecutive_failures).toBe(3);
    svc.mode = 'ok';
  });

  it('splits services over shards by a stable hash', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `id-${i}`);
    const counts = [0, 0, 0, 0];
    for (const id of ids) counts[engineModule.shardOf(id, 4)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(engineModule.shardOf('id-7', 4)).toBe(engineModule.shardOf('id-7', 4));
  });
});

describe('prober handler', () => {
  /** A service whose one HTTP check fails from now on, unhealthy at its first failure. */
  async function registerFailing(name: string): Promise<void> {
    svc.mode = 'fail';
    await services.registerManagedService(
      {
        name,
        base_url: svc.url,
        failure_threshold: 1,
        health_checks: [{ name: 'http', type: 'http', path: '/health' }],
        restart_policy: { grace_seconds: 0 },
      },
      'api',
    );
  }

  it('probes under a lease, publishes changes, and a concurrent invocation of the same shard is skipped', async () => {
    await registerFailing('handler-probed');
    const ctx = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 60_000 }) as unknown as Context;
    const [a, b] = await Promise.all([
      prober.handler({ shard: 0, shards: 1, rounds: 2, round_seconds: 0.2 }, ctx('a')),
      prober.handler({ shard: 0, shards: 1, rounds: 2, round_seconds: 0.2 }, ctx('b')),
    ]);
    const ran = [a, b].filter((x) => !x.skipped);
    expect(ran).toHaveLength(1);
    expect([a, b].filter((x) => x.skipped)).toHaveLength(1);
    expect(ran[0]).toMatchObject({ rounds: 2 });
    expect(Number(ran[0]!.probes)).toBeGreaterThanOrEqual(1);
    const invokes = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invokes.some((i) => i.FunctionName === 'steward-restarter' && i.InvocationType === 'Event')).toBe(true);
    const types = bus.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.DetailType));
    expect(types).toContain('service.health_changed');
    // The lease was released: a later invocation runs.
    expect(
      (await prober.handler({ shard: 0, shards: 1, rounds: 1, round_seconds: 0.1 }, ctx('c'))).skipped,
    ).toBeUndefined();
  });

  it('records a failing probe under service_name and check, next to the default service dimension, without warnings', async () => {
    await registerFailing('metric-probed');
    const written: string[] = [];
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      const ctx = { awsRequestId: 'm', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
      await prober.handler({ shard: 0, shards: 1, rounds: 1, round_seconds: 0.1 }, ctx);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const records = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"CloudWatchMetrics"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> };
          },
      );
    const failure = records.find((r) => r.service_name === 'metric-probed');
    expect(failure).toMatchObject({ check: 'http', ProbeFailure: 1 });
    expect(failure?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
      expect.arrayContaining(['service', 'service_name', 'check']),
    );
    expect(failure?.service).not.toBe('metric-probed');
    expect(written.join('')).not.toMatch(/has already been added|defined as both a default dimension/);
  });
});

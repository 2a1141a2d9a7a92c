/**
 * `GET /services/{service_id}/history` and `/uptime` against local DynamoDB: recorded check results newest first,
 * bounded by time and paginated by key (a Query on the service's partition, never a Scan), and the uptime and
 * latency of 24 h and 7 d computed from them. Every answer matches its route's response schema.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractViolation } from '../../lib/core/api/contract.ts';
import { ROUTES } from '../../lib/core/api/routes/index.ts';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';

type Handler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let health: typeof import('../../lambdas/shared/repositories/health.ts');
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);

beforeAll(async () => {
  process.env[ENV.eventBus] = 'steward-test-bus';
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  handler = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as Handler;
  health = await import('../../lambdas/shared/repositories/health.ts');
});

const call = async (method: string, path: string, query?: Record<string, string>, body?: unknown) => {
  const res = await handler(apiEvent(method, path, body, query), context);
  const parsed = res.body ? JSON.parse(res.body) : undefined;
  expect(contractViolation(ROUTES, method, path, res.statusCode, parsed)).toBeUndefined();
  return res;
};
const register = async (name: string): Promise<string> => {
  const res = await call('POST', '/services', undefined, { name, port: 8080, base_url: 'http://127.0.0.1:8080' });
  expect(res.statusCode, res.body).toBe(201);
  return json(res).id as string;
};

const MIN = 60_000;

describe('GET /services/{service_id}/history', () => {
  it('lists recorded results newest first, within from/to, page by page', async () => {
    const id = await register('history-svc');
    const t0 = Date.now() - 60 * MIN;
    for (let i = 0; i < 7; i++) {
      const ok = i !== 3;
      await health.recordResult(
        id,
        'http',
        ok ? 'healthy' : 'unhealthy',
        { ok, latency_ms: 10 + i, ...(ok ? { status_code: 200 } : { message: 'connection refused' }) },
        t0 + i * MIN,
      );
    }

    const all = await call('GET', `/services/${id}/history`);
    expect(all.statusCode, all.body).toBe(200);
    const body = json(all);
    expect(body.count).toBe(7);
    expect(body.next_token).toBeNull();
    expect(body.results.map((r: { latency_ms: number }) => r.latency_ms)).toEqual([16, 15, 14, 13, 12, 11, 10]);
    expect(body.results[3]).toEqual({
      at: new Date(t0 + 3 * MIN).toISOString(),
      check: 'http',
      status: 'unhealthy',
      ok: false,
      latency_ms: 13,
      status_code: null,
      message: 'connection refused',
    });

    // A time range (both ends inclusive) and pages of two.
    const from = new Date(t0 + 2 * MIN).toISOString();
    const to = new Date(t0 + 5 * MIN).toISOString();
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `/services/${id}/history`, {
        from,
        to,
        limit: '2',
        ...(token ? { next_token: token } : {}),
      });
      expect(page.statusCode, page.body).toBe(200);
      seen.push(...json(page).results.map((r: { latency_ms: number }) => r.latency_ms));
      token = json(page).next_token ?? undefined;
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual([15, 14, 13, 12]);
  });

  it('answers 404 for an unknown service and 400 naming the field for bad input', async () => {
    expect((await call('GET', '/services/no-such-service/history')).statusCode).toBe(404);
    const id = await register('history-bad-input');
    const reversed = await call('GET', `/services/${id}/history`, {
      from: '2026-01-02T00:00:00Z',
      to: '2026-01-01T00:00:00Z',
    });
    expect(reversed.statusCode).toBe(400);
    expect(json(reversed).error.problems[0].field).toBe('query.from');
    const badTime = await call('GET', `/services/${id}/history`, { from: 'yesterday' });
    expect(badTime.statusCode).toBe(400);
    expect(JSON.stringify(json(badTime).error)).toContain('from');
    const badToken = await call('GET', `/services/${id}/history`, { next_token: 'forged.token' });
    expect(badToken.statusCode).toBe(400);
    expect((await call('GET', `/services/${id}/history`, { limit: '0' })).statusCode).toBe(400);
  });
});

describe('GET /services/{service_id}/uptime', () => {
  it('computes uptime and latency for 24 h and 7 d from the recorded results', async () => {
    const id = await register('uptime-svc');
    const now = Date.now();
    // Healthy from 20 min ago, down 10 min ago for 5 min, healthy again 5 min ago (records every 5 min at most).
    const plan: Array<[number, 'healthy' | 'unhealthy', number]> = [
      [20, 'healthy', 20],
      [15, 'healthy', 30],
      [10, 'unhealthy', 1000],
      [5, 'healthy', 40],
    ];
    for (const [ago, status, latency] of plan) {
      await health.recordResult(id, 'http', status, { ok: status === 'healthy', latency_ms: latency }, now - ago * MIN);
    }
    // A record of another service never counts.
    const other = await register('uptime-other');
    await health.recordResult(other, 'http', 'unhealthy', { ok: false, latency_ms: 1 }, now - 12 * MIN);

    const res = await call('GET', `/services/${id}/uptime`);
    expect(res.statusCode, res.body).toBe(200);
    const body = json(res);
    expect(body.max_gap_seconds).toBe(900);
    expect(body.windows.map((w: { window: string }) => w.window)).toEqual(['24h', '7d']);
    for (const w of body.windows) {
      // About 20 minutes observed (up to the moment the route ran), 5 of them down.
      expect(w.observed_seconds).toBeGreaterThanOrEqual(20 * 60);
      expect(w.observed_seconds).toBeLessThan(21 * 60);
      expect(w.observed_seconds - w.up_seconds).toBe(5 * 60);
      expect(w.uptime).toBeCloseTo(w.up_seconds / w.observed_seconds, 3);
      expect(w.results).toBe(4);
      expect(w.latency_ms).toEqual({ avg: 272.5, p95: 1000, max: 1000 });
    }
  });

  it('says null for a service with no recorded results, and 404 for an unknown one', async () => {
    const id = await register('uptime-new');
    const body = json(await call('GET', `/services/${id}/uptime`));
    expect(body.windows.map((w: { uptime: number | null }) => w.uptime)).toEqual([null, null]);
    expect((await call('GET', '/services/no-such-service/uptime')).statusCode).toBe(404);
  });
});

describe('GET /services/status: checks and the supervision tree', () => {
  it("lists every configured check with its latest result, the service's group and dependencies", async () => {
    const res = await call('POST', '/services', undefined, {
      name: 'status-checks',
      port: 8080,
      base_url: 'http://127.0.0.1:8080',
      depends_on: [],
      health_checks: [
        { name: 'http', type: 'http', path: '/health' },
        { name: 'port', type: 'tcp' },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = json(res).id as string;
    const at = Date.now() - 5_000;
    const saved = await health.saveCheck(
      {
        service_id: id,
        check: 'http',
        status: 'healthy',
        consecutive_failures: 0,
        consecutive_successes: 3,
        changed_at: at - 60_000,
        last_checked_at: new Date(at).toISOString(),
        last_result: { ok: true, latency_ms: 12.5, status_code: 200 },
        written_at: at,
        version: 1,
      },
      0,
    );
    expect(saved).toBe(true);

    const status = await call('GET', '/services/status');
    expect(status.statusCode, status.body).toBe(200);
    const entry = json(status).services.find((s: { id: string }) => s.id === id);
    expect(entry.group).toBe('root');
    expect(entry.checks).toEqual([
      {
        name: 'http',
        type: 'http',
        status: 'healthy',
        changed_at: new Date(at - 60_000).toISOString(),
        last_checked_at: new Date(at).toISOString(),
        ok: true,
        latency_ms: 12.5,
        status_code: 200,
        message: null,
      },
      {
        name: 'port',
        type: 'tcp',
        status: 'unknown',
        changed_at: null,
        last_checked_at: null,
        ok: null,
        latency_ms: null,
        status_code: null,
        message: null,
      },
    ]);
    expect(Array.isArray(json(status).groups)).toBe(true);
  });
});

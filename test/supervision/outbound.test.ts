import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetOutboundPolicy } from '../../lambdas/shared/outbound.ts';
import { runCheck } from '../../lambdas/shared/probes/index.ts';
import { ENV } from '../../lib/core/env.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';
import { startHttpService, startTcpServer, type TestHttpService } from './support/servers.ts';

/** Sets the outbound environment a deployment (or local mode) would set. */
function policyEnv(env: { allow?: string; own?: string; loopback?: boolean }): void {
  process.env[ENV.outboundAllow] = env.allow ?? '';
  process.env[ENV.outboundOwnEndpoints] = env.own ?? '';
  process.env[ENV.outboundLoopback] = env.loopback ? 'allow' : '';
  resetOutboundPolicy();
}

const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
const CHECK_FN = 'arn:aws:lambda:us-east-1:123456789012:function:deep-check';

describe('probes pass the outbound policy', () => {
  let svc: TestHttpService;
  let tcp: { port: number; close(): Promise<void> };
  let tcpConnections = 0;
  beforeAll(async () => {
    svc = await startHttpService();
    tcp = await startTcpServer(() => {
      tcpConnections++;
    });
  });
  afterEach(() => policyEnv({ loopback: true }));
  afterAll(async () => {
    await svc.close();
    await tcp.close();
  });

  it('a TCP check of a loopback port outside local mode is refused, never reported healthy', async () => {
    policyEnv({});

    const result = await runCheck(
      { name: 's', base_url: 'http://127.0.0.1', port: tcp.port },
      { name: 't', type: 'tcp' },
    );

    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('(loopback)') });
    expect(tcpConnections).toBe(0);
  });

  it('TCP and database checks of metadata or link-local addresses are refused whatever the policy', async () => {
    policyEnv({ loopback: true, allow: '0.0.0.0/0' });
    expect(await runCheck({ name: 's' }, { name: 't', type: 'tcp', host: '169.254.169.254', port: 80 })).toMatchObject({
      ok: false,
      message: expect.stringContaining('(instance-metadata)'),
    });
    expect(
      await runCheck({ name: 's' }, { name: 'd', type: 'database', engine: 'redis', host: '169.254.0.9' }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('(link-local)') });
  });

  it("an HTTP check of Steward's own endpoint is refused, by address after DNS too; other loopback ports pass", async () => {
    const port = new URL(svc.url).port;
    policyEnv({ loopback: true, own: svc.url });
    const hits = svc.hits;

    const direct = await runCheck({ name: 's', base_url: svc.url }, { name: 'h', type: 'http', path: '/health' });
    const byName = await runCheck({ name: 's' }, { name: 'h', type: 'http', url: `http://localhost:${port}/health` });

    expect(direct).toMatchObject({ ok: false, message: expect.stringContaining('(steward-endpoint)') });
    expect(byName).toMatchObject({ ok: false, message: expect.stringContaining('(steward-endpoint)') });
    expect(svc.hits).toBe(hits);
    policyEnv({ loopback: true, own: 'http://127.0.0.1:1' });
    expect((await runCheck({ name: 's', base_url: svc.url }, { name: 'h', type: 'http', path: '/health' })).ok).toBe(
      true,
    );
  });

  it('an HTTP check is refused by the allow-list after DNS resolution', async () => {
    policyEnv({ loopback: true, allow: '10.0.0.0/8' });
    const url = `${svc.url.replace('127.0.0.1', 'localhost')}/health`;

    const result = await runCheck({ name: 's' }, { name: 'h', type: 'http', url });

    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('(allow-list)') });
  });
});

describe('registration (POST/PUT /services) applies the outbound policy', () => {
  type Handler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
  let handler: Handler;
  beforeAll(async () => {
    process.env[ENV.eventBus] = 'steward-test-bus';
    process.env[ENV.customCheckFunctions] = CHECK_FN;
    const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
    await useFreshTables(dynamodb);
    handler = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as Handler;
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  });
  afterEach(() => policyEnv({ loopback: true }));
  afterAll(() => {
    delete process.env[ENV.customCheckFunctions];
  });
  const call = (method: string, path: string, body?: unknown) => handler(apiEvent(method, path, body), context);
  const problems = (res: APIGatewayProxyResult) =>
    json(res).error.problems as Array<{ field: string; message: string }>;

  it.each([
    [{ base_url: 'http://169.254.169.254' }, 'body.base_url', 'instance-metadata'],
    [{ base_url: 'http://127.0.0.1:9000' }, 'body.base_url', 'loopback'],
    [
      { health_checks: [{ name: 'h', type: 'http', url: 'http://[fd00:ec2::254]/' }] },
      'body.health_checks[0].url',
      'instance-metadata',
    ],
    [
      { health_checks: [{ name: 't', type: 'tcp', host: '169.254.1.1', port: 22 }] },
      'body.health_checks[0].host',
      'link-local',
    ],
    [
      { health_checks: [{ name: 'c', type: 'custom', function_arn: CHECK_FN.replace('deep-check', 'other') }] },
      'body.health_checks[0].function_arn',
      'custom-check functions',
    ],
  ])('POST %j → 400 naming %s and the rule', async (fields, field, rule) => {
    policyEnv({});

    const res = await call('POST', '/services', { name: 'guarded', port: 8080, ...fields });

    expect(res.statusCode).toBe(400);
    expect(problems(res)).toEqual([{ field, message: expect.stringContaining(rule) }]);
  });

  it("refuses a TCP check's host in any IPv4 form, and a host-less one aimed at Steward's own port", async () => {
    policyEnv({ loopback: true, own: 'http://127.0.0.1:4700' });
    const forms: Array<[string, string]> = [
      ['127.1', 'steward-endpoint'],
      ['0x7f.1', 'steward-endpoint'],
      ['2852039166', 'instance-metadata'],
      ['0251.0376.0251.0376', 'instance-metadata'],
      ['0', 'unspecified'],
    ];
    for (const [host, expected] of forms) {
      const res = await call('POST', '/services', {
        name: 'tcp-forms',
        port: 8080,
        health_checks: [{ name: 't', type: 'tcp', host, port: 4700 }],
      });
      expect(res.statusCode, host).toBe(400);
      expect(problems(res)).toEqual([
        { field: 'body.health_checks[0].host', message: expect.stringContaining(expected) },
      ]);
    }
    // No host: the check connects to base_url's host, here on Steward's own API port.
    const hostless = await call('POST', '/services', {
      name: 'tcp-hostless',
      base_url: 'http://127.0.0.1:4510',
      health_checks: [{ name: 't', type: 'tcp', port: 4700 }],
    });
    expect(hostless.statusCode).toBe(400);
    expect(problems(hostless)).toEqual([
      { field: 'body.health_checks[0].port', message: expect.stringContaining('(steward-endpoint)') },
    ]);
    const fine = await call('POST', '/services', {
      name: 'tcp-fine',
      base_url: 'http://127.0.0.1:4510',
      health_checks: [{ name: 't', type: 'tcp', port: 4511 }],
    });
    expect(fine.statusCode).toBe(201);
  });

  it('the allow-list applies at registration; listed destinations and listed custom checks register', async () => {
    policyEnv({ allow: '*.svc.internal, 10.0.0.0/8' });
    const refused = await call('POST', '/services', { name: 'outside', base_url: 'http://203.0.113.9:8080' });
    expect(problems(refused)).toEqual([{ field: 'body.base_url', message: expect.stringContaining('(allow-list)') }]);

    const ok = await call('POST', '/services', {
      name: 'inside',
      base_url: 'http://orders.svc.internal:8080',
      health_checks: [{ name: 'c', type: 'custom', function_arn: CHECK_FN }],
    });
    expect(ok.statusCode).toBe(201);

    const moved = await call('PUT', `/services/${json(ok).id}`, { base_url: 'http://169.254.169.254' });
    expect(moved.statusCode).toBe(400);
    expect(problems(moved)[0]).toMatchObject({ field: 'body.base_url' });
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_MIN_COMPRESSION_BYTES } from '../../../lib/core/api/compression.ts';
import { errorBody } from '../../../lib/core/api/schemas/responses/common.ts';
import {
  type HttpApi,
  type Invoke,
  LOCAL_CALLER_ARN,
  LocalHttpError,
  STARTING,
  startHttpApi,
} from '../../../lib/local/http-api.ts';

const JSON_BODY = { 'content-type': 'application/json' };
/** An answer past API Gateway's minimum compression size. */
const LARGE = Array.from({ length: 400 }, (_, i) => ({ id: `node-${i}`, kind: 'step', label: `step ${i}` }));

const routes = [
  { method: 'GET', path: '/services/status', operationId: 'listServiceStatus', functionName: 'svc' },
  { method: 'GET', path: '/services/{service_id}', operationId: 'getService', functionName: 'svc' },
  { method: 'POST', path: '/events', operationId: 'processEvent', functionName: 'events' },
];

describe('local HTTP API', () => {
  let api: HttpApi;
  const calls: Array<{ name: string; event: APIGatewayProxyEvent }> = [];
  const invoke: Invoke = async (name, payload) => {
    const event = payload as APIGatewayProxyEvent;
    calls.push({ name, event });
    if (event.path === '/services/boom') return { ok: false, errorType: 'Error', errorMessage: 'boom' };
    if (event.path === '/services/early') return { ok: false, errorType: STARTING, errorMessage: 'still starting' };
    if (event.path === '/services/large') {
      return { ok: true, payload: { statusCode: 200, headers: {}, body: JSON.stringify({ items: LARGE }) } };
    }
    return { ok: true, payload: { statusCode: 201, headers: { 'x-op': event.resource }, body: '{"ok":true}' } };
  };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'steward-static-'));
    await writeFile(join(dir, 'index.html'), '<h1>Steward</h1>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    api = await startHttpApi({
      port: 0,
      routes,
      invoke,
      openapi: () => ({ openapi: '3.0.3' }),
      consoleDir: dir,
      local: {
        echo: (query, body) => {
          if (query.get('fail')) throw new LocalHttpError(400, 'must not be set', 'fail');
          return { body };
        },
      },
    });
  });
  afterAll(() => api.close());

  it('sends the API Gateway REST proxy event of the matched route, literal segments first', async () => {
    const response = await fetch(`${api.url}/services/status?limit=5`, { headers: { 'x-test': '1' } });

    expect(response.status).toBe(201);
    expect(response.headers.get('x-op')).toBe('/services/status');
    const { name, event } = calls.at(-1)!;
    expect(name).toBe('svc');
    expect(event).toMatchObject({
      resource: '/services/status',
      path: '/services/status',
      httpMethod: 'GET',
      queryStringParameters: { limit: '5' },
      pathParameters: null,
      body: null,
      requestContext: { identity: { userArn: LOCAL_CALLER_ARN }, stage: 'local' },
    });
    expect(event.headers['x-test']).toBe('1');
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes path parameters URL-encoded and the body as text', async () => {
    await fetch(`${api.url}/services/a%20b`);
    expect(calls.at(-1)!.event.pathParameters).toEqual({ service_id: 'a%20b' });

    await fetch(`${api.url}/events`, { method: 'POST', headers: JSON_BODY, body: '{"type":"x"}' });
    expect(calls.at(-1)!.event.body).toBe('{"type":"x"}');
  });

  it('gzips a large answer for a caller that accepts gzip, as API Gateway does, and nothing else', async () => {
    const raw = (headers: Record<string, string>, path = '/services/large') =>
      new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        get(`${api.url}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on('error', reject);
      });
    const plainText = JSON.stringify({ items: LARGE });
    expect(Buffer.byteLength(plainText)).toBeGreaterThanOrEqual(API_MIN_COMPRESSION_BYTES);

    const zipped = await raw({ 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plainText.length / 4);
    expect(gunzipSync(zipped.body).toString()).toBe(plainText);

    const plain = await raw({});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(plainText);
    const refused = await raw({ 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    // Small answers stay as they are.
    const small = await raw({ 'accept-encoding': 'gzip' }, '/services/small');
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body.toString()).toBe('{"ok":true}');
  });

  it('answers 404 JSON for an unknown route and 502 when the function fails', async () => {
    const missing = await fetch(`${api.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'route_not_found' } });

    const failed = await fetch(`${api.url}/services/boom`);
    expect(failed.status).toBe(502);
    // In the error envelope, as the deployed API's DEFAULT_5XX gateway response answers; no detail of the failure.
    const body = await failed.json();
    expect(errorBody.safeParse(body).success).toBe(true);
    expect(JSON.stringify(body)).not.toContain('boom');
  });

  it('answers 503 with Retry-After, in the error envelope, while local mode is still starting', async () => {
    const early = await fetch(`${api.url}/services/early`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(await early.json()).toMatchObject({ error: { code: 'starting', message: 'still starting' } });
  });

  it('serves the console under /console/ (index.html for every page), redirects / there', async () => {
    const root = await fetch(`${api.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    expect((await fetch(`${api.url}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    for (const page of [
      '/console/',
      '/console/runs',
      '/console/services/abc?x=1',
      '/console/runs/a%20b',
      '/console/services/v1.2',
    ]) {
      const answer = await fetch(`${api.url}${page}`);
      expect(answer.status, page).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await answer.text()).toBe('<h1>Steward</h1>');
    }
    const js = await fetch(`${api.url}/console/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    // A missing file is a 404, not the page; nothing outside the build is reachable.
    expect((await fetch(`${api.url}/console/missing.js`)).status).toBe(404);
    expect((await fetch(`${api.url}/console/..%2f..%2fapp.js`)).status).toBe(404);
    expect(await (await fetch(`${api.url}/console/..%2f..%2fpackage.json`)).text()).toBe('<h1>Steward</h1>');
    expect((await fetch(`${api.url}/console/../../etc/passwd`)).status).not.toBe(200);
  });

  it('answers 503 naming the build command when the console is not built', async () => {
    const bare = await startHttpApi({
      port: 0,
      routes,
      invoke,
      openapi: () => ({}),
      consoleDir: '/nonexistent',
      local: {},
    });
    try {
      const answer = await fetch(`${bare.url}/console/runs`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ error: { code: 'console_not_built', message: /build:console/ } });
    } finally {
      await bare.close();
    }
  });

  it('serves /openapi.json and /local endpoints with 4xx naming the field', async () => {
    expect(await (await fetch(`${api.url}/openapi.json`)).json()).toEqual({ openapi: '3.0.3' });
    expect(
      await (await fetch(`${api.url}/local/echo`, { method: 'POST', headers: JSON_BODY, body: '{"a":1}' })).json(),
    ).toEqual({
      body: { a: 1 },
    });

    const bad = await fetch(`${api.url}/local/echo`, { method: 'POST', headers: JSON_BODY, body: '{' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'body' } });
    const refused = await fetch(`${api.url}/local/echo?fail=1`);
    expect(await refused.json()).toMatchObject({ error: { field: 'fail' } });
  });

  it('refuses to start on a port in use', async () => {
    const port = Number(new URL(api.url).port);
    await expect(
      startHttpApi({ port, routes, invoke, openapi: () => ({}), consoleDir: '/', local: {} }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

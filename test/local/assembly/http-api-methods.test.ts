import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpApi, type LocalHttpError, startHttpApi } from '../../../lib/local/http-api.ts';
import { type LocalEndpointsContext, localEndpoints } from '../../../lib/local/local-endpoints.ts';

const routes = [
  { method: 'GET', path: '/services/{service_id}', operationId: 'getService', functionName: 'svc' },
  { method: 'PUT', path: '/services/{service_id}', operationId: 'updateService', functionName: 'svc' },
  { method: 'DELETE', path: '/services/{service_id}', operationId: 'deregisterService', functionName: 'svc' },
  { method: 'GET', path: '/services/status', operationId: 'listServiceStatus', functionName: 'svc' },
];

describe('local HTTP API: methods', () => {
  let api: HttpApi;
  let invoked = 0;
  beforeAll(async () => {
    api = await startHttpApi({
      port: 0,
      routes,
      invoke: async () => {
        invoked++;
        return { ok: true, payload: { statusCode: 200, body: '{}' } };
      },
      openapi: () => ({}),
      staticDir: '/nonexistent',
      local: {},
    });
  });
  afterAll(() => api.close());

  it('answers an unsupported method on a known route with 405 and Allow, without invoking anything', async () => {
    const res = await fetch(`${api.url}/services/abc`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, PUT, DELETE');
    expect(await res.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    expect(invoked).toBe(0);
    expect((await fetch(`${api.url}/nothing`, { method: 'PATCH' })).status).toBe(404);
  });
});

describe('/local/graph', () => {
  let server: Server;
  let url = '';
  const seen: string[] = [];
  beforeAll(async () => {
    // Stands in for the REST API: records each path and refuses it as the API refuses an id that is no UUID.
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"validation_failed","message":"path.workflow_id: must be a UUID"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const graph = (id: string) =>
    Promise.resolve()
      .then(() =>
        localEndpoints({ apiUrl: () => url } as unknown as LocalEndpointsContext).graph!(
          new URLSearchParams({ workflow_id: id }),
          undefined,
        ),
      )
      .then(
        () => ({ status: 200, field: undefined }),
        (e: LocalHttpError) => ({ status: e.status, field: e.field }),
      );

  it.each(['../../x', '..', '%2e%2e', '../openapi.json'])(
    'refuses workflow_id=%s with a 400 before any request',
    async (id) => {
      expect(await graph(id)).toEqual({ status: 400, field: 'workflow_id' });
      expect(seen).toEqual([]);
    },
  );

  it('passes a 4xx of the API on as that 4xx, not a 502', async () => {
    expect(await graph('0b7c5a4e-4a57-4d39-9a36-8b3c2f1e0d11')).toEqual({ status: 400, field: 'workflow_id' });
    expect(seen).toEqual(['/workflows/0b7c5a4e-4a57-4d39-9a36-8b3c2f1e0d11']);
  });
});

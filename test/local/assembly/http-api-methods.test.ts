import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpApi, startHttpApi } from '../../../lib/local/http-api.ts';

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
      consoleDir: '/nonexistent',
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

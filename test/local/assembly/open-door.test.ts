/**
 * Local mode is not an open door: a web page open in the developer's browser must not be able to drive the local
 * REST API (DNS rebinding, cross-origin "simple" requests with text/plain bodies), and the local AWS endpoints
 * answer only signed requests.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpApi, type Invoke, startHttpApi } from '../../../lib/local/http-api.ts';

const routes = [{ method: 'POST', path: '/executions', operationId: 'startExecution', functionName: 'exec' }];

/** A raw request, so Host and Origin can be anything a browser (or a rebinding attacker) sends. */
function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: { error?: { code: string; message: string; field?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/executions',
        headers: options.headers,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('local REST API refuses what a foreign web page can send', () => {
  let api: HttpApi;
  let port: number;
  let invocations = 0;
  const invoke: Invoke = async () => {
    invocations++;
    return { ok: true, payload: { statusCode: 201, body: '{"execution_id":"e1"}' } };
  };
  const body = JSON.stringify({ workflow_name: 'Agent Task Execution' });

  beforeAll(async () => {
    api = await startHttpApi({ port: 0, routes, invoke, openapi: () => ({}), consoleDir: '/nonexistent', local: {} });
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => api.close());

  it('serves its own loopback names with JSON writes', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const before = invocations;
      const answer = await send(port, { headers: { host, 'content-type': 'application/json' }, body });
      expect(answer.status, host).toBe(201);
      expect(invocations).toBe(before + 1);
    }
    const sameOrigin = await send(port, {
      headers: {
        host: `127.0.0.1:${port}`,
        origin: `http://localhost:${port}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body,
    });
    expect(sameOrigin.status).toBe(201);
  });

  it('refuses a DNS-rebinding Host (a foreign name resolved to 127.0.0.1) and a wrong port', async () => {
    const before = invocations;
    for (const host of [
      `attacker.example:${port}`,
      'attacker.example',
      `127.0.0.1:${port + 1}`,
      `localhost.attacker.example:${port}`,
    ]) {
      const answer = await send(port, { headers: { host, 'content-type': 'application/json' }, body });
      expect(answer.status, host).toBe(403);
      expect(answer.body.error).toMatchObject({ code: 'forbidden_host', field: 'host' });
    }
    const page = await send(port, { method: 'GET', path: '/', headers: { host: `attacker.example:${port}` } });
    expect(page.status).toBe(403);
    expect(invocations).toBe(before);
  });

  it('refuses a text/plain cross-origin POST (no preflight needed) and any foreign Origin', async () => {
    const before = invocations;
    const plain = await send(port, {
      headers: { host: `127.0.0.1:${port}`, origin: 'https://attacker.example', 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(403);
    expect(plain.body.error).toMatchObject({ code: 'cross_origin', field: 'origin' });
    for (const origin of [
      'https://attacker.example',
      'null',
      `http://127.0.0.1:${port + 1}`,
      `https://localhost:${port}`,
    ]) {
      const json = await send(port, {
        headers: { host: `127.0.0.1:${port}`, origin, 'content-type': 'application/json' },
        body,
      });
      expect(json.status, origin).toBe(403);
    }
    const fetchMetadata = await send(port, {
      headers: { host: `127.0.0.1:${port}`, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
      body,
    });
    expect(fetchMetadata.status).toBe(403);
    expect(invocations).toBe(before);
  });

  it('answers 415 to a write whose body is not JSON, naming the header', async () => {
    const before = invocations;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send(port, { headers: { host: `127.0.0.1:${port}`, 'content-type': type }, body });
      expect(answer.status, type).toBe(415);
      expect(answer.body.error).toMatchObject({ code: 'unsupported_media_type', field: 'content-type' });
    }
    const untyped = await send(port, { headers: { host: `127.0.0.1:${port}` }, body });
    expect(untyped.status).toBe(415);
    expect(invocations).toBe(before);
  });
});

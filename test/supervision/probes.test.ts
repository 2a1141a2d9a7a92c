import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp, readJsonPath } from '../../lambdas/shared/probes/http.ts';
import { runBounded } from '../../lambdas/shared/probes/runner.ts';
import { probeTcp } from '../../lambdas/shared/probes/tcp.ts';
import { applyResult, initialCheckState } from '../../lib/core/supervision/health.ts';
import type { HttpCheckSpec } from '../../lib/core/supervision/manifest.ts';
import { closedPort, startHttpService, startTcpServer, type TestHttpService } from './support/servers.ts';

let svc: TestHttpService;
beforeAll(async () => {
  svc = await startHttpService();
});
afterAll(async () => {
  await svc.close();
});

const check = (over: Partial<HttpCheckSpec> = {}): HttpCheckSpec => ({
  name: 'h',
  type: 'http',
  path: '/health',
  ...over,
});

describe('HTTP probes against a real local server', () => {
  it.each([
    ['a 200', '/ok', check(), true, 'undefined'],
    ['a 500', '/fail', check(), false, 'status 500'],
    ['a status outside expect_status', '/ok', check({ expect_status: [204] }), false, 'status 200'],
    ['a body condition that holds', '/ok', check({ body: { json_path: '$.status', equals: 'ok' } }), true, 'undefined'],
    [
      'a body condition that fails',
      '/bad-body',
      check({ body: { json_path: '$.status', equals: 'ok' } }),
      false,
      '$.status is "down", expected "ok"',
    ],
    [
      'contains in an array element',
      '/ok',
      check({ body: { json_path: '$.checks[0].name', contains: 'primary' } }),
      true,
      'undefined',
    ],
    ['a latency bound exceeded', '/slow', check({ max_latency_ms: 50 }), false, 'slow'],
  ])('%s', async (_label, path, spec, ok, message) => {
    const result = await probeHttp(`${svc.url}${path}`, spec, 1_000);
    expect(result.ok).toBe(ok);
    expect(String(result.message)).toContain(message);
  });

  it('a hanging endpoint fails at the timeout, not later', async () => {
    const started = Date.now();
    const result = await probeHttp(`${svc.url}/hang`, check(), 200);
    expect(result.ok).toBe(false);
    expect(result.message).toBe('timeout after 200 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a refused connection fails with its error code', async () => {
    const result = await probeHttp(`http://127.0.0.1:${await closedPort()}/health`, check(), 500);
    expect(result).toMatchObject({ ok: false, message: 'ECONNREFUSED' });
  });

  it('a flapping endpoint never crosses a threshold of 2 failures', async () => {
    let state = initialCheckState(0);
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await probeHttp(`${svc.url}/flap`, check(), 500);
      state = applyResult(state, r.ok, { failure: 2, success: 2 }, i).state;
      statuses.push(state.status);
    }
    expect(statuses).not.toContain('unhealthy');
  });

  it('a service that starts failing is unhealthy after exactly 2 probes, healthy after 2 good ones', async () => {
    let state = initialCheckState(0);
    const run = async (): Promise<string> => {
      state = applyResult(
        state,
        (await probeHttp(`${svc.url}/health`, check(), 300)).ok,
        { failure: 2, success: 2 },
        0,
      ).state;
      return state.status;
    };
    svc.mode = 'ok';
    expect([await run(), await run()]).toEqual(['unknown', 'healthy']);
    svc.mode = 'hang';
    expect([await run(), await run()]).toEqual(['healthy', 'unhealthy']);
    svc.mode = 'ok';
    expect([await run(), await run()]).toEqual(['unhealthy', 'healthy']);
  });

  it('reads JSON paths', () => {
    expect(readJsonPath({ a: [{ b: 1 }] }, '$.a[0].b')).toBe(1);
    expect(readJsonPath({ a: 1 }, '$.a.b')).toBeUndefined();
  });
});

describe('TCP and database probes against real local servers', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });
  const start = async (fn: Parameters<typeof startTcpServer>[0]): Promise<number> => {
    const s = await startTcpServer(fn);
    servers.push(s);
    return s.port;
  };

  it('connects, and fails on a refused port', async () => {
    const port = await start(() => undefined);
    expect((await probeTcp('127.0.0.1', port, 500)).ok).toBe(true);
    expect(await probeTcp('127.0.0.1', await closedPort(), 500)).toMatchObject({ ok: false, message: 'ECONNREFUSED' });
  });

  it('PostgreSQL: SSLRequest answered with N passes; garbage fails', async () => {
    const good = await start((s) =>
      s.once('data', (d) => s.write(d.length === 8 && d.readUInt32BE(4) === 80877103 ? 'N' : 'X')),
    );
    const bad = await start((s) => s.once('data', () => s.write('X')));
    expect((await probeTcp('127.0.0.1', good, 500, 'postgres')).ok).toBe(true);
    expect((await probeTcp('127.0.0.1', bad, 500, 'postgres')).ok).toBe(false);
  });

  it('Redis: PING → +PONG passes, -NOAUTH still proves the server answers', async () => {
    const pong = await start((s) =>
      s.once('data', (d) => s.write(d.toString() === 'PING\r\n' ? '+PONG\r\n' : '-ERR\r\n')),
    );
    const auth = await start((s) => s.once('data', () => s.write('-NOAUTH Authentication required.\r\n')));
    expect((await probeTcp('127.0.0.1', pong, 500, 'redis')).ok).toBe(true);
    expect(await probeTcp('127.0.0.1', auth, 500, 'redis')).toMatchObject({
      ok: true,
      message: '-NOAUTH Authentication required.',
    });
  });

  it('MySQL: a protocol-10 greeting passes; a silent server times out', async () => {
    const greet = await start((s) => s.write(Buffer.from([0x20, 0, 0, 0, 0x0a, ...Buffer.from('8.0.36\0')])));
    const silent = await start(() => undefined);
    expect((await probeTcp('127.0.0.1', greet, 500, 'mysql')).ok).toBe(true);
    expect(await probeTcp('127.0.0.1', silent, 200, 'mysql')).toMatchObject({
      ok: false,
      message: 'timeout after 200 ms',
    });
  });
});

describe('bounded runner', () => {
  it('never runs more than the bound at once and keeps result order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await runBounded([...Array(50).keys()], 7, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return n * 2;
    });
    expect(peak).toBe(7);
    expect(out).toEqual([...Array(50).keys()].map((n) => n * 2));
  });
});

import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup, OutboundRefusedError, resetOutboundPolicy } from '../../lambdas/shared/outbound.ts';
import { callService, ServiceCallError } from '../../lambdas/shared/service-client.ts';
import { outboundPolicy } from '../../lib/core/outbound.ts';
import { startServer, type TestServer } from './support.ts';

/** Sets the outbound environment a deployment (or local mode) would set, for the next call. */
function policyEnv(env: { allow?: string; own?: string; loopback?: boolean }): void {
  process.env.STEWARD_OUTBOUND_ALLOW = env.allow ?? '';
  process.env.STEWARD_OWN_ENDPOINTS = env.own ?? '';
  process.env.STEWARD_OUTBOUND_LOOPBACK = env.loopback ? 'allow' : '';
  resetOutboundPolicy();
}

const refusal = async (url: string): Promise<{ name: string; message: string }> => {
  const error = await callService({ method: 'GET', url, timeoutMs: 2_000 }).then(
    () => undefined,
    (e: ServiceCallError) => e,
  );
  expect(error).toBeInstanceOf(ServiceCallError);
  return { name: error!.name, message: error!.message };
};

describe('service calls pass the outbound policy at call time', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(() => policyEnv({ loopback: true }));
  afterAll(() => server.close());

  it('refuses instance metadata and link-local addresses without connecting, as a non-retryable error', async () => {
    policyEnv({ loopback: true });
    expect(await refusal('http://169.254.169.254/latest/meta-data/iam/')).toEqual({
      name: 'Steward.InvalidRequest',
      message: expect.stringContaining('(instance-metadata)'),
    });
    expect((await refusal('http://[fe80::1]:8080/x')).message).toContain('(link-local)');
  });

  it('refuses loopback outside local mode; local mode may call loopback services but not its own endpoints', async () => {
    policyEnv({});
    expect((await refusal(`${server.url}/tasks`)).message).toContain('(loopback)');
    expect(server.received).toHaveLength(0);

    policyEnv({ loopback: true, own: server.url });
    expect((await refusal(`${server.url.replace('127.0.0.1', 'localhost')}/executions`)).message).toContain(
      '(steward-endpoint)',
    );
    expect(server.received).toHaveLength(0);

    policyEnv({ loopback: true, own: 'http://127.0.0.1:1' });
    expect((await callService({ method: 'GET', url: `${server.url}/ok`, timeoutMs: 2_000 })).status).toBe(200);
    expect(server.received).toHaveLength(1);
  });

  it('checks the addresses a name resolves to, not only the name: refused by the allow-list after DNS', async () => {
    // `localhost` passes the name check (the allow-list has only blocks, a name may resolve into one); its addresses
    // are then judged, and loopback is not in 10.0.0.0/8.
    const url = server.url.replace('127.0.0.1', 'localhost');
    policyEnv({ loopback: true, allow: '10.0.0.0/8' });
    expect((await refusal(url)).message).toMatch(/\(allow-list\): localhost \((127\.0\.0\.1|::1)\)/);

    policyEnv({ loopback: true, allow: '127.0.0.0/8, ::1/128' });
    expect((await callService({ method: 'GET', url, timeoutMs: 2_000 })).status).toBe(200);
  });
});

describe('guardedLookup', () => {
  const fakeDns =
    (addresses: string[]) =>
    (_host: string, _options: unknown, callback: (e: Error | null, a: LookupAddress[]) => void): void =>
      callback(
        null,
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
  const lookup = (addresses: string[], all: boolean) =>
    new Promise<unknown>((resolve, reject) => {
      const fn = guardedLookup(80, outboundPolicy({}), fakeDns(addresses) as never);
      (fn as unknown as (h: string, o: object, cb: (e: Error | null, a?: unknown, f?: number) => void) => void)(
        'rebind.example.com',
        { all },
        (e, a, f) => (e ? reject(e) : resolve(all ? a : { address: a, family: f })),
      );
    });

  it('refuses a name when ANY of its addresses is refused (DNS rebinding, mixed answers)', async () => {
    await expect(lookup(['93.184.216.34', '169.254.169.254'], true)).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(lookup(['fd00:ec2::254'], false)).rejects.toThrow(/instance-metadata/);
  });

  it('hands over only checked addresses, in the form asked for', async () => {
    expect(await lookup(['93.184.216.34', '2606:2800::1'], true)).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800::1', family: 6 },
    ]);
    expect(await lookup(['93.184.216.34'], false)).toEqual({ address: '93.184.216.34', family: 4 });
  });
});

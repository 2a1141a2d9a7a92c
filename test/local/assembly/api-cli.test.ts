import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { regionOf, run, signRequest } from '../../../lib/cli/api.ts';

describe('steward api', () => {
  const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: req.url !== '/missing' }));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the method, path and JSON body and exits 0 on 2xx, 1 otherwise', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const ok = await run(['POST', '/executions', '--data', '{"workflow_id":"w"}', '--url', url]);
    const missing = await run(['GET', '/missing', '--url', url]);

    out.mockRestore();
    err.mockRestore();
    expect(ok).toBe(0);
    expect(missing).toBe(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/executions', body: '{"workflow_id":"w"}' });
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses a bad method and invalid --data with exit code 2', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await run(['FETCH', '/x'])).toBe(2);
    expect(await run(['POST', '/x', '--data', '{oops'])).toBe(2);
    err.mockRestore();
  });

  it('computes SigV4 signatures equal to the AWS test suite (get-vanilla) with the SDK SHA-256', async () => {
    const signer = new SignatureV4({
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs for execute-api in the region of the API URL', async () => {
    const target = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/executions?limit=2');
    const headers = await signRequest(
      { method: 'GET', url: target, headers: {} },
      { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' },
      regionOf(target, undefined),
    );
    expect(headers.authorization).toMatch(/Credential=AKID\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
    expect(headers['x-amz-security-token']).toBe('tok');
    expect(() => regionOf(new URL('https://api.example.com'), undefined)).toThrow(/--region/);
  });
});

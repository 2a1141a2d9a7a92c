/**
 * Local mode's SigV4 verification against the SDK's own signer: every request the signer signs (any method, path,
 * query, header set and body, any region and service) is accepted as its caller, and any change to what was signed
 * (a path segment, a query value, a signed header, the body, the secret, the day) is refused as AWS refuses it.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalCredentials } from '../../../lib/local/iam/credentials.ts';
import { type SignedRequest, verifySignature } from '../../../lib/local/iam/sigv4.ts';

const credentials = new LocalCredentials('000000000000', Buffer.alloc(32, 7));
const ROLE = 'arn:aws:iam::000000000000:role/role-caller';
const keys = credentials.forRole(ROLE);
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

interface Draft {
  method: string;
  /** Path segments as the caller has them (decoded): the signer is handed them encoded once, as the SDK does. */
  segments: string[];
  trailingSlash: boolean;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const headerValue = fc.stringMatching(/^[ -~]{0,20}$/).map((v) => v.replace(/^ +| +$/g, '') || 'v');
const draft: fc.Arbitrary<Draft> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  segments: fc.array(fc.oneof(text, fc.constantFrom('.', '..', 'arn:aws:lambda:x', 'a b', '~!*()')), {
    maxLength: 4,
  }),
  trailingSlash: fc.boolean(),
  // Not '__proto__' (which fast-check's strings do generate): the SDK's signer cannot hold it as a query name.
  query: fc.array(
    fc.tuple(
      fc.oneof(text, fc.constantFrom('X-Amz-Foo', 'a', 'toString')).filter((name) => name !== '__proto__'),
      text,
    ),
    { maxLength: 4 },
  ),
  headers: fc.dictionary(fc.stringMatching(/^x-[a-z][a-z0-9-]{0,8}$/), headerValue, { maxKeys: 3 }),
  body: fc.string({ maxLength: 200 }),
  region: fc.constantFrom('us-east-1', 'eu-west-3'),
  service: fc.constantFrom('dynamodb', 'states', 'lambda', 'events', 'sns'),
});

/** A DynamoDB call as the SDK makes one: POST / with a JSON body. */
const PLAIN_POST: Draft = {
  method: 'POST',
  segments: [],
  trailingSlash: false,
  query: [],
  headers: {},
  body: '{}',
  region: 'us-east-1',
  service: 'dynamodb',
};

/** Signs a draft with the SDK's signer, then shapes the request as local mode's endpoints receive it. */
async function signed(
  d: Draft,
  secret = keys.secretAccessKey,
  unsignableHeaders?: Set<string>,
): Promise<SignedRequest> {
  const rawPath = `/${d.segments.map((s) => encodeURIComponent(s)).join('/')}${d.trailingSlash ? '/' : ''}`;
  // No prototype: a query name may be any text ('toString').
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of d.query) {
    const prior = query[k];
    query[k] = prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v];
  }
  const signer = new SignatureV4({
    service: d.service,
    region: d.region,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
  });
  const request = await signer.sign(
    {
      method: d.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4501,
      path: rawPath,
      query,
      headers: { host: '127.0.0.1:4501', 'content-type': 'application/x-amz-json-1.0', ...d.headers },
      body: d.body,
    },
    { signingDate: new Date(NOW - 60_000), ...(unsignableHeaders ? { unsignableHeaders } : {}) },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = String(v);
  const search = new URLSearchParams();
  for (const [k, v] of d.query) search.append(k, v);
  return { method: d.method, rawPath, query: search, headers, body: Buffer.from(d.body) };
}

const verify = (request: SignedRequest) => verifySignature(request, credentials, NOW);

describe('SigV4 verification', () => {
  it('accepts every request the SDK signer signs, as the key that signed it', async () => {
    await fc.assert(
      fc.asyncProperty(draft, async (d) => {
        const result = await verify(await signed(d));
        expect(result).toEqual({ ok: true, caller: expect.objectContaining({ kind: 'role', roleArn: ROLE }) });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a request changed after signing, or signed with another secret', async () => {
    const tamper: Array<[string, (r: SignedRequest) => SignedRequest]> = [
      ['path', (r) => ({ ...r, rawPath: `${r.rawPath}x` })],
      ['method', (r) => ({ ...r, method: r.method === 'POST' ? 'PUT' : 'POST' })],
      ['body', (r) => ({ ...r, body: Buffer.concat([r.body, Buffer.from(' ')]) })],
      [
        'query',
        (r) => {
          const q = new URLSearchParams(r.query);
          q.append('extra', '1');
          return { ...r, query: q };
        },
      ],
      [
        'query value',
        (r) => {
          // An existing parameter's value changed (or, on a request without one, a value given to a new one).
          const q = new URLSearchParams(r.query);
          const [first] = [...q.keys()];
          if (first === undefined) q.set('p', 'v');
          else q.set(first, `${q.get(first)}x`);
          return { ...r, query: q };
        },
      ],
      ['signed header', (r) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } })],
    ];
    await fc.assert(
      fc.asyncProperty(draft, fc.constantFrom(...tamper), async (d, [, change]) => {
        const result = await verify(change(await signed(d)));
        expect(result).toMatchObject({ ok: false, failure: 'bad-signature' });
      }),
      { numRuns: 150 },
    );
    const d = PLAIN_POST;
    expect(await verify(await signed(d, 'not-the-secret'))).toMatchObject({ ok: false, failure: 'bad-signature' });
    // An unsigned header may change (a proxy's), and header values compare trimmed, with spaces collapsed.
    const request = await signed({ ...d, headers: { 'x-custom': 'a  b' } });
    expect(await verify({ ...request, headers: { ...request.headers, 'user-agent': 'other' } })).toMatchObject({
      ok: true,
    });
    expect(await verify({ ...request, headers: { ...request.headers, 'x-custom': ' a b ' } })).toMatchObject({
      ok: true,
    });
  });

  it('accepts the AWS SigV4 test suite request (get-vanilla) and refuses it with a changed header', async () => {
    const exampleKeys = {
      lookup: (id: string) =>
        id === 'AKIDEXAMPLE'
          ? {
              caller: { kind: 'operator', accessKeyId: id },
              secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
            }
          : undefined,
    } as unknown as LocalCredentials;
    const request: SignedRequest = {
      method: 'GET',
      rawPath: '/',
      query: new URLSearchParams(),
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    };
    const at = Date.parse('2015-08-30T12:36:00Z');
    expect(await verifySignature(request, exampleKeys, at)).toMatchObject({ ok: true });
    const moved = { ...request, headers: { ...request.headers, host: 'example.amazonaws.com:443' } };
    expect(await verifySignature(moved, exampleKeys, at)).toMatchObject({ ok: false, failure: 'bad-signature' });
  });

  it('accepts a caller that signed a header the SDK never signs itself (User-Agent), as AWS does', async () => {
    const signer = new SignatureV4({
      service: 'dynamodb',
      region: 'us-east-1',
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
      sha256: Sha256,
    });
    const headers = { host: '127.0.0.1:4502', 'user-agent': 'another-sdk/1.0', 'x-amz-target': 'X.Y' };
    const request = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: '/', headers, body: '{}' },
      { signingDate: new Date(NOW), signableHeaders: new Set(['user-agent']) },
    );
    expect(String(request.headers.authorization)).toMatch(/SignedHeaders=[^,]*user-agent/);
    const received: SignedRequest = {
      method: 'POST',
      rawPath: '/',
      query: new URLSearchParams(),
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
      body: Buffer.from('{}'),
    };
    expect(await verify(received)).toMatchObject({ ok: true });
    const changed = { ...received, headers: { ...received.headers, 'user-agent': 'spoofed/2.0' } };
    expect(await verify(changed)).toMatchObject({ ok: false, failure: 'bad-signature' });
  });

  it('refuses a credential scoped to another day than the request date', async () => {
    const request = await signed(PLAIN_POST);
    const authorization = String(request.headers.authorization).replace(/\/(\d{8})\//, '/20200101/');
    expect(await verify({ ...request, headers: { ...request.headers, authorization } })).toMatchObject({
      ok: false,
      failure: 'bad-signature',
      message: expect.stringContaining('scoped to a valid date'),
    });
  });
  it('refuses a signature that leaves out Host or an x-amz-* header the request carries, as AWS does', async () => {
    const withTarget: Draft = { ...PLAIN_POST, headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' } };
    expect(await verify(await signed(withTarget))).toMatchObject({ ok: true });
    const noHost = await signed(withTarget, keys.secretAccessKey, new Set(['host']));
    expect(noHost.headers.authorization).not.toMatch(/SignedHeaders=[^,]*host/);
    expect(await verify(noHost)).toMatchObject({
      ok: false,
      failure: 'bad-signature',
      message: expect.stringMatching(/'Host' must be a 'SignedHeader'/),
    });
    const noTarget = await signed(withTarget, keys.secretAccessKey, new Set(['x-amz-target']));
    expect(await verify(noTarget)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/'x-amz-target' must be a 'SignedHeader'/),
    });
    // An x-amz-* header added after signing is refused the same way.
    const added = await signed(PLAIN_POST);
    expect(
      await verify({ ...added, headers: { ...added.headers, 'x-amz-target': 'DynamoDB_20120810.Scan' } }),
    ).toMatchObject({
      ok: false,
      failure: 'bad-signature',
    });
  });

  it('refuses an unsigned payload outside S3: the body would not be covered', async () => {
    const draftWith = (service: string): Draft => ({
      ...PLAIN_POST,
      service,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    for (const service of ['dynamodb', 'states', 'lambda', 'events', 'sns']) {
      const request = await signed(draftWith(service));
      expect(await verify(request)).toMatchObject({
        ok: false,
        failure: 'bad-signature',
        message: `UNSIGNED-PAYLOAD is not accepted by ${service}`,
      });
      // Signed with the body's hash instead, the same request is accepted.
      expect(await verify(await signed({ ...draftWith(service), headers: {} }))).toMatchObject({ ok: true });
    }
  });
});

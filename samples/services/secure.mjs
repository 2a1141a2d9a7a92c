// Routes of the commerce sample that demand authentication, for Steward's authenticated service calls:
// - /secure/bearer/…: `Authorization: Bearer <token>` where the token is the current value of the secret
//   STEWARD_SAMPLE_TOKEN_SECRET (default steward/samples/ledger-token), read from Secrets Manager (local mode serves it);
// - /secure/sigv4/…: a SigV4 signature (service execute-api) by the credentials in SIGV4_ACCESS_KEY_ID /
//   SIGV4_SECRET_ACCESS_KEY (local mode sets them to the step runner's role key, as API Gateway would check that
//   caller; default: this process's own AWS credentials),
//   verified with @smithy/signature-v4.
// Both also require Steward's standard headers (Idempotency-Key, X-Correlation-Id, W3C traceparent) and answer with
// what they saw of them (never the credentials), plus how often each idempotency key was seen.
import { createHash, createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SignatureV4 } from '@smithy/signature-v4';

const TOKEN_SECRET = process.env.STEWARD_SAMPLE_TOKEN_SECRET ?? 'steward/samples/ledger-token';
const secrets = new SecretsManagerClient({});
const seen = new Map();

class Sha256 {
  constructor(secret) {
    this.secret = secret;
    this.reset();
  }
  update(data) {
    this.hash.update(
      typeof data === 'string' ? data : Buffer.from(data.buffer ?? data, data.byteOffset, data.byteLength),
    );
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(this.secret));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

/** The standard headers, checked; undefined when one is missing or malformed. */
function standard(headers) {
  const key = headers['idempotency-key'];
  const correlation = headers['x-correlation-id'];
  const trace = TRACEPARENT.exec(headers.traceparent ?? '');
  if (!UUID.test(key ?? '') || !correlation || !trace) return undefined;
  const count = (seen.get(key) ?? 0) + 1;
  seen.set(key, count);
  return {
    idempotency_key: key,
    times_seen: count,
    correlation_id: correlation,
    trace_id: trace[1],
    span_id: trace[2],
    custom: Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-sample-'))),
  };
}

async function expectedToken() {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: TOKEN_SECRET }));
  return out.SecretString;
}

/** Verifies a SigV4 `Authorization` header by signing the same request again with the shared credentials. */
async function verifySigV4({ method, path, query, headers, rawBody }) {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      headers.authorization ?? '',
    );
  if (!auth) return 'no SigV4 Authorization header';
  const [, keyId, , region, service, signedHeaders, signature] = auth;
  const accessKeyId = process.env.SIGV4_ACCESS_KEY_ID ?? process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.SIGV4_SECRET_ACCESS_KEY ?? process.env.AWS_SECRET_ACCESS_KEY;
  if (keyId !== accessKeyId) return `unknown access key ${keyId}`;
  if (service !== 'execute-api') return `signed for ${service}, not execute-api`;
  const amzDate = headers['x-amz-date'];
  if (!/^\d{8}T\d{6}Z$/.test(amzDate ?? '')) return 'no x-amz-date';
  const when = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(Date.now() - when.getTime()) > 5 * 60_000) return 'signature expired';
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: headers['x-amz-security-token'] },
    sha256: Sha256,
    uriEscapePath: true,
  });
  const names = signedHeaders.split(';');
  const signed = await signer.sign(
    {
      method,
      protocol: 'http:',
      hostname: (headers.host ?? '').split(':')[0],
      path,
      query,
      headers: Object.fromEntries(names.map((n) => [n, headers[n] ?? ''])),
      body: rawBody === '' ? undefined : rawBody,
    },
    { signingDate: when },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? '')?.[1];
  return expected === signature ? undefined : 'signature does not match';
}

/** The secure routes, in the `serve()` route shape. */
export const secureRoutes = [
  [
    '*',
    '/secure/bearer/{what}',
    async ({ headers, body, params }) => {
      const token = await expectedToken().catch(() => undefined);
      if (!token || headers.authorization !== `Bearer ${token}`)
        return { status: 401, body: { error: 'bad or missing bearer token' } };
      const std = standard(headers);
      if (!std)
        return { status: 400, body: { error: 'Idempotency-Key, X-Correlation-Id and traceparent are required' } };
      return { status: 200, body: { ok: true, auth: 'bearer', what: params.what, received: body ?? null, ...std } };
    },
  ],
  [
    '*',
    '/secure/sigv4/{what}',
    async (request) => {
      const problem = await verifySigV4(request);
      if (problem) return { status: 403, body: { error: problem } };
      const std = standard(request.headers);
      if (!std)
        return { status: 400, body: { error: 'Idempotency-Key, X-Correlation-Id and traceparent are required' } };
      return {
        status: 200,
        body: { ok: true, auth: 'sigv4', what: request.params.what, received: request.body ?? null, ...std },
      };
    },
  ],
];

/**
 * Verifies AWS Signature Version 4 on requests to local mode's AWS endpoints: the signature is recomputed with the
 * same signer the SDK uses (@smithy/signature-v4) over the headers the caller says it signed, and compared. A
 * request AWS would refuse (no signature, a key it never issued, a wrong signature, a signature older than 15 minutes)
 * is refused with the reason.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Caller, LocalCredentials } from './credentials.ts';

/** Why a request was not authenticated. */
export type AuthFailure = 'missing' | 'unknown-key' | 'bad-signature' | 'expired';

/** The outcome of {@link verifySignature}. */
export type AuthResult = { ok: true; caller: Caller } | { ok: false; failure: AuthFailure; message: string };

/** The parts of an HTTP request a signature covers. */
export interface SignedRequest {
  method: string;
  /** Path as received, still URI-encoded (`/2015-03-31/functions/arn%3A…/invocations`). */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;
/** AWS refuses signatures more than 15 minutes from its clock. */
const MAX_SKEW_MS = 15 * 60_000;

const toBytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 / HMAC-SHA-256 on node:crypto in the shape SignatureV4 expects. */
class Sha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }
  private create(): ReturnType<typeof createHash> | ReturnType<typeof createHmac> {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBytes(data));
  }
  reset(): void {
    this.hash = this.create();
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** Parses `20250101T000000Z`. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** Verifies a request's SigV4 signature against the keys of this run. */
export async function verifySignature(
  request: SignedRequest,
  credentials: LocalCredentials,
  now = Date.now(),
): Promise<AuthResult> {
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined || authorization === '') {
    return { ok: false, failure: 'missing', message: 'Missing Authentication Token' };
  }
  const m = AUTH.exec(authorization);
  if (!m) {
    return {
      ok: false,
      failure: 'bad-signature',
      message: "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' (AWS4-HMAC-SHA256)",
    };
  }
  const [, accessKeyId = '', , region = '', service = '', signedHeaders = '', signature = ''] = m;
  const known = credentials.lookup(accessKeyId);
  if (!known) {
    return { ok: false, failure: 'unknown-key', message: 'The security token included in the request is invalid.' };
  }
  const amzDate = header(request.headers, 'x-amz-date') ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) {
    return {
      ok: false,
      failure: 'bad-signature',
      message: 'X-Amz-Date is missing or not in the form YYYYMMDDTHHMMSSZ',
    };
  }
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) {
    return {
      ok: false,
      failure: 'expired',
      message: `Signature expired: ${amzDate} is now earlier than ${new Date(now - MAX_SKEW_MS).toISOString()}`,
    };
  }
  const declared = header(request.headers, 'x-amz-content-sha256');
  // Hashed here only when declared: otherwise the signer below hashes the body itself.
  if (
    declared !== undefined &&
    declared !== 'UNSIGNED-PAYLOAD' &&
    declared !== createHash('sha256').update(request.body).digest('hex')
  ) {
    return { ok: false, failure: 'bad-signature', message: 'The provided x-amz-content-sha256 header does not match' };
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const value = header(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const host = headers.host ?? '';
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey: known.secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: service !== 's3',
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path: request.rawPath,
      query,
      headers,
      body: request.body,
    },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const match = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  if (!match) {
    return {
      ok: false,
      failure: 'bad-signature',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { ok: true, caller: known.caller };
}

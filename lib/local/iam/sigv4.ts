/**
 * Verifies AWS Signature Version 4 on requests to local mode's AWS endpoints, as AWS does: the canonical request is
 * rebuilt from the request as received and the headers the caller says it signed, and its signature, made with the
 * caller's secret, is compared. A request AWS would refuse (no signature, a key it never issued, a wrong signature, a
 * signature older than 15 minutes) is refused with the reason.
 *
 * Every request to local mode's AWS endpoints passes here (DynamoDB's alone take 25 a workflow run), so it is built
 * on node:crypto directly: two hashes and one HMAC a request, the signing key derived once a day per caller and
 * service. The SDK's own signer, used here before, also hashed the key to look its cache up and awaited each digest.
 * test/local/iam/sigv4.test.ts checks it against that signer.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
// RFC 3986 encoding as SigV4 wants it, the SDK's own (the one its signer encodes with).
import { escapeUri } from '@smithy/core/protocols';
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

/**
 * The canonical URI: the path as received (encoded once by the caller) with `.`/`..`/empty segments resolved and
 * encoded again, except for S3, which signs the path as it is.
 */
function canonicalPath(rawPath: string, service: string): string {
  if (service === 's3') return rawPath;
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${trailing}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** The canonical query string: names and values encoded, sorted by name, then by value; the signature left out. */
function canonicalQuery(query: URLSearchParams): string {
  const byName = new Map<string, string[]>();
  for (const [name, value] of query) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    const encoded = escapeUri(name);
    const pairs = byName.get(encoded) ?? [];
    pairs.push(`${encoded}=${escapeUri(value)}`);
    byName.set(encoded, pairs);
  }
  return [...byName.keys()]
    .sort()
    .map((name) => (byName.get(name) ?? []).sort().join('&'))
    .join('&');
}

/** The canonical headers: each header the caller signed, in its order, its value trimmed and its spaces collapsed. */
function canonicalHeaders(headers: IncomingHttpHeaders, signedHeaders: string): string {
  let out = '';
  for (const name of signedHeaders.split(';')) {
    const value = (header(headers, name) ?? '')
      .replace(/[\r\n]/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .replace(/^ | $/g, '');
    out += `${name}:${value}\n`;
  }
  return out;
}

/** Signing keys by key, day, region and service: four HMACs each, derived once a day per caller and service. */
const signingKeys = new Map<string, Buffer>();
const SIGNING_KEYS_KEPT = 4_096;

function signingKey(secret: string, accessKeyId: string, day: string, region: string, service: string): Buffer {
  const id = `${accessKeyId}\n${secret}\n${day}\n${region}\n${service}`;
  let key = signingKeys.get(id);
  if (key) return key;
  key = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  if (signingKeys.size >= SIGNING_KEYS_KEPT) signingKeys.clear();
  signingKeys.set(id, key);
  return key;
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
  // As AWS: the Host header is always signed, and so is every x-amz-* header the request carries (x-amz-target names
  // the operation, x-amz-security-token the session); a request that leaves one out could be replayed with it changed.
  const signed = new Set(signedHeaders.split(';'));
  const unsigned = ['host', ...Object.keys(request.headers).filter((h) => h.startsWith('x-amz-'))].find(
    (h) => !signed.has(h),
  );
  if (unsigned !== undefined) {
    return {
      ok: false,
      failure: 'bad-signature',
      message: `'${unsigned === 'host' ? 'Host' : unsigned}' must be a 'SignedHeader' in the AWS Authorization.`,
    };
  }
  const declared = header(request.headers, 'x-amz-content-sha256');
  // An unsigned body is S3's alone (large uploads); every service local mode serves signs its body.
  if (declared === 'UNSIGNED-PAYLOAD' && service !== 's3') {
    return { ok: false, failure: 'bad-signature', message: `UNSIGNED-PAYLOAD is not accepted by ${service}` };
  }
  // Hashed here only when declared: otherwise the signer below hashes the body itself.
  if (
    declared !== undefined &&
    declared !== 'UNSIGNED-PAYLOAD' &&
    declared !== createHash('sha256').update(request.body).digest('hex')
  ) {
    return { ok: false, failure: 'bad-signature', message: 'The provided x-amz-content-sha256 header does not match' };
  }
  const shortDate = amzDate.slice(0, 8);
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  if (m[2] !== shortDate) {
    return { ok: false, failure: 'bad-signature', message: `Credential should be scoped to a valid date: ${amzDate}` };
  }
  const payloadHash = declared !== undefined ? declared : createHash('sha256').update(request.body).digest('hex');
  const canonicalRequest = [
    request.method,
    canonicalPath(request.rawPath, service),
    canonicalQuery(request.query),
    canonicalHeaders(request.headers, signedHeaders),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const key = signingKey(known.secretAccessKey, accessKeyId, shortDate, region, service);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
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

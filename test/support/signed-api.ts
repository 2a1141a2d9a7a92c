/**
 * A stand-in for a deployed Steward API behind API Gateway with IAM authorization: it serves a stage path, verifies
 * every request's SigV4 signature with local mode's verifier (service `execute-api`, the expected region, a key it
 * issued), answers failures as the deployed API's gateway responses do (403 in the error envelope), and hands the
 * verified request, without its stage, to `answer` — by default forwarded to a real Steward REST API (local mode).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KeyPair, LocalCredentials } from '../../lib/local/iam/credentials.ts';
import { verifySignature } from '../../lib/local/iam/sigv4.ts';

/** A request the stand-in accepted, as the API would see it (stage removed). */
export interface VerifiedRequest {
  method: string;
  /** Path without the stage, still URI-encoded. */
  path: string;
  /** Raw query string as received (without `?`). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  accessKeyId: string;
}

/** What the stand-in answers for a verified request. */
export interface StandInAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Body chunks, written one after the other as they come (to prove the proxy streams). */
  chunks?: Iterable<string> | AsyncIterable<string>;
}

export interface SignedApi {
  /** Base URL with the stage: `http://127.0.0.1:<port>/v1`. */
  url: string;
  region: string;
  /** A key pair the stand-in accepts (the local operator key of its own credentials). */
  keys: KeyPair;
  /** Issues another accepted key pair (a role's), e.g. for a refreshed credential. */
  issue(roleName: string): KeyPair;
  /** Every request received, accepted or not, with the verdict. */
  received: Array<{ method: string; url: string; headers: IncomingHttpHeaders; verdict: string }>;
  close(): Promise<void>;
}

export interface SignedApiOptions {
  region?: string;
  stage?: string;
  /** Answers verified requests; default: forward to `forwardTo`. */
  answer?: (request: VerifiedRequest) => Promise<StandInAnswer> | StandInAnswer;
  /** A Steward REST API (local mode's URL) to forward verified requests to. */
  forwardTo?: string;
}

const SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forward(base: string, request: VerifiedRequest): Promise<StandInAnswer> {
  const headers: Record<string, string> = {};
  for (const name of ['accept', 'content-type', 'idempotency-key', 'if-match']) {
    const v = request.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  const response = await fetch(`${base}${request.path}${request.rawQuery ? `?${request.rawQuery}` : ''}`, {
    method: request.method,
    headers,
    body: request.body.length > 0 ? request.body : undefined,
  });
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'retry-after', 'allow', 'etag']) {
    const v = response.headers.get(name);
    if (v !== null) out[name] = v;
  }
  return { status: response.status, headers: out, chunks: [await response.text()] };
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startSignedApi(options: SignedApiOptions = {}): Promise<SignedApi> {
  const region = options.region ?? 'eu-west-3';
  const stage = options.stage ?? '/v1';
  const credentials = new LocalCredentials('123456789012');
  const received: SignedApi['received'] = [];
  const answer =
    options.answer ??
    ((request: VerifiedRequest) => {
      if (!options.forwardTo) throw new Error('startSignedApi: pass answer or forwardTo');
      return forward(options.forwardTo, request);
    });
  const server: Server = createServer((req, res) => {
    const deny = (code: string, message: string): void => {
      // As the deployed API's DEFAULT_4XX gateway response renders it.
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': code });
      res.end(JSON.stringify({ error: { code, message, request_id: 'stand-in' } }));
    };
    (async () => {
      const body = await readAll(req);
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const rawPath = q === -1 ? raw : raw.slice(0, q);
      const rawQuery = q === -1 ? '' : raw.slice(q + 1);
      const entry = { method: req.method ?? 'GET', url: raw, headers: req.headers, verdict: 'ok' };
      received.push(entry);
      const auth = await verifySignature(
        { method: entry.method, rawPath, query: new URLSearchParams(rawQuery), headers: req.headers, body },
        credentials,
      );
      if (!auth.ok) {
        entry.verdict = auth.failure;
        return deny(auth.failure === 'missing' ? 'MISSING_AUTHENTICATION_TOKEN' : 'INVALID_SIGNATURE', auth.message);
      }
      const scope = SCOPE.exec(String(req.headers.authorization));
      if (scope?.[1] !== region || scope[2] !== 'execute-api') {
        entry.verdict = 'wrong-scope';
        return deny(
          'INVALID_SIGNATURE',
          `Credential should be scoped to a valid region and service execute-api: ${scope?.[1]}/${scope?.[2]}`,
        );
      }
      if (!rawPath.startsWith(`${stage}/`)) {
        entry.verdict = 'no-stage';
        return deny('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
      }
      const result = await answer({
        method: entry.method,
        path: rawPath.slice(stage.length),
        rawQuery,
        headers: req.headers,
        body,
        accessKeyId: auth.caller.accessKeyId,
      });
      res.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
      for await (const chunk of result.chunks ?? []) {
        // Each chunk leaves as it is written; the proxy must pass them on as they come.
        await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      }
      res.end();
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'stand_in_failed', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${stage}`,
    region,
    keys: credentials.operator(),
    issue: (roleName) => credentials.forRole(`arn:aws:iam::123456789012:role/${roleName}`),
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Steward's local HTTP server: the REST API (each request becomes the API Gateway REST proxy event the deployed
 * API would send, handed to the same Lambda handler through local Lambda), `/openapi.json`, the console under
 * `/console/` (`/` redirects there) and the local-only `/local/*` JSON endpoints of local mode's own tools.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { gzipApplies } from '../core/api/compression.ts';
import { allowedMethods, matchPath } from '../core/api/routes/index.ts';
import type { LocalApiRoute } from './wiring.ts';

/** The IAM principal every local request is signed as (what `requestContext.identity.userArn` carries). */
export const LOCAL_CALLER_ARN = 'arn:aws:iam::000000000000:user/local';

/** The `errorType` of an invocation made before local mode's functions are up: answered 503 with Retry-After. */
export const STARTING = 'Steward.Starting';

/** The outcome of a synchronous Lambda invocation, as the local Lambda service reports it. */
export type InvokeOutcome =
  | { ok: true; payload: unknown }
  | { ok: false; errorType: string; errorMessage: string; trace?: string[] };

/** Synchronous invocation of a local function by name. */
export type Invoke = (functionName: string, payload: unknown) => Promise<InvokeOutcome>;

/** A local-only JSON endpoint: gets the query string, returns the body (or throws a {@link LocalHttpError}). */
export type LocalEndpoint = (query: URLSearchParams, body: unknown) => Promise<unknown> | unknown;

/** A 4xx from a `/local/*` endpoint. */
export class LocalHttpError extends Error {
  override readonly name = 'LocalHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface HttpApiOptions {
  port: number;
  host?: string;
  routes: readonly LocalApiRoute[];
  invoke: Invoke;
  /** The OpenAPI document served at `/openapi.json`. */
  openapi: () => unknown;
  /** `/local/<name>` endpoints. */
  local: Record<string, LocalEndpoint>;
  /** Directory of the built console (console/dist): served under `/console/`. */
  consoleDir: string;
}

export interface HttpApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;
const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new LocalHttpError(413, 'request body is larger than 10 MB', 'body');
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** Builds the API Gateway REST proxy event for a request that matched `route`. */
export function proxyEvent(
  route: LocalApiRoute,
  params: Record<string, string>,
  req: { method: string; url: URL; headers: IncomingMessage['headers']; body: string | undefined; sourceIp: string },
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [v];
    headers[k] = values.join(',');
    multiValueHeaders[k] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of req.url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const requestId = randomUUID();
  const hasQuery = Object.keys(query).length > 0;
  const hasParams = Object.keys(params).length > 0;
  return {
    resource: route.path,
    path: req.url.pathname,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    // API Gateway passes path parameters still URL-encoded; the handler base decodes them.
    pathParameters: hasParams
      ? Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(v)]))
      : null,
    stageVariables: null,
    body: req.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: req.method,
      path: `/local${req.url.pathname}`,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.operationId,
      resourcePath: route.path,
      identity: {
        accessKey: null,
        accountId: '000000000000',
        apiKey: null,
        apiKeyId: null,
        caller: 'local',
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: 'local',
        userAgent: String(req.headers['user-agent'] ?? ''),
        userArn: LOCAL_CALLER_ARN,
      },
    },
  };
}

/** Finds the route of a request; literal segments win over parameters, as in the shared route table. */
function findLocalRoute(routes: readonly LocalApiRoute[], method: string, path: string) {
  let best: { route: LocalApiRoute; params: Record<string, string>; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, path);
    if (!params) continue;
    const literals = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
    if (!best || literals > best.literals) best = { route, params, literals };
  }
  return best;
}

/** Where the console lives; its client-side routes are every other path below it. */
export const CONSOLE_PATH = '/console/';

/**
 * Serves the console: a file of the build when the path names one, else index.html (history routing: every
 * `/console/...` page is the same document). A missing build answers 503 saying how to build it.
 */
export async function serveConsole(res: ServerResponse, dir: string, pathname: string): Promise<void> {
  const rest = pathname.slice(CONSOLE_PATH.length);
  // Only the build's own kinds of file are files; anything else (an id with a dot, say) is a page.
  const wantsFile = extname(rest) in STATIC_TYPES;
  const resolved = normalize(join(dir, wantsFile ? rest : 'index.html'));
  if (!resolved.startsWith(normalize(dir) + sep)) {
    return send(res, 404, { error: { code: 'not_found', message: `no console file ${pathname}` } });
  }
  let content: Buffer;
  try {
    content = await readFile(resolved);
  } catch {
    if (wantsFile) return send(res, 404, { error: { code: 'not_found', message: `no console file ${pathname}` } });
    return send(res, 503, {
      error: { code: 'console_not_built', message: 'The console is not built: run `npm run build:console`' },
    });
  }
  // index.html is revalidated so a rebuilt console is picked up; the bundle names are fixed, so they too.
  res.writeHead(200, { 'content-type': STATIC_TYPES[extname(resolved)]!, 'cache-control': 'no-cache' });
  res.end(content);
}

/** The names local mode answers to: loopback only, so a foreign name resolved to 127.0.0.1 is refused. */
export const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `host[:port]` → its name and port, or undefined when it is not one. */
function splitHost(value: string): { name: string; port?: string } | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+)(?::(\d+))?$/.exec(value);
  return m ? { name: m[1]!.toLowerCase(), port: m[2] } : undefined;
}

/** Who a server guarded by {@link refuseForeign} answers to. */
export interface ServerIdentity {
  /** Host names it answers to (lower case, IPv6 in brackets). @default 127.0.0.1, localhost and [::1] */
  readonly names?: ReadonlySet<string>;
  /** The server as the refusals name it. @default 'local mode' */
  readonly label?: string;
}

/**
 * Refuses what a web page could make a browser send to a local server (local mode, `steward console`): a foreign
 * `Host` (DNS rebinding), a request from another origin, a write whose body is not JSON (a cross-origin "simple"
 * request needs no preflight). Answers the refusal and returns true, or returns false for a request to serve.
 */
export function refuseForeign(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  identity: ServerIdentity = {},
): boolean {
  const names = identity.names ?? LOOPBACK_NAMES;
  const label = identity.label ?? 'local mode';
  const refuse = (status: number, code: string, message: string, field?: string): true => {
    send(res, status, { error: { code, message, ...(field ? { field } : {}) } });
    return true;
  };
  const host = splitHost(String(req.headers.host ?? ''));
  if (!host || !names.has(host.name) || (host.port !== undefined && Number(host.port) !== port)) {
    return refuse(
      403,
      'forbidden_host',
      `Host '${String(req.headers.host ?? '')}' is not this server: ${label} answers only ${[...names].join(', ')} on port ${port}`,
      'host',
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let own = false;
    try {
      const o = new URL(origin);
      own = o.protocol === 'http:' && names.has(o.hostname.toLowerCase()) && Number(o.port || 80) === port;
    } catch {
      own = false;
    }
    if (!own) {
      return refuse(
        403,
        'cross_origin',
        `requests from origin '${origin}' are refused: only ${label}'s own pages may call it`,
        'origin',
      );
    }
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return refuse(403, 'cross_origin', `cross-site requests are refused: only ${label}'s own pages may call it`);
  }
  const method = req.method ?? 'GET';
  const type = String(req.headers['content-type'] ?? '');
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const json = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(type);
  if (WRITES.has(method) && (hasBody || type !== '') && !json) {
    return refuse(
      415,
      'unsupported_media_type',
      `Content-Type '${type || '(none)'}' is not accepted: send the body as application/json`,
      'content-type',
    );
  }
  return false;
}

async function handle(options: HttpApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (refuseForeign(req, res, req.socket.localPort ?? options.port)) {
    req.resume();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://local');
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  if (method === 'GET' && url.pathname === '/openapi.json') return send(res, 200, options.openapi());
  if (url.pathname.startsWith('/local/')) {
    const endpoint = options.local[url.pathname.slice('/local/'.length)];
    if (!endpoint)
      return send(res, 404, { error: { code: 'not_found', message: `no local endpoint ${url.pathname}` } });
    let parsed: unknown;
    try {
      parsed = body === undefined ? undefined : JSON.parse(body);
    } catch {
      throw new LocalHttpError(400, 'is not valid JSON', 'body');
    }
    return send(res, 200, await endpoint(url.searchParams, parsed));
  }
  if (method === 'GET' || method === 'HEAD') {
    if (url.pathname === '/' || url.pathname === '/console') {
      res.writeHead(302, { location: CONSOLE_PATH });
      return void res.end();
    }
    if (url.pathname.startsWith(CONSOLE_PATH)) return serveConsole(res, options.consoleDir, url.pathname);
  }
  const match = findLocalRoute(options.routes, method, url.pathname);
  if (!match) {
    // A known path under another method is a 405 listing the methods it has, as the deployed API answers.
    const allow = allowedMethods(options.routes, url.pathname);
    if (allow.length > 0) {
      const message = `${method} is not allowed on ${url.pathname}; allowed: ${allow.join(', ')}`;
      return send(res, 405, { error: { code: 'method_not_allowed', message, allow } }, { allow: allow.join(', ') });
    }
    return send(res, 404, { error: { code: 'route_not_found', message: `No route for ${method} ${url.pathname}` } });
  }
  const event = proxyEvent(match.route, match.params, {
    method,
    url,
    headers: req.headers,
    body,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
  });
  const outcome = await options.invoke(match.route.functionName, event);
  const requestId = event.requestContext.requestId;
  if (!outcome.ok) {
    if (outcome.errorType === STARTING) {
      // Local mode only: the API listens before its functions are up, so a page opened early says so and retries.
      return send(
        res,
        503,
        { error: { code: 'starting', message: outcome.errorMessage, request_id: requestId } },
        { 'retry-after': '1' },
      );
    }
    // What API Gateway answers when the integration fails: a 502 with no detail for the caller, in the error
    // envelope its DEFAULT_5XX gateway response gives (lib/constructs/steward-api.ts).
    console.error(`steward local: ${match.route.operationId} failed: ${outcome.errorType}: ${outcome.errorMessage}`);
    return send(res, 502, {
      error: { code: 'integration_failure', message: 'Internal server error', request_id: requestId },
    });
  }
  const result = outcome.payload as { statusCode?: number; headers?: Record<string, string>; body?: string };
  if (typeof result?.statusCode !== 'number') {
    return send(res, 502, {
      error: { code: 'integration_failure', message: 'Malformed Lambda proxy response', request_id: requestId },
    });
  }
  const text = result.body ?? '';
  // As API Gateway does with the stage's minimum compression size (lib/core/api/compression.ts).
  const acceptEncoding = req.headers['accept-encoding'];
  if (!result.headers?.['content-encoding'] && gzipApplies(acceptEncoding, Buffer.byteLength(text))) {
    res.writeHead(result.statusCode, {
      'content-type': 'application/json',
      ...result.headers,
      'content-encoding': 'gzip',
      vary: 'accept-encoding',
    });
    return void res.end(gzipSync(text));
  }
  res.writeHead(result.statusCode, { 'content-type': 'application/json', ...result.headers });
  res.end(text);
}

/** Starts the HTTP server on 127.0.0.1; rejects (nothing left listening) when the port is taken. */
/** Listens on `host` (loopback unless given) and `port` (0: any free one); rejects if the port cannot be had. */
export async function listenOn(server: Server, port: number, host = '127.0.0.1'): Promise<AddressInfo> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      if (error instanceof LocalHttpError) {
        return send(res, error.status, { error: { code: 'bad_request', message: error.message, field: error.field } });
      }
      console.error('steward local: request failed', error);
      if (!res.headersSent) send(res, 500, { error: { code: 'internal_error', message: 'Internal error' } });
      else res.end();
    });
  });
  const { address, port } = await listenOn(server, options.port, options.host);
  return {
    url: `http://${address}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

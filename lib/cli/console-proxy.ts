/**
 * The server behind `steward console --url`: serves the built console under `/console/` and forwards every other
 * request to a deployed Steward API, signed with SigV4 from the user's own AWS credentials, as `kubectl proxy` does
 * for a cluster. Nothing new is deployed and IAM stays the only gate: the proxy can do exactly what the user's
 * credentials may do. Because a browser page on any site can send requests to 127.0.0.1, the proxy applies local
 * mode's rules ({@link refuseForeign}: own Host only, no foreign Origin, JSON writes only) before anything is signed,
 * and it forwards only the headers the API reads — never cookies, Origin, Referer or browser fetch metadata.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { CONSOLE_PATH, listenOn, refuseForeign, serveConsole } from '../local/http-api.ts';
import { signRequest } from './client.ts';

/** Request headers forwarded to the API: the ones its handlers read. Everything else a browser sends stays here. */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  'accept',
  // The API compresses large answers (a 200-step graph) for callers that accept it; the answer is passed on as is.
  'accept-encoding',
  'content-type',
  'idempotency-key',
  'if-match',
  'if-none-match',
];

/** Response headers handed back to the browser. `set-cookie` and the like never reach the console's origin. */
export const RETURNED_RESPONSE_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'content-encoding',
  'vary',
  'retry-after',
  'allow',
  'etag',
  'location',
  'x-amzn-requestid',
  'x-amzn-errortype',
];

/** API Gateway refuses larger payloads; the proxy says so before signing anything. */
const MAX_BODY = 10 * 1024 * 1024;
/** API Gateway's own integration limit is 29 s; a little more lets its 504 arrive. */
const DEFAULT_TIMEOUT_MS = 35_000;

/** Credentials as the SDK's providers resolve them. */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Where credentials come from: a provider of the SDK's credential chain (it caches and refreshes them). */
export type CredentialSource = () => Promise<AwsCredentialIdentity>;

/** Options of {@link startConsoleProxy}. */
export interface ConsoleProxyOptions {
  /** The deployed API's base URL, with its stage path (`https://<id>.execute-api.<region>.amazonaws.com/v1`). */
  readonly target: URL;
  /** Region the signature is scoped to. */
  readonly region: string;
  /** Credentials to sign with; called for every request, so expiring credentials are refreshed by the provider. */
  readonly credentials: CredentialSource;
  /** Directory of the built console (`index.html`, `app.js`, `app.css`). */
  readonly consoleDir: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** Host names requests may carry (DNS-rebinding guard). @default 127.0.0.1, localhost, [::1] */
  readonly names?: ReadonlySet<string>;
  /** Give up on the API after this long (504). @default 35 s */
  readonly timeoutMs?: number;
  /** Receives one line per request the API could not answer (unreachable, timed out, no credentials). */
  readonly log?: (line: string) => void;
}

/** A running proxy. */
export interface ConsoleProxy {
  /** `http://<address>:<port>` as bound. */
  readonly url: string;
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

/** A failure of the proxy itself, answered in the API's error envelope so the console shows it like any other. */
class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** RFC 3986 encoding, the one SigV4 canonicalizes with: what is sent is byte for byte what was signed. */
const strictEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The URL a request goes to: the target's stage path joined with the request's path, and the query rebuilt from its
 * parsed values (a browser's `+` for a space becomes `%20`), so the API reads the values the console meant.
 */
export function upstreamUrl(target: URL, pathname: string, query: URLSearchParams): URL {
  const url = new URL(target.href);
  url.pathname = `${target.pathname.replace(/\/+$/, '')}${pathname}`;
  url.search = [...query].map(([k, v]) => `${strictEncode(k)}=${strictEncode(v)}`).join('&');
  return url;
}

/** The request headers to sign and forward: {@link FORWARDED_REQUEST_HEADERS} only. */
export function forwardedHeaders(incoming: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  headers.accept ??= 'application/json';
  return headers;
}

/** The response headers to return: {@link RETURNED_RESPONSE_HEADERS}, a `Location` into the API made relative. */
export function returnedHeaders(incoming: http.IncomingHttpHeaders, target: URL): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  for (const name of RETURNED_RESPONSE_HEADERS) {
    const value = incoming[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const base = target.href.replace(/\/+$/, '');
  if (headers.location?.startsWith(`${base}/`)) headers.location = headers.location.slice(base.length);
  return headers;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ProxyError(413, 'payload_too_large', 'request body is larger than 10 MB', 'body');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The console's own pages may load only from this origin and never be framed: the proxy holds the user's AWS
 * credentials, so a script injected from elsewhere or a clickjacking frame would act with them.
 */
const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface ProxyContext {
  readonly options: ConsoleProxyOptions;
  readonly agent: http.Agent;
}

/** Signs the request and streams the API's answer back. */
async function forward(
  ctx: ProxyContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const { options } = ctx;
  const method = req.method ?? 'GET';
  const raw = await readBody(req);
  const body = raw.length > 0 ? raw.toString('utf8') : undefined;
  const target = upstreamUrl(options.target, url.pathname, url.searchParams);
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await options.credentials();
  } catch (error) {
    const message = `no AWS credentials to sign with: ${(error as Error).message}`;
    options.log?.(`${method} ${url.pathname}: ${message}`);
    throw new ProxyError(503, 'credentials_unavailable', message);
  }
  const headers = forwardedHeaders(req.headers);
  const signed = await signRequest({ method, url: target, headers, body }, credentials, options.region);
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (payload) signed['content-length'] = String(payload.length);
  const send = target.protocol === 'https:' ? https.request : http.request;
  await new Promise<void>((resolve, reject) => {
    const upstream = send(target, {
      method,
      headers: signed,
      agent: ctx.agent,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    // A browser that navigates away stops waiting: so does the proxy.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('timeout', () => {
      upstream.destroy(
        new ProxyError(
          504,
          'upstream_timeout',
          `${target.origin} did not answer within ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`,
        ),
      );
    });
    upstream.on('error', (error) => {
      if (error instanceof ProxyError) return reject(error);
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      reject(new ProxyError(502, 'upstream_unreachable', `cannot reach ${target.origin} (${code})`));
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, returnedHeaders(answer.headers, options.target));
      answer.pipe(res);
      answer.on('end', resolve);
      answer.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    upstream.end(payload);
  });
}

async function handle(ctx: ProxyContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const port = req.socket.localPort ?? ctx.options.port;
  if (refuseForeign(req, res, port, { names: ctx.options.names, label: 'steward console' })) {
    req.resume();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://console');
  const method = req.method ?? 'GET';
  const read = method === 'GET' || method === 'HEAD';
  if (read && (url.pathname === '/' || url.pathname === '/console')) {
    res.writeHead(302, { location: CONSOLE_PATH });
    return void res.end();
  }
  if (url.pathname.startsWith(CONSOLE_PATH)) {
    if (!read) {
      throw new ProxyError(405, 'method_not_allowed', `${method} is not allowed on the console's pages; allowed: GET`);
    }
    req.resume();
    // The same files and history routing as local mode, with this server's stricter headers added.
    for (const [name, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) res.setHeader(name, value);
    return serveConsole(res, ctx.options.consoleDir, url.pathname);
  }
  return forward(ctx, req, res, url);
}

/** Starts the proxy; rejects (nothing left listening) when the port is taken. */
export async function startConsoleProxy(options: ConsoleProxyOptions): Promise<ConsoleProxy> {
  const agentOptions = { keepAlive: true, maxSockets: 16 };
  const agent = options.target.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const ctx: ProxyContext = { options, agent };
  const server = http.createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof ProxyError) {
        const field = error.field ? { field: error.field } : {};
        return sendJson(res, error.status, { error: { code: error.code, message: error.message, ...field } });
      }
      options.log?.(`${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      sendJson(res, 500, { error: { code: 'internal_error', message: 'the console proxy failed; see its output' } });
    });
  });
  const { address, port } = await listenOn(server, options.port, options.host);
  const shown = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${shown}:${port}`,
    port,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

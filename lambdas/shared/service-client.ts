import https from 'node:https';
import { errorForStatus } from '../../lib/core/resilience/outcomes.ts';
import { STEWARD_ERRORS } from '../../lib/core/runtime-contract.ts';
import { assertDestination, guardedLookup, OutboundRefusedError } from './outbound.ts';

/**
 * HTTP calls from workflow steps to services, on node:http(s) with keep-alive agents (a warm step runner reuses its
 * connections). Not undici: bundled, undici adds ~720 KB (two WebAssembly HTTP parsers) to the step runner, three
 * times the whole 400 KB budget, for a runner that makes one call per invocation. Every failure becomes a {@link ServiceCallError} whose
 * `name` is a Steward error name, so the Lambda reports it as `errorType` and the compiled Retry/Catch match it.
 */

/**
 * node:http without `import`: importing it as an ES module builds a facade that reads every export, among them the
 * lazy `WebSocket` getters that load Node's built-in undici — tens of milliseconds at every cold start of the step
 * runner, for a module it never uses. The module itself is the same object either way.
 */
const http = process.getBuiltinModule('node:http');

/** One outgoing request. */
export interface OutgoingRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** The URL as errors may show it (without credentials a query parameter carries); default `url`. */
  displayUrl?: string;
}

/** A response that arrived (any status). */
export interface ServiceResponse {
  status: number;
  /** Parsed JSON when the body is JSON, else the text ('' for none). */
  body: unknown;
  /** The body as received, for the attempt record. */
  text: string;
  durationMs: number;
}

/** A failed call; `name` is one of STEWARD_ERRORS (or `Steward.InvalidRequest`). */
export class ServiceCallError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    /** The response, when one arrived (4xx/5xx). */
    readonly response?: ServiceResponse,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function mapFailure(error: unknown, req: OutgoingRequest): ServiceCallError {
  // Not retryable: the destination stays refused until the registry or the policy changes.
  if (error instanceof OutboundRefusedError) {
    return new ServiceCallError('Steward.InvalidRequest', `${req.method} ${req.url}: ${error.message}`, undefined, {
      cause: error,
    });
  }
  const e = error as { name?: string; code?: string; message?: string };
  const timedOut =
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT';
  if (timedOut) {
    return new ServiceCallError(
      STEWARD_ERRORS.timeout,
      `${req.method} ${req.displayUrl ?? req.url} took longer than ${req.timeoutMs} ms`,
    );
  }
  const code = e.code ?? (e as { cause?: { code?: string } }).cause?.code ?? '';
  const what = NETWORK_CODES.has(code) ? code : `${e.name ?? 'Error'}: ${e.message ?? ''}`;
  // The cause is not kept: a network error's fields can carry the request URL, credentials included.
  return new ServiceCallError(STEWARD_ERRORS.network, `${req.method} ${req.displayUrl ?? req.url} failed: ${what}`);
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return '';
  if (contentType?.includes('json') || /^\s*[[{"]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** One request/response on node:http(s); the whole exchange, connect included, gets the step's timeout. */
function exchange(
  req: OutgoingRequest,
  hasBody: boolean,
): Promise<{ status: number; text: string; contentType: string | undefined }> {
  const url = new URL(req.url);
  const lib = url.protocol === 'https:' ? https : http;
  const payload = hasBody ? JSON.stringify(req.body) : undefined;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve, reject) => {
    // The outbound policy: the host as written (IP literals skip DNS), then every address it resolves to.
    assertDestination(url.hostname, port);
    const outgoing = lib.request(
      url,
      {
        method: req.method,
        lookup: guardedLookup(port),
        agent: agents[url.protocol as 'http:' | 'https:'],
        signal: AbortSignal.timeout(req.timeoutMs),
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...req.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            contentType: res.headers['content-type'],
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** Calls a service; resolves with a 1xx–3xx response, throws a {@link ServiceCallError} otherwise. */
export async function callService(req: OutgoingRequest): Promise<ServiceResponse> {
  const started = performance.now();
  const hasBody = req.body !== undefined && req.method !== 'GET';
  let status: number;
  let text: string;
  let contentType: string | undefined;
  try {
    ({ status, text, contentType } = await exchange(req, hasBody));
  } catch (error) {
    throw mapFailure(error, req);
  }
  const response: ServiceResponse = {
    status,
    body: parseBody(text, contentType),
    text,
    durationMs: performance.now() - started,
  };
  const errorName = errorForStatus(status);
  if (errorName) {
    throw new ServiceCallError(errorName, `${req.method} ${req.displayUrl ?? req.url} answered ${status}`, response);
  }
  return response;
}

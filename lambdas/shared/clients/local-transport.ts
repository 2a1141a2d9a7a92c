import type { MessagePort } from 'node:worker_threads';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Local mode's transport for the AWS SDK: a handler's requests to local mode's endpoints travel over a message port
 * to the thread that serves them, rather than over loopback HTTP. Nothing else changes: the SDK builds, signs and
 * parses every request as it does on AWS, and the endpoint authenticates the signature and authorizes the call (IAM)
 * exactly as it does an HTTP request (lib/local/aws/port-server.ts). What is skipped is the HTTP client and server
 * and the loopback sockets between them: measured with the SDK's DynamoDB client, a request cost about 1.0 ms of CPU
 * over HTTP and 0.65 over a port, of which 0.4 is the SDK's own work.
 *
 * Only local mode's worker threads have ports (their host puts them at {@link LOCAL_AWS_PORTS}, by endpoint origin);
 * on Lambda the global is absent and the SDK keeps its own HTTP handler. A request to any other origin, or with a
 * streamed body, goes over HTTP.
 */

/** Where a local mode worker thread finds its ports: endpoint origin (`http://127.0.0.1:4566`) → port. */
export const LOCAL_AWS_PORTS = Symbol.for('steward.local-aws-ports');

/** The SDK's request and response, as its HTTP handler takes and gives them. */
type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HandlerOutput = Awaited<ReturnType<NodeHttpHandler['handle']>>;
type HandlerOptions = Parameters<NodeHttpHandler['handle']>[1];

/** A request as it crosses the port: header names in lower case, as an HTTP server reads them. */
export interface PortRequest {
  id: number;
  method: string;
  /** Path and query string, as in an HTTP request line. */
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** The answer: header names in lower case, as an HTTP client reads them. */
export interface PortResponse {
  id: number;
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** The endpoint went away (its thread stopped): retryable, as a reset connection is for the SDK. */
const connectionLost = (): Error =>
  Object.assign(new Error('the local endpoint closed its port'), { code: 'ECONNRESET' });

const aborted = (): Error => Object.assign(new Error('Request aborted'), { name: 'AbortError' });

/** RFC 3986 encoding, as the SDK's HTTP handler writes a query string. */
const rfc3986 = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The request line's target: path and query string, as the SDK's HTTP handler would write it. */
function requestUrl(request: HttpRequest): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(request.query ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      pairs.push(one === null ? rfc3986(key) : `${rfc3986(key)}=${rfc3986(one)}`);
    }
  }
  return pairs.length > 0 ? `${request.path}?${pairs.join('&')}` : request.path;
}

/** One port's requests in flight, answered by id. */
class PortClient {
  private readonly pending = new Map<number, { resolve: (r: PortResponse) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly port: MessagePort) {
    port.on('message', (response: PortResponse) => {
      const waiting = this.pending.get(response.id);
      if (!waiting) return;
      this.pending.delete(response.id);
      waiting.resolve(response);
    });
    port.on('close', () => {
      this.closed = true;
      for (const { reject } of this.pending.values()) reject(connectionLost());
      this.pending.clear();
    });
    // An idle port does not keep the thread alive; while a request is in flight it does (ref'd by send).
    port.unref();
  }

  send(request: Omit<PortRequest, 'id'>, signal: AbortSignal | undefined): Promise<PortResponse> {
    if (this.closed) return Promise.reject(connectionLost());
    if (signal?.aborted) return Promise.reject(aborted());
    const id = this.nextId++;
    return new Promise<PortResponse>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        reject(aborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (response) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(response);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.port.ref();
      this.port.postMessage({ id, ...request } satisfies PortRequest);
    }).finally(() => {
      if (this.pending.size === 0) this.port.unref();
    });
  }
}

/** The SDK's request handler contract, as much of it as the clients use. */
export type LocalRequestHandler = Pick<
  NodeHttpHandler,
  'handle' | 'updateHttpClientConfig' | 'httpHandlerConfigs' | 'destroy'
>;

/**
 * A request handler that sends requests for the given origins over their ports and any other over HTTP (the SDK's
 * own Node handler).
 */
export function localRequestHandler(ports: Readonly<Record<string, MessagePort>>): LocalRequestHandler {
  const clients = new Map(Object.entries(ports).map(([origin, port]) => [origin, new PortClient(port)]));
  let http: NodeHttpHandler | undefined;
  const overHttp = (): NodeHttpHandler => {
    http ??= new NodeHttpHandler();
    return http;
  };
  return {
    async handle(request: HttpRequest, options: HandlerOptions = {}): Promise<HandlerOutput> {
      const origin = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
      const client = clients.get(origin);
      const sent: unknown = request.body;
      const plain = sent === undefined || sent === null || typeof sent === 'string' || sent instanceof Uint8Array;
      if (!client || !plain) return overHttp().handle(request, options);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const answer = await client.send(
        {
          method: request.method,
          url: requestUrl(request),
          headers,
          body: (sent as string | Uint8Array | null | undefined) ?? '',
        },
        options.abortSignal as AbortSignal | undefined,
      );
      const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
      return { response: { statusCode: answer.status, headers: answer.headers, body } as HandlerOutput['response'] };
    },
    updateHttpClientConfig: (key, value) => overHttp().updateHttpClientConfig(key, value),
    httpHandlerConfigs: () => overHttp().httpHandlerConfigs(),
    destroy: () => http?.destroy(),
  };
}

/** The handler local mode's host thread provided for this thread, if any (never on Lambda). */
export function localRequestHandlerFromHost(): LocalRequestHandler | undefined {
  const ports = (globalThis as Record<symbol, unknown>)[LOCAL_AWS_PORTS] as Record<string, MessagePort> | undefined;
  return ports && Object.keys(ports).length > 0 ? localRequestHandler(ports) : undefined;
}

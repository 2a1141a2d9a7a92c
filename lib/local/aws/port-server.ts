import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { PortRequest, PortResponse } from '../../../lambdas/shared/clients/local-transport.ts';

/**
 * The serving end of local mode's SDK transport (lambdas/shared/clients/local-transport.ts): requests that come over
 * a message port are handed to the endpoint's own HTTP request listener, as a request and a response it cannot tell
 * from Node's (method, url, lower-case headers, a readable body; status, headers and body written the usual ways),
 * so the signature check, IAM and the services run exactly as they do for an HTTP request.
 */

/** The response a listener writes, posted back over the port when it ends. */
class PortReply extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  private readonly headers: Record<string, string> = {};
  private readonly chunks: Array<string | Uint8Array> = [];

  constructor(
    private readonly port: MessagePort,
    private readonly id: number,
  ) {
    super();
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  writeHead(status: number, headers?: Record<string, number | string | readonly string[]>): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers ?? {})) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }

  write(chunk: string | Uint8Array): boolean {
    this.headersSent = true;
    this.chunks.push(chunk);
    return true;
  }

  end(chunk?: string | Uint8Array | (() => void)): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && typeof chunk !== 'function') this.chunks.push(chunk);
    this.writableEnded = true;
    this.headersSent = true;
    const body = this.chunks.every((c) => typeof c === 'string')
      ? this.chunks.join('')
      : Buffer.concat(this.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
    this.port.postMessage({ id: this.id, status: this.statusCode, headers: this.headers, body } satisfies PortResponse);
    this.emit('finish');
    this.emit('close');
    return this;
  }
}

/** Serves the requests that come over `port` with `listener`, until the port closes. */
export function servePort(port: MessagePort, listener: RequestListener): void {
  port.on('message', (request: PortRequest) => {
    const body = new Readable({ read() {} });
    const raw = request.body;
    if (raw.length > 0)
      body.push(typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    body.push(null);
    const req = Object.assign(body, { method: request.method, url: request.url, headers: request.headers });
    listener(req as unknown as IncomingMessage, new PortReply(port, request.id) as unknown as ServerResponse);
  });
  // Served as long as the other end lives; a port left alone does not keep the thread running.
  port.unref();
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';

/** A request a test server received. */
export interface Received {
  method: string;
  url: string;
  body: unknown;
}

/** A real HTTP server on 127.0.0.1 whose behaviour the test sets per request. */
export interface TestServer {
  url: string;
  received: Received[];
  /** Headers and raw body of each request, in the order of `received`. */
  raw: Array<{ headers: Record<string, string>; body: string; url: string }>;
  respond: (fn: (req: Received, n: number) => { status: number; body?: unknown; delayMs?: number }) => void;
  close: () => Promise<void>;
}

/** Starts a test server answering 200 `{ ok: true }` until told otherwise. */
export async function startServer(): Promise<TestServer> {
  const received: Received[] = [];
  const raw: TestServer['raw'] = [];
  let behaviour: (req: Received, n: number) => { status: number; body?: unknown; delayMs?: number } = () => ({
    status: 200,
    body: { ok: true },
  });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const r: Received = { method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) : undefined };
      received.push(r);
      raw.push({ headers: req.headers as Record<string, string>, body: text, url: req.url ?? '' });
      const out = behaviour(r, received.length);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(out.status, { 'content-type': 'application/json' });
        res.end(out.body === undefined ? '' : JSON.stringify(out.body));
      };
      if (out.delayMs) setTimeout(send, out.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    raw,
    respond: (fn) => {
      behaviour = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes an item straight into a table (arranging state that other areas own). */
export async function putRaw(
  client: { send: (c: PutItemCommand) => Promise<unknown> },
  table: string,
  item: Record<string, unknown>,
): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: marshall(item, { removeUndefinedValues: true }) }));
}

/** A registry entry of a service, as the supervision area stores it. */
export function serviceItem(
  id: string,
  name: string,
  baseUrl: string,
  status = 'healthy',
  spec?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...(spec ? { spec } : {}),
    pk: `SVC#${id}`,
    sk: 'META',
    service_id: id,
    name,
    base_url: baseUrl,
    status,
    gsi1pk: 'SERVICES',
    gsi1sk: name,
  };
}

/** An execution record as the executions repository stores it. */
export function executionItem(id: string, status: string): Record<string, unknown> {
  return {
    pk: `EXEC#${id}`,
    sk: 'META',
    execution_id: id,
    workflow_id: 'wf-1',
    correlation_id: 'corr-1',
    status,
    seq: 1,
    started_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  };
}

/** A Lambda context good enough for the Powertools middlewares. */
export const lambdaContext = {
  functionName: 'steward-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:steward-test',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/**
 * DynamoDB's thread: dynalite and its guard (signature, then IAM) run here, in a worker thread of local mode, so that
 * the busiest endpoint of a run (every handler reads and writes its records through it) works on one core while
 * the main thread (Step Functions, EventBridge, the Lambda runner, the HTTP API) works on another. See dynamo.ts.
 *
 * The guard is rebuilt here from the main guard's portable state (same model, same per-run secret, same keys), so it
 * decides exactly as the main thread's would; its denials and decision counters are posted back to the main guard.
 * An allowed request goes to dynalite's request handler in this thread, without a second HTTP round trip.
 *
 * With a guard, dynalite itself never listens: the guarded front is the thread's only socket. The main thread creates
 * and rebuilds Steward's tables over a message port it handed this thread at the start (`setup`), served by dynalite's
 * handler, which nothing outside the process can reach. Without a guard (`--iam off`), dynalite listens on the
 * public port itself.
 *
 * Expired items are deleted here too (ttl-sweeper.ts), every `ttlSweepMs`, calling dynalite's handler directly.
 *
 * Messages out: `{ type: 'ready', url }`, `{ type: 'error', code, message }`, `{ type: 'denial', denial }`,
 * `{ type: 'stats', evaluated, lookups }`, `{ type: 'swept', id, deleted | error }`, `{ type: 'closed' }`. Messages
 * in: `{ type: 'role', roleArn }` (a key issued since the start), `{ type: 'ttl', table }` (a table to expire items
 * of), `{ type: 'sweep', id }` (one pass now), `{ type: 'connect', port }` (a function's port: its SDK's requests
 * come over it, see lib/local/aws/port-server.ts), `{ type: 'close' }`.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Admission } from './admission.ts';
import { AwsError } from './aws/errors.ts';
import { servePort } from './aws/port-server.ts';
import { rememberDynaliteParses } from './expression-cache.ts';
import { LocalIam, type PortableIam } from './iam/guard.ts';
import { closeLevelIterators } from './level-iterators.ts';
import { textMemoryStore } from './text-store.ts';
import { directCall, type ExpiringTable, replay, TtlSweeper } from './ttl-sweeper.ts';

/** A message of the main thread (see the module comment). */
type MainMessage = { type: string; roleArn?: string; table?: ExpiringTable; id?: number; port?: MessagePort };

/** What the main thread hands the worker (see dynamo.ts). */
export interface DynamoWorkerData {
  port: number;
  dataDir?: string;
  iam?: PortableIam;
  /** Roles whose callers wait on the answer (the API's functions): their requests go first when requests queue. */
  priorityRoles?: string[];
  /** How often expired items are deleted (0: only when asked; see ttl-sweeper.ts). */
  ttlSweepMs: number;
  /**
   * The main thread's table set-up (dynamo.ts): its requests come over this port and go to dynalite's handler, with
   * no signature check or IAM, as CloudFormation creates tables, not a caller (lib/local/aws/port-server.ts).
   */
  setup: MessagePort;
}

/** A listening HTTP server; resolves once bound, rejects with the listen error. */
function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Closes dynalite's server, then its store (LevelDB with `--data`: written and released, so the folder can be opened
 * again). dynalite closes its store only once its HTTP server has closed, and Node refuses to close a server that
 * never listened (ERR_SERVER_NOT_RUNNING); with a guard dynalite never listens, so its server is given a handle with
 * nothing to close (what `net.Server#close` closes), and closes as a listening one would.
 */
function closeDynalite(store: ReturnType<typeof createServer>): Promise<void> {
  if (!store.listening) Object.assign(store, { _handle: { close: () => undefined } });
  return new Promise<void>((resolve) => {
    store.closeAllConnections();
    store.close((error?: Error) => {
      if (error) process.stderr.write(`steward local: closing DynamoDB's store failed: ${error.message}\n`);
      resolve();
    });
  });
}

const refuse = (res: ServerResponse, error: AwsError): void => {
  res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': error.code });
  res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${error.code}`, message: error.message }));
};

/** A request's body. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * With `STEWARD_DYNAMODB_LOG=<file>`, every request that passed the signature check is appended to the file as one
 * JSON line (time, caller role, operation, table, key or key condition): what a run costs in requests, call by call.
 */
const requestLog = process.env.STEWARD_DYNAMODB_LOG || undefined;

function logRequest(file: string, caller: string, operation: string, input: Record<string, unknown>): void {
  const item = input.Item as Record<string, unknown> | undefined;
  const line = {
    at: Date.now(),
    caller: caller.split('/').pop(),
    operation,
    table: input.TableName ?? Object.keys((input.RequestItems ?? input.TransactItems ?? {}) as object).join(','),
    index: input.IndexName,
    key: input.Key ?? (item ? { pk: item.pk, sk: item.sk } : undefined),
    keyCondition: input.KeyConditionExpression,
    condition: input.ConditionExpression,
    values: input.KeyConditionExpression ? input.ExpressionAttributeValues : undefined,
  };
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/** The guarded front of dynalite: signature, then IAM, then dynalite's own handler with the request as it came. */
function guarded(guard: LocalIam, dynaliteHandler: RequestListener, priorityRoles: ReadonlySet<string>) {
  const admission = new Admission();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const caller = await guard.authenticate('dynamodb', {
      method: req.method ?? 'POST',
      rawPath: queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt),
      query: new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1)),
      headers: req.headers,
      body,
    });
    if (caller instanceof AwsError) return refuse(res, caller);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    let input: Record<string, unknown> = {};
    try {
      input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      // dynalite answers malformed bodies itself (SerializationException).
    }
    if (requestLog) logRequest(requestLog, caller.kind === 'operator' ? 'operator' : caller.roleArn, operation, input);
    const denied = await guard.authorize(caller, 'dynamodb', operation, input);
    if (denied) return refuse(res, denied);
    const priority = caller.kind === 'operator' || priorityRoles.has(caller.roleArn);
    admission.admit(priority, (done) => {
      res.once('finish', done);
      res.once('close', done);
      replay(dynaliteHandler, req, body, res);
    });
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, new AwsError('InternalServerError', String(error), 500));
      else res.end();
    });
  };
}

async function main(): Promise<void> {
  try {
    // Linux: `top -H` and /proc/<pid>/task/*/comm show this thread as DynamoDB's.
    writeFileSync('/proc/thread-self/comm', 'dynamodb');
  } catch {
    // Not Linux.
  }
  const port = parentPort;
  if (!port) throw new Error('dynamo-worker.ts runs as a worker thread (see dynamo.ts)');
  const data = workerData as DynamoWorkerData;
  // Before dynalite loads: it takes memory-level's class when it loads.
  if (!data.dataDir) textMemoryStore();
  closeLevelIterators();
  rememberDynaliteParses();
  const { default: dynalite } = await import('dynalite');
  const store = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: data.dataDir });
  let front: ReturnType<typeof createServer> | undefined;
  let reportStats: NodeJS.Timeout | undefined;
  let guard: LocalIam | undefined;
  // dynalite's own handler: no signature check, no IAM. Only this thread's callers reach it (the guarded front, the
  // TTL sweeper, the main thread's table set-up), and, without a guard, the public port.
  const dynaliteHandler = store.listeners('request')[0] as RequestListener;
  // What a request reaches: the guarded front, or dynalite itself when there is no guard. HTTP and the functions'
  // ports (`connect`) both go through it.
  let listener = dynaliteHandler;
  try {
    let url: string;
    if (data.iam) {
      guard = LocalIam.fromPortable(data.iam, { onDenial: (denial) => port.postMessage({ type: 'denial', denial }) });
      listener = guarded(guard, dynaliteHandler, new Set(data.priorityRoles));
      front = createServer(listener);
      front.keepAliveTimeout = 5_000;
      try {
        url = `http://127.0.0.1:${await listen(front, data.port)}`;
      } catch (error) {
        await closeDynalite(store);
        throw error;
      }
      // The status page's decision counters: reported when they changed, at most once a second.
      const authorizer = guard.authorizer;
      let reported = -1;
      reportStats = setInterval(() => {
        const { evaluated, lookups } = authorizer.stats();
        if (lookups === reported) return;
        reported = lookups;
        port.postMessage({ type: 'stats', evaluated, lookups });
      }, 1_000);
      reportStats.unref();
    } else {
      url = `http://127.0.0.1:${await listen(store, data.port)}`;
    }
    servePort(data.setup, dynaliteHandler);
    port.postMessage({ type: 'ready', url });
  } catch (error) {
    port.postMessage({ type: 'error', code: (error as { code?: string }).code, message: (error as Error).message });
    data.setup.close();
    port.close();
    return;
  }
  const sweeper = new TtlSweeper(directCall(dynaliteHandler));
  sweeper.every(data.ttlSweepMs, (error) =>
    process.stderr.write(`steward local: expiring items failed: ${error.message}\n`),
  );
  const served = listener;
  port.on('message', (msg: MainMessage) => {
    if (msg.type === 'role' && msg.roleArn && guard) guard.keysFor(msg.roleArn);
    if (msg.type === 'connect' && msg.port) servePort(msg.port, served);
    if (msg.type === 'ttl' && msg.table) sweeper.add(msg.table);
    if (msg.type === 'sweep') {
      sweeper.sweep().then(
        (deleted) => port.postMessage({ type: 'swept', id: msg.id, deleted }),
        (error: Error) => port.postMessage({ type: 'swept', id: msg.id, deleted: 0, error: error.message }),
      );
    }
    if (msg.type !== 'close') return;
    clearInterval(reportStats);
    const closeFront = front
      ? new Promise<void>((resolve) => {
          front?.closeAllConnections();
          front?.close(() => resolve());
        })
      : Promise.resolve();
    void closeFront
      // A pass under way ends after its page, before the store closes under it.
      .then(() => sweeper.stop())
      // dynalite's close waits for its store (LevelDB with --data) to be written and closed.
      .then(() => closeDynalite(store))
      .finally(() => {
        port.postMessage({ type: 'closed' });
        port.close();
      });
  });
}

void main();

/**
 * DynamoDB for local mode: dynalite on 127.0.0.1 (in memory, or in a directory with `--data`), with Steward's tables
 * created from the synthesized templates' key schemas. With a guard, callers reach dynalite only through a small
 * front that verifies each request's signature and authorizes its operation, as DynamoDB does; dynalite itself then
 * listens on a port the system picks (for the table set-up only).
 *
 * Both run in a worker thread of their own (dynamo-worker.ts): under load they were half of the main thread's work,
 * which left one of two cores idle while runs queued behind them.
 */
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from './cfn.ts';
import type { DynamoWorkerData } from './dynamo-worker.ts';
import type { Denial } from './iam/authorizer.ts';
import type { LocalIam } from './iam/guard.ts';
import type { LocalTable } from './wiring.ts';

const TSX_API = import.meta.resolve('tsx/esm/api');
const WORKER_ENTRY = new URL('./dynamo-worker.ts', import.meta.url).href;

type WorkerMessage =
  | { type: 'ready'; url: string; internalUrl: string }
  | { type: 'error'; code?: string; message: string }
  | { type: 'denial'; denial: Denial }
  | { type: 'stats'; evaluated: number; lookups: number }
  | { type: 'closed' };

/**
 * The worker's bootstrap (a CommonJS `eval` script, so it needs no loader itself): registers tsx for the TypeScript
 * entry, then imports it.
 */
function workerSource(tsxApiUrl: string, entryUrl: string): string {
  return `
const { parentPort } = require('node:worker_threads');
import(${JSON.stringify(tsxApiUrl)})
  .then(({ register }) => register())
  .then(() => import(${JSON.stringify(entryUrl)}))
  .catch((error) => parentPort.postMessage({ type: 'error', message: 'the DynamoDB thread could not load: ' + (error && error.stack || error) }));
`;
}

export interface LocalDynamo {
  /** The URL callers use (the guarded front when there is a guard). */
  url: string;
  /** Creates the tables that do not exist yet (a `--data` directory keeps them across restarts). */
  createTables(tables: readonly LocalTable[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts dynalite; rejects with the listen error (EADDRINUSE …) leaving nothing open. */
export async function startDynamo(options: {
  port: number;
  dataDir?: string;
  guard?: LocalIam;
  /** Roles whose callers wait on the answer (the API's functions): served first when requests queue. */
  priorityRoles?: readonly string[];
}): Promise<LocalDynamo> {
  const { guard } = options;
  const iam = guard?.portable();
  // The keys of every role of the templates, not only those issued so far: a role's key is issued just before the
  // code that signs with it starts, and the message saying so could reach this thread after that code's first call.
  if (iam) iam.roles = [...new Set([...iam.roles, ...iam.model.roles.keys()])];
  const workerData: DynamoWorkerData = {
    port: options.port,
    dataDir: options.dataDir,
    iam,
    priorityRoles: [...(options.priorityRoles ?? [])],
  };
  const worker = new Worker(workerSource(TSX_API, WORKER_ENTRY), { eval: true, workerData });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing = false;
  const started = await new Promise<{ url: string; internalUrl: string }>((resolve, reject) => {
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type === 'ready') resolve({ url: msg.url, internalUrl: msg.internalUrl });
      else if (msg.type === 'error') {
        closing = true;
        reject(Object.assign(new Error(msg.message), { code: msg.code }));
      } else if (msg.type === 'denial') guard?.authorizer.record(msg.denial);
      else if (msg.type === 'stats') guard?.authorizer.mergeStats('dynamodb', msg);
      else if (msg.type === 'closed') closing = true;
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      reject(new Error(`the DynamoDB thread exited with code ${code} while starting`));
      // Every handler's next call would fail without saying why: say it once, here.
      if (!closing) process.stderr.write(`steward local: the DynamoDB thread stopped (exit code ${code})\n`);
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.on('error', (error) => process.stderr.write(`steward local: the DynamoDB thread failed: ${error.message}\n`));
  // Keys issued from now on (a function's, a task's) are recognized by the DynamoDB thread's guard too.
  const unsubscribe = guard?.credentials.onIssue((roleArn) => worker.postMessage({ type: 'role', roleArn }));
  const { url, internalUrl } = started;
  const client = new DynamoDBClient({
    endpoint: internalUrl,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'steward-local', secretAccessKey: 'steward-local' },
  });
  return {
    url,
    async createTables(tables) {
      for (const table of tables) {
        const existing = await client
          .send(new DescribeTableCommand({ TableName: table.name }))
          .then((out) => out.Table)
          .catch((error: { name?: string }) => {
            if (error.name === 'ResourceNotFoundException') return undefined;
            throw error;
          });
        const gsis = table.globalSecondaryIndexes as Array<Record<string, unknown>>;
        if (existing) {
          // A data folder from an older Steward lacks indexes added since; the local DynamoDB cannot add one to an
          // existing table, and queries on it would fail later with a less helpful error.
          const have = new Set((existing.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
          const missing = gsis.map((g) => g.IndexName as string).filter((name) => !have.has(name));
          if (missing.length > 0) {
            throw new Error(
              `table ${table.name} in the data folder has no index ${missing.join(', ')} (added by a newer Steward): ` +
                'start with a new --data folder',
            );
          }
          continue;
        }
        await client.send(
          new CreateTableCommand({
            TableName: table.name,
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: table.keySchema as never,
            AttributeDefinitions: table.attributeDefinitions as never,
            ...(gsis.length > 0
              ? {
                  GlobalSecondaryIndexes: gsis.map((g) => ({
                    IndexName: g.IndexName as string,
                    KeySchema: g.KeySchema as never,
                    Projection: (g.Projection as never) ?? { ProjectionType: 'ALL' },
                  })),
                }
              : {}),
          }),
        );
      }
    },
    close: async () => {
      unsubscribe?.();
      client.destroy();
      if (!closing) {
        closing = true;
        worker.postMessage({ type: 'close' });
      }
      await exited;
    },
  };
}

/**
 * DynamoDB for local mode: dynalite on 127.0.0.1 (in memory, or in a directory with `--data`), with Steward's tables
 * created from the synthesized templates' key schemas. With a guard, callers reach dynalite only through a small
 * front that verifies each request's signature and authorizes its operation, as DynamoDB does, and dynalite itself
 * listens on no port: the front is the only way in over the network. The tables are created (and, in a data folder,
 * rebuilt) over a message port to the DynamoDB thread, served by dynalite's handler, which only this process holds.
 *
 * Both run in a worker thread of their own (dynamo-worker.ts): under load they were half of the main thread's work,
 * which left one of two cores idle while runs queued behind them.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { localRequestHandler } from '../../lambdas/shared/clients/local-transport.ts';
import { createActiveTable } from './active-table.ts';
import { LOCAL_REGION } from './cfn.ts';
import type { DynamoWorkerData } from './dynamo-worker.ts';
import type { Denial } from './iam/authorizer.ts';
import type { LocalIam } from './iam/guard.ts';
import { typeScriptWorker } from './ts-worker.ts';
import { type ExpiringTable, TTL_SWEEP_MS } from './ttl-sweeper.ts';
import type { LocalTable } from './wiring.ts';

const WORKER_ENTRY = new URL('./dynamo-worker.ts', import.meta.url).href;

/**
 * The table set-up's endpoint: a name for the SDK, never resolved, since its requests travel over the set-up port
 * (lambdas/shared/clients/local-transport.ts); were one to go over HTTP, `.invalid` resolves nowhere.
 */
const SETUP_ENDPOINT = 'http://dynamodb-setup.steward.invalid';

type WorkerMessage =
  | { type: 'ready'; url: string }
  | { type: 'error'; code?: string; message: string }
  | { type: 'denial'; denial: Denial }
  | { type: 'stats'; evaluated: number; lookups: number }
  | { type: 'swept'; id: number; deleted: number; error?: string }
  | { type: 'closed' };

export interface LocalDynamo {
  /** The URL callers use (the guarded front when there is a guard). */
  url: string;
  /**
   * Creates the tables that do not exist yet (a `--data` directory keeps them across restarts); from then on the
   * expired items of those with TTL are deleted every {@link TTL_SWEEP_MS} (lib/local/ttl-sweeper.ts).
   */
  createTables(tables: readonly LocalTable[]): Promise<void>;
  /** One pass of TTL over the tables created so far: deletes every expired item; resolves with how many. */
  sweepExpired(): Promise<number>;
  /**
   * A port to the DynamoDB thread for one Lambda environment: its SDK's requests come over it rather than over HTTP,
   * through the same signature check and IAM (lambdas/shared/clients/local-transport.ts).
   */
  connect(): MessagePort;
  close(): Promise<void>;
}

/** Starts dynalite; rejects with the listen error (EADDRINUSE …) leaving nothing open. */
export async function startDynamo(options: {
  port: number;
  dataDir?: string;
  guard?: LocalIam;
  /** Roles whose callers wait on the answer (the API's functions): served first when requests queue. */
  priorityRoles?: readonly string[];
  /** How often expired items are deleted (default {@link TTL_SWEEP_MS}; 0: only by {@link LocalDynamo.sweepExpired}). */
  ttlSweepMs?: number;
}): Promise<LocalDynamo> {
  const { guard } = options;
  const iam = guard?.portable();
  // The keys of every role of the templates, not only those issued so far: a role's key is issued just before the
  // code that signs with it starts, and the message saying so could reach this thread after that code's first call.
  if (iam) iam.roles = [...new Set([...iam.roles, ...iam.model.roles.keys()])];
  // The table set-up's requests reach dynalite over this port (see the module comment), not over a socket.
  const setup = new MessageChannel();
  const workerData: DynamoWorkerData = {
    port: options.port,
    dataDir: options.dataDir,
    iam,
    priorityRoles: [...(options.priorityRoles ?? [])],
    ttlSweepMs: options.ttlSweepMs ?? TTL_SWEEP_MS,
    setup: setup.port1,
  };
  const worker = typeScriptWorker(WORKER_ENTRY, 'the DynamoDB thread could not load: ', {
    workerData,
    transferList: [setup.port1],
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing = false;
  const url = await new Promise<string>((resolve, reject) => {
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type === 'ready') resolve(msg.url);
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
    setup.port2.close();
    await worker.terminate();
    throw error;
  });
  worker.on('error', (error) => process.stderr.write(`steward local: the DynamoDB thread failed: ${error.message}\n`));
  // Keys issued from now on (a function's, a task's) are recognized by the DynamoDB thread's guard too.
  const unsubscribe = guard?.credentials.onIssue((roleArn) => worker.postMessage({ type: 'role', roleArn }));
  const client = new DynamoDBClient({
    endpoint: SETUP_ENDPOINT,
    requestHandler: localRequestHandler({ [SETUP_ENDPOINT]: setup.port2 }),
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'steward-local', secretAccessKey: 'steward-local' },
  });
  type Item = Record<string, AttributeValue>;
  const describe = (name: string) =>
    client
      .send(new DescribeTableCommand({ TableName: name }))
      .then((out) => out.Table)
      .catch((error: { name?: string }) => {
        if (error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      });
  /** Creates a table as the template declares it; resolves once it is ACTIVE, as CloudFormation waits for it. */
  const create = async (table: LocalTable): Promise<void> => {
    const gsis = table.globalSecondaryIndexes as Array<Record<string, unknown>>;
    await createActiveTable(client, {
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
    });
  };
  const scanAll = async (name: string): Promise<Item[]> => {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };
  // dynalite removes a deleted table a moment after it answers: polled every 5 ms, as creation is (active-table.ts).
  const until = async (done: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await done())) {
      if (Date.now() > deadline) {
        throw new Error('the local DynamoDB did not finish deleting a table within 10 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const writeAll = async (name: string, items: readonly Item[]): Promise<void> => {
    for (let i = 0; i < items.length; i += 25) {
      let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [name]: requests } }));
        requests = (out.UnprocessedItems?.[name] ?? []) as typeof requests;
      }
    }
  };
  /**
   * Rebuilds a table of a data folder with the schema the templates declare now, keeping every item: the local
   * DynamoDB cannot add an index to an existing table. The items are first saved beside the data (`<table>.rebuild`,
   * written whole, then renamed), so a rebuild cut short by a crash is finished from that file at the next start.
   */
  const rebuild = async (table: LocalTable, dataDir: string, saved?: Item[]): Promise<void> => {
    const file = join(dataDir, `${table.name}.rebuild`);
    const items = saved ?? (await scanAll(table.name));
    if (!saved) {
      writeFileSync(`${file}.partial`, `${items.map((item) => JSON.stringify(item)).join('\n')}\n`, { flush: true });
      renameSync(`${file}.partial`, file);
    }
    if (await describe(table.name)) await client.send(new DeleteTableCommand({ TableName: table.name }));
    // Deleting and creating take effect a moment later, even with no delay configured.
    await until(async () => (await describe(table.name)) === undefined);
    await create(table);
    await writeAll(table.name, items);
    rmSync(file, { force: true });
  };
  let sweeps = 0;
  const sweepExpired = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const id = ++sweeps;
      const onExit = (): void => {
        worker.off('message', onMessage);
        reject(new Error('the DynamoDB thread stopped before the pass ended'));
      };
      const onMessage = (msg: WorkerMessage): void => {
        if (msg.type !== 'swept' || msg.id !== id) return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (msg.error !== undefined) reject(new Error(msg.error));
        else resolve(msg.deleted);
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ type: 'sweep', id });
    });
  return {
    url,
    sweepExpired,
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ type: 'connect', port: port1 }, [port1]);
      return port2;
    },
    async createTables(tables) {
      for (const table of tables) {
        if (table.ttlAttribute) {
          const keys = (table.keySchema as Array<{ AttributeName: string }>).map((k) => k.AttributeName);
          const expiring: ExpiringTable = { name: table.name, attribute: table.ttlAttribute, keys };
          worker.postMessage({ type: 'ttl', table: expiring });
        }
        const dataDir = options.dataDir;
        const file = dataDir ? join(dataDir, `${table.name}.rebuild`) : undefined;
        if (dataDir && file && existsSync(file)) {
          const saved = readFileSync(file, 'utf8')
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as Item);
          await rebuild(table, dataDir, saved);
          continue;
        }
        const existing = await describe(table.name);
        if (!existing) {
          await create(table);
          continue;
        }
        // A data folder from an older Steward lacks the indexes added since: rebuild the table with them.
        const gsis = table.globalSecondaryIndexes as Array<Record<string, unknown>>;
        const have = new Set((existing.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
        const missing = gsis.map((g) => g.IndexName as string).filter((name) => !have.has(name));
        if (missing.length > 0 && dataDir) {
          process.stderr.write(
            `steward local: table ${table.name} in the data folder gains index ${missing.join(', ')}; rebuilding it ` +
              'with every item kept\n',
          );
          await rebuild(table, dataDir);
        }
      }
    },
    close: async () => {
      unsubscribe?.();
      client.destroy();
      setup.port2.close();
      if (!closing) {
        closing = true;
        worker.postMessage({ type: 'close' });
      }
      await exited;
    },
  };
}

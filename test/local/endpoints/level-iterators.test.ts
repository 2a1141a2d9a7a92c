/**
 * Local mode's DynamoDB closes the store iterator of every read (lib/local/level-iterators.ts): Queries that stop at
 * their Limit or run to the end, on a table and on an index, Scans, ListTables; in memory and on disk (`--data`).
 * Without it each read left an iterator open for as long as local mode ran, holding what it had read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  ListTablesCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveTable } from '../../../lib/local/active-table.ts';
import {
  closeLevelIterators,
  dynaliteAbstractLevel,
  levelIteratorPrototype,
} from '../../../lib/local/level-iterators.ts';
import { textMemoryStore } from '../../../lib/local/text-store.ts';
import { groupedTable } from './helpers.ts';

type Server = { listen(port: number, host: string, cb: () => void): void; address(): unknown; close(): void };

/** Iterators attached to a store and not yet detached (abstract-level detaches an iterator when it closes). */
const open = new Set<object>();
/** Every iterator attached since the count began: proof that the hooks see the reads' iterators at all. */
let attached = 0;

function countOpenIterators(): void {
  const { AbstractLevel } = dynaliteAbstractLevel() as unknown as {
    AbstractLevel: { prototype: { attachResource(r: object): void; detachResource(r: object): void } };
  };
  const iterator = levelIteratorPrototype();
  const { attachResource, detachResource } = AbstractLevel.prototype;
  AbstractLevel.prototype.attachResource = function (this: unknown, resource: object) {
    if (Object.prototype.isPrototypeOf.call(iterator, resource)) {
      open.add(resource);
      attached++;
    }
    return attachResource.call(this, resource);
  };
  AbstractLevel.prototype.detachResource = function (this: unknown, resource: object) {
    open.delete(resource);
    return detachResource.call(this, resource);
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'steward-level-iterators-'));
const servers: Server[] = [];

beforeAll(async () => {
  textMemoryStore();
  closeLevelIterators();
  countOpenIterators();
});

afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startDynalite(path?: string): Promise<DynamoDBClient> {
  const { default: dynalite } = (await import('dynalite')) as unknown as {
    default: (o: Record<string, unknown>) => Server;
  };
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createActiveTable(client, groupedTable('history'));
  const items = Array.from({ length: 50 }, (_, i) => ({
    pk: { S: 'run' },
    sk: { S: String(i).padStart(3, '0') },
    gpk: { S: i % 2 === 0 ? 'even' : 'odd' },
  }));
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { history: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
  return client;
}

/** Reads of every kind dynalite streams, with what each must answer. */
async function readEverything(client: DynamoDBClient): Promise<void> {
  const run = { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'run' } } };
  for (let i = 0; i < 10; i++) {
    const limited = await client.send(new QueryCommand({ TableName: 'history', ...run, Limit: 1 }));
    expect(limited.Items?.map((item) => item.sk?.S)).toEqual(['000']);
    expect(limited.LastEvaluatedKey).toBeDefined();
  }
  const backwards = await client.send(
    new QueryCommand({ TableName: 'history', ...run, Limit: 2, ScanIndexForward: false }),
  );
  expect(backwards.Items?.map((item) => item.sk?.S)).toEqual(['049', '048']);
  const whole = await client.send(new QueryCommand({ TableName: 'history', ...run }));
  expect(whole.Count).toBe(50);
  const byIndex = await client.send(
    new QueryCommand({
      TableName: 'history',
      IndexName: 'byGroup',
      KeyConditionExpression: 'gpk = :g',
      ExpressionAttributeValues: { ':g': { S: 'odd' } },
      Limit: 3,
    }),
  );
  expect(byIndex.Items?.map((item) => item.sk?.S)).toEqual(['001', '003', '005']);
  expect((await client.send(new ScanCommand({ TableName: 'history', Limit: 5 }))).Count).toBe(5);
  expect((await client.send(new ScanCommand({ TableName: 'history' }))).Count).toBe(50);
  expect((await client.send(new ListTablesCommand({ Limit: 1 }))).TableNames).toEqual(['history']);
}

/** Resolves once no iterator is open, or with how many still are after two seconds. */
async function openAfterReads(): Promise<number> {
  const until = Date.now() + 2_000;
  while (open.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  return open.size;
}

describe('store iterators of local DynamoDB reads', () => {
  it('are all closed in memory', async () => {
    const client = await startDynalite();
    const before = attached;
    await readEverything(client);
    expect(attached - before).toBeGreaterThan(0);
    expect(await openAfterReads()).toBe(0);
  });

  it('are all closed on disk (--data)', async () => {
    const client = await startDynalite(join(dataDir, 'dynamodb'));
    const before = attached;
    await readEverything(client);
    expect(attached - before).toBeGreaterThan(0);
    expect(await openAfterReads()).toBe(0);
  });

  it('installs once however often it is asked', () => {
    const proto = levelIteratorPrototype();
    const installed = proto.return;
    closeLevelIterators();
    expect(proto.return).toBe(installed);
  });
});

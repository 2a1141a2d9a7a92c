import { mkdtempSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../../lib/local/dynamo.ts';
import { type DynamoCall, directCall, TtlSweeper } from '../../../lib/local/ttl-sweeper.ts';
import type { LocalTable } from '../../../lib/local/wiring.ts';
import { eventually, sdkConfig } from './helpers.ts';

/** The operator's client (local mode's guard is off here: any credentials do). */
const client = (endpoint: string) => new DynamoDBClient(sdkConfig(endpoint));

const table = (name: string, ttlAttribute?: string): LocalTable => ({
  logicalId: name,
  name,
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
  globalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  ttlAttribute,
});

const now = () => Math.floor(Date.now() / 1000);
const YEAR = 365 * 86_400;

/** Items named by what their `expires_at` holds. */
const cases: Record<string, Record<string, AttributeValue> | undefined> = {
  expired: { expires_at: { N: String(now() - 60) } },
  'expired a year ago': { expires_at: { N: String(now() - YEAR) } },
  'expires in an hour': { expires_at: { N: String(now() + 3_600) } },
  'no ttl attribute': undefined,
  'ttl as a string': { expires_at: { S: String(now() - 60) } },
  'more than five years past': { expires_at: { N: String(now() - 6 * YEAR) } },
  'milliseconds by mistake (far future)': { expires_at: { N: String(Date.now() - 60_000) } },
};

async function putCases(endpoint: string, tableName: string): Promise<void> {
  for (const [sk, ttl] of Object.entries(cases)) {
    await client(endpoint).send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'p' }, sk: { S: sk }, gsi1pk: { S: 'all' }, gsi1sk: { S: sk }, ...ttl },
      }),
    );
  }
}

/** Writes `n` items `run#<i>` (25 a request, all requests at once), `expires_at` as `ttl(i)` says. */
async function putRuns(endpoint: string, n: number, ttl: (i: number) => number): Promise<void> {
  const batches: Promise<unknown>[] = [];
  for (let first = 0; first < n; first += 25) {
    const items = Array.from({ length: Math.min(25, n - first) }, (_, j) => ({
      PutRequest: {
        Item: { pk: { S: `run#${first + j}` }, sk: { S: 'meta' }, expires_at: { N: String(ttl(first + j)) } },
      },
    }));
    batches.push(client(endpoint).send(new BatchWriteItemCommand({ RequestItems: { 'with-ttl': items } })));
  }
  await Promise.all(batches);
}

async function keysLeft(endpoint: string, tableName: string): Promise<string[]> {
  const out = await client(endpoint).send(new ScanCommand({ TableName: tableName }));
  return (out.Items ?? []).map((item) => item.sk?.S ?? '').sort();
}

const kept = Object.keys(cases)
  .filter((k) => k !== 'expired' && k !== 'expired a year ago')
  .sort();

describe('local DynamoDB expires items by TTL, as DynamoDB does', () => {
  let dynamo: LocalDynamo | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await dynamo?.close();
    dynamo = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('deletes items whose TTL number of seconds has passed, from the table and its indexes, and only those', async () => {
    dynamo = await startDynamo({ port: 0, ttlSweepMs: 0 });
    await dynamo.createTables([table('with-ttl', 'expires_at'), table('without-ttl')]);
    await putCases(dynamo.url, 'with-ttl');
    await putCases(dynamo.url, 'without-ttl');

    expect(await dynamo.sweepExpired()).toBe(2);

    expect(await keysLeft(dynamo.url, 'with-ttl')).toEqual(kept);
    const byIndex = await client(dynamo.url).send(
      new QueryCommand({
        TableName: 'with-ttl',
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :all',
        ExpressionAttributeValues: { ':all': { S: 'all' } },
      }),
    );
    expect((byIndex.Items ?? []).map((item) => item.sk?.S).sort()).toEqual(kept);
    // A table without TTL keeps everything.
    expect(await keysLeft(dynamo.url, 'without-ttl')).toEqual(Object.keys(cases).sort());
    // Nothing left to delete: a second pass deletes nothing.
    expect(await dynamo.sweepExpired()).toBe(0);
  });

  it('sweeps across pages, on its own timer', async () => {
    dynamo = await startDynamo({ port: 0, ttlSweepMs: 100 });
    await dynamo.createTables([table('with-ttl', 'expires_at')]);
    const past = now() - 5;
    await putRuns(dynamo.url, 1_200, (i) => (i % 3 === 0 ? past + 3_600 : past));
    const deadline = Date.now() + 30_000;
    let left = 0;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = (await client(dynamo.url).send(new ScanCommand({ TableName: 'with-ttl', Select: 'COUNT' }))).Count ?? 0;
    } while (left > 400 && Date.now() < deadline);

    expect(left).toBe(400);
  });

  it('keeps the deletions in a data folder across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-dynamo-ttl-'));
    dirs.push(dir);
    const first = await startDynamo({ port: 0, dataDir: dir, ttlSweepMs: 0 });
    await first.createTables([table('with-ttl', 'expires_at')]);
    await putCases(first.url, 'with-ttl');
    expect(await first.sweepExpired()).toBe(2);
    await first.close();

    dynamo = await startDynamo({ port: 0, dataDir: dir, ttlSweepMs: 0 });
    await dynamo.createTables([table('with-ttl', 'expires_at')]);
    expect(await keysLeft(dynamo.url, 'with-ttl')).toEqual(kept);
  });

  it('closes while a pass is under way', async () => {
    const local = await startDynamo({ port: 0, ttlSweepMs: 0 });
    await local.createTables([table('with-ttl', 'expires_at')]);
    await putRuns(local.url, 1_100, () => now() - 5);
    const pass = local.sweepExpired();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await local.close();

    // The pass stopped at a page's end rather than failing on a closed client.
    expect(await pass).toBeLessThan(1_100);
  });
});

describe('a TTL pass', () => {
  it('keeps an item whose expiry was pushed back between the read and the delete, as DynamoDB checks again', async () => {
    const { default: dynalite } = await import('dynalite');
    const server = dynalite({ createTableMs: 0 });
    const call = directCall(server.listeners('request')[0] as RequestListener);
    const create = await call('CreateTable', {
      TableName: 'with-ttl',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(create.status).toBe(200);
    await eventually(async () => {
      const described = await call('DescribeTable', { TableName: 'with-ttl' });
      return (described.body.Table as { TableStatus?: string }).TableStatus === 'ACTIVE' ? true : undefined;
    });
    for (const pk of ['a', 'b', 'c']) {
      const put = await call('PutItem', {
        TableName: 'with-ttl',
        Item: { pk: { S: pk }, expires_at: { N: String(now() - 60) } },
      });
      expect(put.status).toBe(200);
    }
    // Between the pass's Scan and its deletes, a writer extends b's expiry.
    const racing: DynamoCall = async (operation, input) => {
      const out = await call(operation, input);
      if (operation === 'Scan') {
        await call('UpdateItem', {
          TableName: 'with-ttl',
          Key: { pk: { S: 'b' } },
          UpdateExpression: 'SET expires_at = :later',
          ExpressionAttributeValues: { ':later': { N: String(now() + 3_600) } },
        });
      }
      return out;
    };
    const sweeper = new TtlSweeper(racing);
    sweeper.add({ name: 'with-ttl', attribute: 'expires_at', keys: ['pk'] });

    expect(await sweeper.sweep()).toBe(2);
    const left = await call('Scan', { TableName: 'with-ttl' });
    expect((left.body.Items as Array<{ pk: { S: string } }>).map((item) => item.pk.S)).toEqual(['b']);
    await sweeper.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('names the operation and the error when dynalite refuses one', async () => {
    const sweeper = new TtlSweeper(async () => ({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: 'Requested resource not found',
      },
    }));
    sweeper.add({ name: 'gone', attribute: 'expires_at', keys: ['pk'] });

    await expect(sweeper.sweep()).rejects.toThrow(
      'Scan answered 400 ResourceNotFoundException: Requested resource not found',
    );
  });
});

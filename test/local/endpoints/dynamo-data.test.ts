import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { startDynamo } from '../../../lib/local/dynamo.ts';
import type { LocalTable } from '../../../lib/local/wiring.ts';
import { sdkConfig } from './helpers.ts';

/** The operator's client (local mode's guard is off here: any credentials do). */
const client = (endpoint: string) => new DynamoDBClient(sdkConfig(endpoint));

async function put(endpoint: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const parity = i % 2 === 0 ? 'even' : 'odd';
    await client(endpoint).send(
      new PutItemCommand({
        TableName: 'steward-history',
        Item: {
          pk: { S: `run#${i}` },
          sk: { S: 'meta' },
          gsi1pk: { S: 'all' },
          gsi1sk: { S: String(i).padStart(4, '0') },
          gsi4pk: { S: `status#${parity}` },
          gsi4sk: { S: String(i).padStart(4, '0') },
        },
      }),
    );
  }
}

async function count(endpoint: string): Promise<number> {
  const out = await client(endpoint).send(new ScanCommand({ TableName: 'steward-history', Select: 'COUNT' }));
  return out.Count ?? 0;
}

const index = (n: number) => ({
  IndexName: `gsi${n}`,
  KeySchema: [
    { AttributeName: `gsi${n}pk`, KeyType: 'HASH' },
    { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'ALL' },
});
const table = (indexes: number[]): LocalTable => ({
  logicalId: 'History',
  name: 'steward-history',
  keySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  attributeDefinitions: ['pk', 'sk', ...indexes.flatMap((n) => [`gsi${n}pk`, `gsi${n}sk`])].map((name) => ({
    AttributeName: name,
    AttributeType: 'S',
  })),
  globalSecondaryIndexes: indexes.map(index),
});

describe('local DynamoDB with a data folder', () => {
  it('reuses a table it finds, and rebuilds one that lacks an index the template now declares, keeping its items', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-dynamo-data-'));
    const first = await startDynamo({ port: 0, dataDir: dir });
    await first.createTables([table([1])]);
    await put(first.url, 30);
    await first.close();

    const again = await startDynamo({ port: 0, dataDir: dir });
    try {
      await again.createTables([table([1])]);
      expect(await count(again.url)).toBe(30);
      await again.createTables([table([1, 4])]);
      expect(await count(again.url)).toBe(30);
      // The new index answers for the items written before it existed.
      const byIndex = await client(again.url).send(
        new QueryCommand({
          TableName: 'steward-history',
          IndexName: 'gsi4',
          KeyConditionExpression: 'gsi4pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'status#even' } },
        }),
      );
      expect(byIndex.Count).toBe(15);
      expect(existsSync(join(dir, 'steward-history.rebuild'))).toBe(false);
    } finally {
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('finishes a rebuild cut short (the table deleted, its items only in the saved file) at the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-dynamo-data-'));
    const first = await startDynamo({ port: 0, dataDir: dir });
    await first.createTables([table([1])]);
    await put(first.url, 12);
    const { Items = [] } = await client(first.url).send(new ScanCommand({ TableName: 'steward-history' }));
    // As a crash leaves it: the items saved whole, the old table already gone.
    writeFileSync(join(dir, 'steward-history.rebuild'), `${Items.map((i) => JSON.stringify(i)).join('\n')}\n`);
    await client(first.url).send(new DeleteTableCommand({ TableName: 'steward-history' }));
    await first.close();

    const again = await startDynamo({ port: 0, dataDir: dir });
    try {
      await again.createTables([table([1, 4])]);
      expect(await count(again.url)).toBe(12);
      expect(existsSync(join(dir, 'steward-history.rebuild'))).toBe(false);
    } finally {
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

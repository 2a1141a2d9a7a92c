import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamo } from '../../../lib/local/dynamo.ts';
import type { LocalTable } from '../../../lib/local/wiring.ts';

const dir = mkdtempSync(join(tmpdir(), 'steward-dynamo-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
  it('reuses a table it finds, and refuses one that lacks an index the template now declares, naming it', async () => {
    const first = await startDynamo({ port: 0, dataDir: dir });
    await first.createTables([table([1])]);
    await first.close();

    const again = await startDynamo({ port: 0, dataDir: dir });
    try {
      await again.createTables([table([1])]);
      await expect(again.createTables([table([1, 4])])).rejects.toThrow(
        /steward-history.*no index gsi4.*new --data folder/,
      );
    } finally {
      await again.close();
    }
  }, 30_000);
});

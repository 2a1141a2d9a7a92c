/**
 * The in-memory DynamoDB stores strings (lib/local/text-store.ts) and still sorts as DynamoDB does: by the UTF-8
 * bytes of string keys, by value for numbers, by bytes for binary, on tables and on indexes.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveTable } from '../../../lib/local/active-table.ts';
import { dynaliteMemoryLevel, textMemoryStore } from '../../../lib/local/text-store.ts';
import { groupedTable } from './helpers.ts';

type Server = { listen(port: number, host: string, cb: () => void): void; address(): unknown; close(): void };

let server: Server;
let client: DynamoDBClient;

beforeAll(async () => {
  textMemoryStore();
  // Loaded after the store is set: dynalite takes memory-level's class when it loads.
  const { default: dynalite } = (await import('dynalite')) as unknown as {
    default: (o: Record<string, number>) => Server;
  };
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  for (const [name, type] of [
    ['S', 'S'],
    ['N', 'N'],
    ['B', 'B'],
  ] as const) {
    await createActiveTable(client, groupedTable(`sorted-${name}`, type));
  }
});

afterAll(() => {
  client?.destroy();
  server?.close();
});

/** Every item of a partition, table or index, in the order DynamoDB answered. */
async function queryAll(table: string, pk: string, index?: string): Promise<QueryCommandOutput['Items']> {
  const items: NonNullable<QueryCommandOutput['Items']> = [];
  let start: QueryCommandOutput['LastEvaluatedKey'];
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: index,
        KeyConditionExpression: index ? 'gpk = :pk' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ExclusiveStartKey: start,
        Limit: 7,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

let partition = 0;

/** Puts the keys in one partition and checks both the table and the index answer them in `order`. */
async function checkOrder<T>(
  table: string,
  keys: T[],
  toAttr: (k: T) => Record<string, unknown>,
  fromAttr: (v: Record<string, unknown>) => T,
  order: (a: T, b: T) => number,
): Promise<void> {
  const pk = `p${partition++}`;
  for (const key of keys) {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: pk }, gpk: { S: pk }, sk: toAttr(key) as never },
      }),
    );
  }
  const expected = [...keys].sort(order);
  for (const index of [undefined, 'byGroup']) {
    const items = await queryAll(table, pk, index);
    expect((items ?? []).map((i) => fromAttr(i.sk as unknown as Record<string, unknown>))).toEqual(expected);
  }
}

describe('the in-memory DynamoDB, storing strings', () => {
  it('is the store dynalite creates', () => {
    type Encodings = Record<string, boolean | undefined>;
    const store = new (dynaliteMemoryLevel() as new (o: object) => { supports: { encodings: Encodings } })({});
    // Natively: strings, and JSON (dynalite's values) through them; Buffers would be transcoded.
    expect(store.supports.encodings).toMatchObject({ utf8: true, json: true });
    expect(store.supports.encodings.buffer).toBeFalsy();
    textMemoryStore(); // once per thread, however often asked
    expect(dynaliteMemoryLevel()).toBeDefined();
  });

  it('sorts string keys by their UTF-8 bytes, as DynamoDB does, on every plane of Unicode (property)', async () => {
    // Characters from U+E000 up sort after surrogate pairs in UTF-16 but before them in UTF-8: the case to get right.
    const char = fc.oneof(
      fc.constantFrom('a', 'Z', '~', '\u00e9', '\ue000', '\uffee', '\u{1f600}', '\u{10ffff}', '#'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    const key = fc.array(char, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { minLength: 1, maxLength: 12 }), async (keys) => {
        await checkOrder(
          'sorted-S',
          keys,
          (k) => ({ S: k }),
          (v) => v.S as string,
          (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)),
        );
      }),
      { numRuns: 25 },
    );
  });

  it('sorts number keys by value and binary keys by bytes (property)', async () => {
    const number = fc.oneof(
      fc.integer({ min: -1e9, max: 1e9 }),
      fc.integer().map((n) => n / 1000),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(number, { minLength: 1, maxLength: 10, selector: (n) => Number(String(n)) }),
        async (numbers) => {
          await checkOrder(
            'sorted-N',
            numbers.map((n) => Number(String(n))),
            (n) => ({ N: String(n) }),
            (v) => Number(v.N),
            (a, b) => a - b,
          );
        },
      ),
      { numRuns: 20 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 10,
          selector: (b) => Buffer.from(b).toString('hex'),
        }),
        async (blobs) => {
          await checkOrder(
            'sorted-B',
            blobs.map((b) => Buffer.from(b).toString('hex')),
            (hex) => ({ B: Buffer.from(hex, 'hex') }),
            (v) => Buffer.from(v.B as Uint8Array).toString('hex'),
            (a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')),
          );
        },
      ),
      { numRuns: 20 },
    );
  });
});

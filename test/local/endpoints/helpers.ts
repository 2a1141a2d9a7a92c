import { fileURLToPath } from 'node:url';
import type { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { LocalFunction } from '../../../lib/local/lambda/index.ts';

/** Absolute path of a fixture handler. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));
}

/** A LocalFunction for a fixture handler. */
export function fixtureFunction(
  name: string,
  fixtureName: string,
  env: Record<string, string> = {},
  timeoutSeconds = 10,
): LocalFunction {
  return {
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    entry: fixture(fixtureName),
    env,
    timeoutSeconds,
    memoryMb: 256,
  };
}

/** Credentials and region for SDK clients pointed at the local endpoint. */
export function sdkConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
}

/** Polls `check` until it returns a defined value or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * CreateTable input of a table keyed `pk` (string) and `sk` (of `sortType`), with a global index `byGroup` keyed
 * `gpk` and the same `sk`, projecting everything.
 */
export function groupedTable(
  TableName: string,
  sortType: 'S' | 'N' | 'B' = 'S',
): ConstructorParameters<typeof CreateTableCommand>[0] {
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: sortType },
      { AttributeName: 'gpk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byGroup',
        KeySchema: [
          { AttributeName: 'gpk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

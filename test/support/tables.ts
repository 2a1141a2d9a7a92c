import { randomUUID } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../../lib/core/env.ts';
import { TABLES, type TableDefinition } from '../../lib/core/tables.ts';

/** CreateTable input for a Steward table definition (shared with local mode's set-up). */
export function createTableInput(
  table: TableDefinition,
  name: string,
): ConstructorParameters<typeof CreateTableCommand>[0] {
  const attributes = new Set<string>([table.partitionKey, table.sortKey]);
  for (const g of table.globalSecondaryIndexes) {
    attributes.add(g.partitionKey);
    attributes.add(g.sortKey);
  }
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: table.partitionKey, KeyType: 'HASH' },
      { AttributeName: table.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((g) => ({
      IndexName: g.indexName,
      KeySchema: [
        { AttributeName: g.partitionKey, KeyType: 'HASH' },
        { AttributeName: g.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/**
 * Creates fresh registry and history tables on the test run's local DynamoDB and points the handlers' environment
 * at them. Call it in `beforeAll` BEFORE importing a handler module (handlers read their configuration at import).
 */
export async function useFreshTables(client: DynamoDBClient): Promise<{ registry: string; history: string }> {
  const suffix = randomUUID().slice(0, 8);
  const names = { registry: `steward-registry-${suffix}`, history: `steward-history-${suffix}` };
  for (const table of TABLES) await client.send(new CreateTableCommand(createTableInput(table, names[table.id])));
  process.env[ENV.registryTable] = names.registry;
  process.env[ENV.historyTable] = names.history;
  return names;
}

/**
 * Steward's tables on a local DynamoDB, for `steward test`'s environment and the handler tests: the CreateTable input
 * of a table definition (created with lib/local/active-table.ts). Kept apart from environment.ts, which loads
 * dynalite: a test that prepares dynalite's store first must be able to use it without loading dynalite.
 */
import type { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from '../../core/tables.ts';

/** CreateTable input for a Steward table definition (the handler tests create their tables with it too). */
export function createTableInput(
  table: TableDefinition,
  name: string,
): ConstructorParameters<typeof CreateTableCommand>[0] {
  const attributes = new Set<string>([table.partitionKey, table.sortKey]);
  for (const g of table.globalSecondaryIndexes) attributes.add(g.partitionKey).add(g.sortKey);
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

/**
 * Steward's tables on a local DynamoDB, for `steward test`'s environment and the handler tests: the CreateTable input
 * of a table definition, and a creation that waits until the table can be written. Kept apart from environment.ts,
 * which loads dynalite: a test that prepares dynalite's store first must be able to use these without loading it.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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

/**
 * Creates a table and resolves once it is ACTIVE. DynamoDB (and dynalite, even with no delay configured) answers
 * CreateTable while the table is still CREATING, and a write to it then is refused (ResourceNotFoundException); on a
 * busy machine the moment in between is long enough to meet.
 */
export async function createActiveTable(
  client: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
): Promise<void> {
  await client.send(new CreateTableCommand(input));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) throw new Error(`table ${input.TableName} was not ACTIVE within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

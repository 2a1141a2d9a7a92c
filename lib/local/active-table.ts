/**
 * Creating a table on a local DynamoDB (local mode's, `steward test`'s, the tests'): it answers CreateTable while the
 * table is still CREATING, and a write to it then is refused (ResourceNotFoundException). No dynalite import here, so
 * a test that prepares dynalite's store first can use it.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Creates a table and resolves once it is ACTIVE (polled every 5 ms: dynalite, even with no delay configured, makes it
 * so a moment after it answers, and on a busy machine that moment is long enough to meet).
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
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

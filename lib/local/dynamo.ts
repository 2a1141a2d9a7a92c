/**
 * DynamoDB for local mode: dynalite on 127.0.0.1 (in memory, or in a directory with `--data`), with Steward's tables
 * created from the synthesized templates' key schemas.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_REGION } from './cfn.ts';
import type { LocalTable } from './wiring.ts';

export interface LocalDynamo {
  url: string;
  /** Creates the tables that do not exist yet (a `--data` directory keeps them across restarts). */
  createTables(tables: readonly LocalTable[]): Promise<void>;
  close(): Promise<void>;
}

/** Starts dynalite; rejects with the listen error (EADDRINUSE …) leaving nothing open. */
export async function startDynamo(options: { port: number; dataDir?: string }): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.dataDir });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'steward-local', secretAccessKey: 'steward-local' },
  });
  return {
    url,
    async createTables(tables) {
      for (const table of tables) {
        const exists = await client
          .send(new DescribeTableCommand({ TableName: table.name }))
          .then(() => true)
          .catch((error: { name?: string }) => {
            if (error.name === 'ResourceNotFoundException') return false;
            throw error;
          });
        if (exists) continue;
        const gsis = table.globalSecondaryIndexes as Array<Record<string, unknown>>;
        await client.send(
          new CreateTableCommand({
            TableName: table.name,
            BillingMode: 'PAY_PER_REQUEST',
            KeySchema: table.keySchema as never,
            AttributeDefinitions: table.attributeDefinitions as never,
            ...(gsis.length > 0
              ? {
                  GlobalSecondaryIndexes: gsis.map((g) => ({
                    IndexName: g.IndexName as string,
                    KeySchema: g.KeySchema as never,
                    Projection: (g.Projection as never) ?? { ProjectionType: 'ALL' },
                  })),
                }
              : {}),
          }),
        );
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../lib/cli/workflow-test/tables.ts';
import { ENV } from '../../lib/core/env.ts';
import { TABLES } from '../../lib/core/tables.ts';
import { createActiveTable } from '../../lib/local/active-table.ts';

/**
 * Creates fresh registry and history tables on the test run's local DynamoDB and points the handlers' environment
 * at them. Call it in `beforeAll` BEFORE importing a handler module (handlers read their configuration at import).
 */
export async function useFreshTables(client: DynamoDBClient): Promise<{ registry: string; history: string }> {
  const suffix = randomUUID().slice(0, 8);
  const names = { registry: `steward-registry-${suffix}`, history: `steward-history-${suffix}` };
  for (const table of TABLES) await createActiveTable(client, createTableInput(table, names[table.id]));
  process.env[ENV.registryTable] = names.registry;
  process.env[ENV.historyTable] = names.history;
  return names;
}

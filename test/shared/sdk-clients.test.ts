import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';

/**
 * Counts how often the SDK's logger middleware runs a call's input and output through the sensitive-data filter
 * (it reads the filters from the call's context after the call; this middleware puts counting ones there).
 */
async function filterWalks(client: DynamoDBClient): Promise<number> {
  let walks = 0;
  const name = `count-filter-walks-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      context.inputFilterSensitiveLog = () => {
        walks++;
        return {};
      };
      context.outputFilterSensitiveLog = () => {
        walks++;
        return {};
      };
      return next(args);
    },
    { step: 'build', name },
  );
  try {
    await client.send(new ListTablesCommand({}));
  } finally {
    client.middlewareStack.remove(name);
  }
  return walks;
}

describe("handlers' AWS SDK clients", () => {
  it('skip the sensitive-data walk the default client does for a log line it then drops', async () => {
    const plain = new DynamoDBClient({});
    try {
      expect(await filterWalks(plain)).toBe(2);
    } finally {
      plain.destroy();
    }
    expect(await filterWalks(dynamodb)).toBe(0);
  });
});

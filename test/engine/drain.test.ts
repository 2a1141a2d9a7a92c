/**
 * Batch writes and reads past DynamoDB's limits: unprocessed items are retried with backoff until they go through,
 * and an error names what is left when they never do (items are never dropped silently). Queries are drained over
 * every page.
 */
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ddb } from '../../lambdas/shared/clients/dynamodb.ts';
import {
  BATCH_RETRY,
  batchGetAll,
  batchWriteAll,
  queryAll,
  UnprocessedItemsError,
} from '../../lambdas/shared/repositories/drain.ts';
import { useFreshTables } from '../support/tables.ts';

const puts = (n: number) => Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: `P#${i}`, sk: 'X' } } }));

describe('batches with unprocessed items', () => {
  let mock: ReturnType<typeof mockClient>;
  beforeEach(() => {
    mock = mockClient(ddb);
    // No waiting between retries in these tests: the backoff's length is not what they check.
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    mock.restore();
  });

  it('writes 60 requests in calls of at most 25, retrying what DynamoDB left unprocessed', async () => {
    const requests = puts(60);
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: requests.slice(20, 25) } })
      .resolves({ UnprocessedItems: {} });

    await batchWriteAll('t', requests);

    const sizes = mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t?.length);
    expect(sizes).toEqual([25, 5, 25, 10]);
  });

  it('throws naming how many items remain when they never go through', async () => {
    mock.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: input.RequestItems }));

    const error = await batchWriteAll('t', puts(3)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect((error as UnprocessedItemsError).remaining).toBe(3);
    expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(BATCH_RETRY.attempts);
  });

  it('reads every key, retrying unprocessed keys', async () => {
    mock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [{ pk: 'a' }] }, UnprocessedKeys: { t: { Keys: [{ pk: 'b' }] } } })
      .resolves({ Responses: { t: [{ pk: 'b' }] } });

    const items = await batchGetAll('t', [{ pk: 'a' }, { pk: 'b' }]);

    expect(items).toEqual([{ pk: 'a' }, { pk: 'b' }]);
  });
});

describe('queries over every page', () => {
  let table = '';
  beforeAll(async () => {
    const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
    table = (await useFreshTables(dynamodb)).history;
  });

  it('collects items past the first page', async () => {
    await batchWriteAll(
      table,
      Array.from({ length: 30 }, (_, i) => ({
        PutRequest: { Item: { pk: 'EXEC#q', sk: `STEP#${String(i).padStart(2, '0')}` } },
      })),
    );

    const items = await queryAll({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'EXEC#q' },
      Limit: 7,
    });

    expect(items).toHaveLength(30);
  });
});

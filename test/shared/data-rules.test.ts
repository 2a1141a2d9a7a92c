import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataRuleViolation, enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';

describe('data rules middleware', () => {
  const client = new DynamoDBClient({});
  let table = '';

  beforeAll(async () => {
    table = (await useFreshTables(client)).history;
    enforceDataRules(client);
  });

  it('fails any Scan before it is sent', async () => {
    await expect(client.send(new ScanCommand({ TableName: table }))).rejects.toBeInstanceOf(DataRuleViolation);
  });

  it('fails a status write without a condition and lets a conditional one through', async () => {
    const item = { pk: { S: 'EXEC#1' }, sk: { S: 'META' }, status: { S: 'running' } };

    await expect(client.send(new PutItemCommand({ TableName: table, Item: item }))).rejects.toThrow(
      /without a ConditionExpression/,
    );
    await client.send(
      new PutItemCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    await expect(
      client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': { S: 'paused' } },
        }),
      ),
    ).rejects.toThrow(DataRuleViolation);

    const stored = await client.send(new GetItemCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
    expect(stored.Item?.status?.S).toBe('running');
  });

  it('lets writes that do not touch status through unconditionally', async () => {
    await client.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'EVT#1' }, sk: { S: 'META' }, type: { S: 'x' } } }),
    );
    const stored = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'EVT#1' }, sk: { S: 'META' } } }),
    );
    expect(stored.Item?.type?.S).toBe('x');
  });
});

/**
 * DynamoDB's guard runs in DynamoDB's own thread, rebuilt from the main guard: it must decide exactly as the main
 * guard does, recognize keys the main thread issues after the start, and report its denials and decision counters
 * to the main guard (the status page and the log read them there).
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../../lib/local/dynamo.ts';
import { LocalIam } from '../../../lib/local/iam/guard.ts';
import { deriveIamModel } from '../../../lib/local/iam/model.ts';
import { arn, fnWithRole, stack } from './fixtures.ts';

const TABLE = arn('dynamodb', 'table/Tab');
const model = deriveIamModel(
  stack({
    ...fnWithRole('reader', [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: TABLE }]),
  }),
);
const READER = 'arn:aws:iam::000000000000:role/role-reader';

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DynamoDB behind its guard, in its own thread', () => {
  let iam: LocalIam;
  let dynamo: LocalDynamo;
  const ddb = (credentials: { accessKeyId: string; secretAccessKey: string }): DynamoDBClient =>
    new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials, maxAttempts: 1 });

  beforeAll(async () => {
    iam = new LocalIam(model);
    dynamo = await startDynamo({ port: 0, guard: iam });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('decides each operation as a guard of the main thread does, and reports denials and counters to the main guard', async () => {
    const client = ddb(iam.keysFor(READER));
    // The expected decisions, from a guard of the main thread over the same model (not `iam`: its list must hold only
    // what DynamoDB's thread reports).
    const reference = new LocalIam(model);
    const caller = {
      kind: 'role' as const,
      accessKeyId: iam.keysFor(READER).accessKeyId,
      roleArn: READER,
      roleName: 'role-reader',
    };
    const cases = [
      {
        command: new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'x' } } }),
        op: 'GetItem',
        input: { TableName: 'Tab' },
      },
      {
        command: new PutItemCommand({ TableName: 'Tab', Item: { pk: { S: 'x' } } }),
        op: 'PutItem',
        input: { TableName: 'Tab' },
      },
      {
        command: new QueryCommand({
          TableName: 'Tab',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'x' } },
        }),
        op: 'Query',
        input: { TableName: 'Tab' },
      },
    ];
    const before = iam.recentDenials().length;
    const lookupsBefore = iam.authorizer.stats().lookups;
    for (const { command, op, input } of cases) {
      const main = await reference.authorize(caller, 'dynamodb', op, input);
      // biome-ignore lint/suspicious/noExplicitAny: one client, three command types
      const answer = await client.send(command as any).catch((e: { name: string; message: string }) => e);
      if (main) {
        expect(answer).toMatchObject({ name: 'AccessDeniedException', message: main.message });
      } else {
        // Allowed through to dynalite, which has no such table.
        expect(answer).toMatchObject({ name: 'ResourceNotFoundException' });
      }
    }
    // PutItem and Query were refused in DynamoDB's thread: both are in the main guard's list, newest first.
    const denials = await eventually(() => {
      const all = iam.recentDenials();
      return all.length >= before + 2 ? all : undefined;
    });
    expect(reference.recentDenials()).toHaveLength(2);
    expect(denials.slice(0, 2).map((d) => d.action)).toEqual(['dynamodb:Query', 'dynamodb:PutItem']);
    expect(denials[0]).toMatchObject({ roleArn: READER, functions: ['fn-reader'], resource: TABLE });
    // The thread's lookups are counted with the main guard's (reported at most once a second).
    await eventually(() => (iam.authorizer.stats().lookups >= lookupsBefore + 3 ? true : undefined));
  });

  it('recognizes a key the main thread issues after the start', async () => {
    // A role the templates do not hold: only the message the main thread sends when issuing it can make it known.
    const lateRole = 'arn:aws:iam::000000000000:role/role-late';
    const client = ddb(iam.keysFor(lateRole));
    const answer = await eventually(async () => {
      const e = await client
        .send(new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'x' } } }))
        .catch((error: { name: string }) => error);
      return (e as { name: string }).name === 'UnrecognizedClientException' ? undefined : e;
    });
    // Authenticated, then refused by IAM: the role has no policy.
    expect(answer).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses a key of another run', async () => {
    const other = new LocalIam(model);
    const answer = await ddb(other.keysFor(READER))
      .send(new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'x' } } }))
      .catch((e: unknown) => e);
    expect(answer).toMatchObject({ name: 'InvalidSignatureException' });
  });
});

describe('DynamoDB with IAM not enforced, in its own thread', () => {
  it('lets a signed call through that the role does not allow', async () => {
    const iam = new LocalIam(model, { enforce: false });
    const dynamo = await startDynamo({ port: 0, guard: iam });
    try {
      const client = new DynamoDBClient({
        endpoint: dynamo.url,
        region: 'us-east-1',
        credentials: iam.keysFor(READER),
        maxAttempts: 1,
      });
      const answer = await client
        .send(new PutItemCommand({ TableName: 'Tab', Item: { pk: { S: 'x' } } }))
        .catch((e: unknown) => e);
      expect(answer).toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      await dynamo.close();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { ddb, dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { eventBridge } from '../../lambdas/shared/clients/eventbridge.ts';

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

  it('resolve each command class’s middleware once, a document command’s included, and send each command’s own input', async () => {
    // Answered before anything is sent: what reached the wire (the serialized body) is recorded.
    const bodies: unknown[] = [];
    dynamodb.middlewareStack.add(
      () => async (args) => {
        bodies.push(JSON.parse(String((args.request as { body: string }).body)));
        return { output: { $metadata: {} }, response: {} };
      },
      { step: 'build', name: 'answerDocumentCommands' },
    );
    const resolves = vi.spyOn(GetItemCommand.prototype, 'resolveMiddleware');
    for (const pk of ['a', 'b', 'c']) await ddb.send(new GetCommand({ TableName: 'T', Key: { pk } }));
    expect(resolves).toHaveBeenCalledTimes(1);
    // lib-dynamodb's handler, kept by the SDK's cache, would have sent `a` three times.
    expect(bodies.map((b) => (b as { Key: unknown }).Key)).toEqual([
      { pk: { S: 'a' } },
      { pk: { S: 'b' } },
      { pk: { S: 'c' } },
    ]);
    // Values are marshalled per command too, undefined ones dropped as configured.
    await ddb.send(
      new UpdateCommand({
        TableName: 'T',
        Key: { pk: 'd' },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 7, ':gone': undefined },
      }),
    );
    expect(bodies.at(-1)).toMatchObject({ Key: { pk: { S: 'd' } }, ExpressionAttributeValues: { ':n': { N: '7' } } });
    resolves.mockRestore();
  });

  it('keep their configuration in V8’s fast-property mode, which the SDK’s own construction leaves', () => {
    const script = fileURLToPath(new URL('./fixtures/fast-config.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', script], {
      env: { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
      encoding: 'utf8',
    });
    const { fast, plain, afterWrites } = JSON.parse(out) as {
      fast: Record<string, boolean>;
      plain: boolean;
      afterWrites: boolean;
    };

    // Without withFastConfig the SDK leaves it in dictionary mode: that is what every call's spreads paid for.
    expect(plain).toBe(false);
    expect(Object.keys(fast)).toHaveLength(9);
    for (const [name, isFast] of Object.entries(fast)) expect(isFast, name).toBe(true);
    expect(afterWrites).toBe(true);
  }, 60_000);

  it('resolve a low-level command’s middleware once (the SDK’s cacheMiddleware)', async () => {
    eventBridge.middlewareStack.add(
      () => async () => ({ output: { FailedEntryCount: 0, Entries: [], $metadata: {} }, response: {} }),
      {
        step: 'initialize',
        name: 'answerPutEvents',
      },
    );
    const resolves = vi.spyOn(PutEventsCommand.prototype, 'resolveMiddleware');
    for (let i = 0; i < 3; i++)
      await eventBridge.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 't', Detail: '{}' }] }));
    expect(resolves).toHaveBeenCalledTimes(1);
    resolves.mockRestore();
  });
});

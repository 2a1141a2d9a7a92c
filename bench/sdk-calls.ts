/**
 * CPU of one AWS SDK call as the handlers make it (lambdas/shared/clients/config.ts: the logger without `info`, each
 * command class's middleware resolved once), with the client's configuration in V8's fast-property mode
 * (`withFastConfig`, what every client module exports) and as the SDK leaves it (dictionary mode). The request
 * handler is a stub that answers at once, so the figure is the SDK's own work: serialization, endpoint, signing,
 * retry bookkeeping, deserialization. Three operations a run makes: DynamoDB UpdateItem, Step Functions
 * SendTaskSuccess, EventBridge PutEvents. Each variant runs in a child process of its own (a fresh V8, warmed up
 * first), alternating, five rounds; the median of the rounds is reported.
 * Usage: npx tsx bench/sdk-calls.ts   (writes bench/results/sdk-calls.json)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './support/local-steward.ts';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, 'results', 'sdk-calls.json');
const ROUNDS = 5;
const OPERATIONS = ['dynamodb.UpdateItem', 'sfn.SendTaskSuccess', 'events.PutEvents'] as const;
type Operation = (typeof OPERATIONS)[number];

/** One measurement in this process: µs of CPU per call after a warm-up. */
async function measure(operation: Operation, fast: boolean): Promise<number> {
  const [{ clientConfig, withFastConfig }, { HttpResponse }] = await Promise.all([
    import('../lambdas/shared/clients/config.ts'),
    import('@smithy/core/transport'),
  ]);
  const answer = (contentType: string, body: string) => ({
    handle: async () => ({
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': contentType },
        body: new Uint8Array(Buffer.from(body)),
      }),
    }),
  });
  const made = <T extends { config: object }>(client: T): T => (fast ? withFastConfig(client) : client);
  let call: () => Promise<unknown>;
  if (operation === 'dynamodb.UpdateItem') {
    const { DynamoDBClient, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const client = made(
      new DynamoDBClient({
        ...clientConfig,
        requestHandler: answer('application/x-amz-json-1.0', '{"Attributes":{"status":{"S":"running"}}}'),
      }),
    );
    let i = 0;
    call = () =>
      client.send(
        new UpdateItemCommand({
          TableName: 'history',
          Key: { pk: { S: `EXEC#${i++}` }, sk: { S: 'STEP#step_1' } },
          UpdateExpression: 'SET #s = :s, attempts = :a, started_at = :t',
          ConditionExpression: 'attribute_not_exists(pk) OR #s <> :c',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':s': { S: 'running' },
            ':a': { N: '1' },
            ':t': { S: new Date().toISOString() },
            ':c': { S: 'compensated' },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
  } else if (operation === 'sfn.SendTaskSuccess') {
    const { SFNClient, SendTaskSuccessCommand } = await import('@aws-sdk/client-sfn');
    const client = made(new SFNClient({ ...clientConfig, requestHandler: answer('application/x-amz-json-1.0', '{}') }));
    call = () => client.send(new SendTaskSuccessCommand({ taskToken: 'token', output: '{"status":"completed"}' }));
  } else {
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const client = made(
      new EventBridgeClient({
        ...clientConfig,
        requestHandler: answer('application/x-amz-json-1.1', '{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}'),
      }),
    );
    call = () =>
      client.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: 'steward', Source: 'steward', DetailType: 'workflow.step_completed', Detail: '{}' },
          ],
        }),
      );
  }
  for (let i = 0; i < 3_000; i++) await call();
  const calls = 10_000;
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await call();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

const child = process.argv[2];
if (child) {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'bench';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  process.stdout.write(`${await measure(child as Operation, process.argv[3] === 'fast')}\n`);
} else {
  const figures: Record<string, { fast_us: number; dictionary_us: number; saved: number; rounds: number }> = {};
  for (const operation of OPERATIONS) {
    const runs = { fast: [] as number[], dictionary: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of ['dictionary', 'fast'] as const) {
        const out = execFileSync(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(import.meta.url), operation, variant],
          {
            encoding: 'utf8',
          },
        );
        runs[variant].push(Number(out.trim()));
      }
    }
    const fast = median(runs.fast);
    const dictionary = median(runs.dictionary);
    figures[operation] = {
      fast_us: Math.round(fast),
      dictionary_us: Math.round(dictionary),
      saved: Number((1 - fast / dictionary).toFixed(2)),
      rounds: ROUNDS,
    };
    console.log(
      `${operation}: ${Math.round(fast)} µs of CPU a call with the configuration in fast mode, ${Math.round(dictionary)} µs as the SDK leaves it (${Math.round(100 * (1 - fast / dictionary))} % less; median of ${ROUNDS} rounds, stub HTTP handler)`,
    );
  }
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ measured_at: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

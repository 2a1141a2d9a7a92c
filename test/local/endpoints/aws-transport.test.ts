/**
 * Local mode's SDK transport (lambdas/shared/clients/local-transport.ts, lib/local/aws/port-server.ts): a function's
 * requests to local mode's endpoints travel over message ports instead of loopback HTTP. Everything an HTTP request
 * meets must still be met: the signature check, IAM, the service's answers and errors, binary payloads and headers,
 * aborts, an endpoint that goes away, and HTTP for any origin without a port.
 */

import { MessageChannel } from 'node:worker_threads';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_AWS_PORTS,
  localRequestHandler,
  localRequestHandlerFromHost,
} from '../../../lambdas/shared/clients/local-transport.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { servePort } from '../../../lib/local/aws/port-server.ts';
import { type LocalDynamo, startDynamo } from '../../../lib/local/dynamo.ts';
import { LocalIam } from '../../../lib/local/iam/guard.ts';
import { deriveIamModel } from '../../../lib/local/iam/model.ts';
import { arn, fnWithRole, stack } from '../iam/fixtures.ts';

const TABLE = arn('dynamodb', 'table/Tab');
const model = deriveIamModel(
  stack({
    ...fnWithRole('owner', [{ Effect: 'Allow', Action: ['dynamodb:*'], Resource: TABLE }]),
    ...fnWithRole('reader', [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: TABLE }]),
  }),
);
const OWNER = 'arn:aws:iam::000000000000:role/role-owner';
const READER = 'arn:aws:iam::000000000000:role/role-reader';

type Keys = { accessKeyId: string; secretAccessKey: string };

/** What a call ended with: its output, or its error's name, message and status. */
const outcome = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    (output) => ({ ok: output as { $metadata?: unknown; [k: string]: unknown } }),
    (error: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
      error: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
    }),
  );

/** An output without its request id and attempt counters, which differ between any two calls. */
const plain = (o: unknown): unknown => {
  const { ok } = o as { ok?: Record<string, unknown> };
  if (!ok) return o;
  const { $metadata: _, ...rest } = ok;
  return { ok: rest };
};

describe('DynamoDB over a port', () => {
  let iam: LocalIam;
  let dynamo: LocalDynamo;
  const overHttp = (keys: Keys): DynamoDBClient =>
    new DynamoDBClient({ endpoint: dynamo.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
  const overPort = (keys: Keys): DynamoDBClient =>
    new DynamoDBClient({
      endpoint: dynamo.url,
      region: 'us-east-1',
      credentials: keys,
      maxAttempts: 1,
      requestHandler: localRequestHandler({ [new URL(dynamo.url).origin]: dynamo.connect() }),
    });

  beforeAll(async () => {
    iam = new LocalIam(model);
    dynamo = await startDynamo({ port: 0, guard: iam });
    await overHttp(iam.keysFor(OWNER)).send(
      new CreateTableCommand({
        TableName: 'Tab',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('answers every call as HTTP does: writes, reads, refused conditions, IAM and signature refusals', async () => {
    const calls: Array<[string, (client: DynamoDBClient) => Promise<unknown>, Keys]> = [
      [
        'put',
        (c) =>
          c.send(
            new PutItemCommand({
              TableName: 'Tab',
              Item: { pk: { S: 'a' }, n: { N: '1' }, b: { B: new Uint8Array([0, 255, 7]) } },
            }),
          ),
        iam.keysFor(OWNER),
      ],
      [
        'get',
        (c) => c.send(new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'a' } }, ConsistentRead: true })),
        iam.keysFor(OWNER),
      ],
      [
        'refused condition',
        (c) =>
          c.send(
            new PutItemCommand({
              TableName: 'Tab',
              Item: { pk: { S: 'a' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        iam.keysFor(OWNER),
      ],
      [
        'read allowed',
        (c) => c.send(new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'a' } } })),
        iam.keysFor(READER),
      ],
      [
        'write denied',
        (c) => c.send(new PutItemCommand({ TableName: 'Tab', Item: { pk: { S: 'b' } } })),
        iam.keysFor(READER),
      ],
      ['another run’s key', (c) => c.send(new ScanCommand({ TableName: 'Tab' })), new LocalIam(model).keysFor(OWNER)],
      [
        'unknown key',
        (c) => c.send(new ScanCommand({ TableName: 'Tab' })),
        { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' },
      ],
    ];
    for (const [name, call, keys] of calls) {
      const viaHttp = plain(await outcome(call(overHttp(keys))));
      const viaPort = plain(await outcome(call(overPort(keys))));
      expect({ name, answer: viaPort }).toEqual({ name, answer: viaHttp });
    }
    // The cases above did reach every branch: a success with a binary attribute, a refused condition, IAM's refusal,
    // the signature check's two.
    const answers = await Promise.all(calls.map(([, call, keys]) => outcome(call(overPort(keys)))));
    expect((answers[1] as { ok: { Item: { b: { B: Uint8Array } } } }).ok.Item.b.B).toEqual(new Uint8Array([0, 255, 7]));
    expect(answers.slice(2).map((a) => (a as { error?: string }).error)).toEqual([
      'ConditionalCheckFailedException',
      undefined,
      'AccessDeniedException',
      'InvalidSignatureException',
      'UnrecognizedClientException',
    ]);
  });

  it('fails the calls in flight, retryably, when DynamoDB’s thread goes away', async () => {
    const own = await startDynamo({ port: 0, guard: new LocalIam(model) });
    const client = new DynamoDBClient({
      endpoint: own.url,
      region: 'us-east-1',
      credentials: iam.keysFor(OWNER),
      maxAttempts: 1,
      requestHandler: localRequestHandler({ [new URL(own.url).origin]: own.connect() }),
    });
    await own.close();
    const answer = await client.send(new ScanCommand({ TableName: 'Tab' })).catch((e: unknown) => e);
    expect(answer).toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('the AWS endpoint over a port', () => {
  let endpoint: AwsEndpoint;
  const invoked: unknown[] = [];

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({
      port: 0,
      services: {
        stepFunctions: {
          ListStateMachines: () => ({
            stateMachines: [{ name: 'one', stateMachineArn: 'arn:x', type: 'STANDARD', creationDate: 1 }],
          }),
        },
        lambda: {
          invoke: async (name, payload) => {
            invoked.push(payload);
            return name === 'fails'
              ? { ok: false, errorType: 'Boom', errorMessage: 'it failed', trace: [] }
              : { ok: true, payload: { echoed: payload } };
          },
        },
      },
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  const clients = () => {
    const config = {
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    };
    const handler = localRequestHandler({ [new URL(endpoint.url).origin]: endpoint.connect() });
    return {
      http: { sfn: new SFNClient(config), lambda: new LambdaClient(config) },
      port: {
        sfn: new SFNClient({ ...config, requestHandler: handler }),
        lambda: new LambdaClient({ ...config, requestHandler: handler }),
      },
    };
  };

  it('answers JSON and REST calls as HTTP does, binary payloads and error headers included', async () => {
    const { http, port } = clients();
    const payload = new TextEncoder().encode(JSON.stringify({ text: 'é ✓', n: 1 }));
    const calls: Array<[string, (c: typeof http) => Promise<unknown>]> = [
      ['list', (c) => c.sfn.send(new ListStateMachinesCommand({}))],
      ['invoke', (c) => c.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload }))],
      ['invoke that fails', (c) => c.lambda.send(new InvokeCommand({ FunctionName: 'fails', Payload: payload }))],
      [
        'async invoke',
        (c) => c.lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: payload })),
      ],
      ['dry run', (c) => c.lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }))],
      ['unknown operation', (c) => c.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:x' }))],
    ];
    for (const [name, call] of calls) {
      const viaHttp = plain(await outcome(call(http)));
      const viaPort = plain(await outcome(call(port)));
      expect({ name, answer: viaPort }).toEqual({ name, answer: viaHttp });
    }
    const failed = (await port.lambda.send(new InvokeCommand({ FunctionName: 'fails' }))) as {
      FunctionError?: string;
      Payload?: Uint8Array;
    };
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(failed.Payload))).toMatchObject({ errorType: 'Boom' });
    expect(invoked).toContainEqual({ text: 'é ✓', n: 1 });
  });

  it('sends a call to an origin without a port over HTTP', async () => {
    const other = localRequestHandler({ 'http://127.0.0.1:1': new MessageChannel().port1 });
    const sfn = new SFNClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      requestHandler: other,
    });
    const out = await sfn.send(new ListStateMachinesCommand({}));
    expect(out.stateMachines?.map((m) => m.name)).toEqual(['one']);
    other.destroy();
  });
});

describe('the transport’s own rules', () => {
  it('rejects an aborted call without waiting for an answer that never comes', async () => {
    const { port1, port2 } = new MessageChannel();
    servePort(port1, () => undefined); // a listener that never answers
    const handler = localRequestHandler({ 'http://127.0.0.1:9': port2 });
    const controller = new AbortController();
    const call = handler.handle(
      {
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 9,
        method: 'POST',
        path: '/',
        query: {},
        headers: {},
        body: '{}',
      } as never,
      { abortSignal: controller.signal as never },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    port1.close();
  });

  it('passes the request line, lower-case headers and body to the listener, and its answer back', async () => {
    const { port1, port2 } = new MessageChannel();
    let seen: unknown;
    servePort(port1, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() };
        res.setHeader('X-Amzn-RequestId', 'r1');
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end('{"done":true}');
      });
    });
    const handler = localRequestHandler({ 'http://127.0.0.1:9': port2 });
    const { response } = await handler.handle({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9,
      method: 'PUT',
      path: '/schedules/a b',
      query: { groupName: 'g(1)*', flag: null, many: ['x', 'y'] },
      headers: { 'X-Amz-Target': 'T.Op', host: '127.0.0.1:9' },
      body: new TextEncoder().encode('{"a":1}'),
    } as never);
    expect(seen).toEqual({
      method: 'PUT',
      url: '/schedules/a b?groupName=g%281%29%2A&flag&many=x&many=y',
      headers: { 'x-amz-target': 'T.Op', host: '127.0.0.1:9' },
      body: '{"a":1}',
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'x-amzn-requestid': 'r1', 'content-type': 'application/json' });
    expect(Buffer.from(response.body as Uint8Array).toString()).toBe('{"done":true}');
    port1.close();
  });

  it('is used only where local mode’s host gave the thread ports', () => {
    const global = globalThis as Record<symbol, unknown>;
    expect(global[LOCAL_AWS_PORTS]).toBeUndefined();
    expect(localRequestHandlerFromHost()).toBeUndefined();
    const { port1, port2 } = new MessageChannel();
    global[LOCAL_AWS_PORTS] = { 'http://127.0.0.1:9': port1 };
    try {
      expect(localRequestHandlerFromHost()).toBeDefined();
    } finally {
      delete global[LOCAL_AWS_PORTS];
      port1.close();
      port2.close();
    }
  });
});

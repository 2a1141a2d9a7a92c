/**
 * The local AWS endpoints refuse what AWS refuses: unsigned requests, keys it never issued, wrong signatures, stale
 * signatures and tampered bodies; and a call the caller's role does not allow fails with the exception class and the
 * message AWS answers with, on every protocol (JSON, REST, query, DynamoDB behind its proxy).
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { type LocalDynamo, startDynamo } from '../../../lib/local/dynamo.ts';
import { LocalIam } from '../../../lib/local/iam/guard.ts';
import { deriveIamModel } from '../../../lib/local/iam/model.ts';
import { arn, fnWithRole, stack } from './fixtures.ts';

const MACHINE = arn('states', 'stateMachine:steward-dev-seed');
const model = deriveIamModel(
  stack({
    ...fnWithRole('caller', [
      { Effect: 'Allow', Action: 'states:ListStateMachines', Resource: '*' },
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: arn('lambda', 'function:allowed') },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: arn('sns', 'allowed') },
      { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: arn('sqs', 'allowed') },
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: arn('dynamodb', 'table/Tab') },
    ]),
  }),
);
const ROLE = 'arn:aws:iam::000000000000:role/role-caller';

describe('the local AWS endpoint behind IAM', () => {
  let endpoint: AwsEndpoint;
  let dynamo: LocalDynamo;
  let iam: LocalIam;
  let invocations = 0;
  const client = <T>(
    Ctor: new (c: object) => T,
    credentials: { accessKeyId: string; secretAccessKey: string },
    url = endpoint.url,
  ): T => new Ctor({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });

  beforeAll(async () => {
    iam = new LocalIam(model);
    endpoint = await startAwsEndpoint({
      port: 0,
      guard: iam,
      services: {
        stepFunctions: {
          ListStateMachines: () => ({ stateMachines: [] }),
          CreateStateMachine: () => ({ stateMachineArn: MACHINE, creationDate: 0 }),
          StartExecution: () => ({ executionArn: 'x', startDate: 0 }),
        },
        sns: { Publish: () => ({ MessageId: '1' }) },
        sqs: {
          SendMessage: (i) => ({
            MessageId: '1',
            MD5OfMessageBody: createHash('md5').update(String(i.MessageBody)).digest('hex'),
          }),
        },
        lambda: {
          invoke: async () => {
            invocations++;
            return { ok: true, payload: { ok: true } };
          },
        },
      },
    });
    dynamo = await startDynamo({ port: 0, guard: iam });
  });
  afterAll(async () => {
    await endpoint.close();
    await dynamo.close();
  });

  it('answers a role key only what its role allows, as AWS: AccessDeniedException naming caller, action, resource', async () => {
    const sfn = client(SFNClient, iam.keysFor(ROLE));

    await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toMatchObject({ stateMachines: [] });
    const denied = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE })).catch((e: unknown) => e);

    expect(denied).toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message:
        'User: arn:aws:sts::000000000000:assumed-role/role-caller/fn-caller is not authorized to perform: ' +
        `states:StartExecution on resource: ${MACHINE} because no identity-based policy allows the states:StartExecution action`,
    });
    expect(iam.recentDenials()[0]).toMatchObject({
      functions: ['fn-caller'],
      action: 'states:StartExecution',
      resource: MACHINE,
      allowingStatement: { Effect: 'Allow', Action: 'states:StartExecution', Resource: MACHINE },
    });
  });

  it('refuses with each protocol own error: Lambda (REST), SNS (query), SQS, DynamoDB', async () => {
    const keys = iam.keysFor(ROLE);
    const lambda = client(LambdaClient, keys);
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'allowed' }))).resolves.toMatchObject({
      StatusCode: 200,
    });
    const before = invocations;
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'other' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    expect(invocations).toBe(before);

    const sns = client(SNSClient, keys);
    await expect(
      sns.send(new PublishCommand({ TopicArn: arn('sns', 'allowed'), Message: 'm' })),
    ).resolves.toBeDefined();
    await expect(sns.send(new PublishCommand({ TopicArn: arn('sns', 'other'), Message: 'm' }))).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      $metadata: { httpStatusCode: 403 },
    });

    const sqs = client(SQSClient, keys);
    const queue = `${endpoint.url}/000000000000/`;
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: `${queue}allowed`, MessageBody: 'm' })),
    ).resolves.toBeDefined();
    const sqsDenied = await sqs
      .send(new SendMessageCommand({ QueueUrl: `${queue}other`, MessageBody: 'm' }))
      .catch((e) => e);
    expect(sqsDenied.$metadata.httpStatusCode).toBe(403);
    expect(sqsDenied.message).toContain('is not authorized to perform: sqs:SendMessage');

    const ddb = client(DynamoDBClient, keys, dynamo.url);
    await expect(ddb.send(new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'x' } } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', // allowed through to dynalite, which has no such table
    });
    await expect(ddb.send(new PutItemCommand({ TableName: 'Tab', Item: { pk: { S: 'x' } } }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        'dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Tab',
      ),
    });
  });

  it('refuses CreateStateMachine with logging when the role it passes may not deliver logs, as Step Functions does', async () => {
    const operator = client(SFNClient, iam.operatorKeys());
    const logging = {
      level: 'ALL' as const,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: arn('logs', 'log-group:g:*') } }],
    };

    const refused = await operator
      .send(
        new CreateStateMachineCommand({ name: 'm', definition: '{}', roleArn: ROLE, loggingConfiguration: logging }),
      )
      .catch((e: unknown) => e);

    expect(refused).toMatchObject({ name: 'AccessDeniedException' });
    expect((refused as Error).message).toMatch(
      /^The state machine IAM Role is not authorized to access the Log Destination/,
    );
    await expect(
      operator.send(new CreateStateMachineCommand({ name: 'm', definition: '{}', roleArn: ROLE })),
    ).resolves.toBeDefined();
  });

  it('refuses unsigned requests, unknown keys and wrong secrets as AWS does', async () => {
    const unsigned = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.ListStateMachines', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });

    const before = invocations;
    const plainInvoke = await fetch(`${endpoint.url}/2015-03-31/functions/allowed/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(plainInvoke.status).toBe(403);
    expect(invocations).toBe(before);

    const unknown = {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    };
    await expect(client(SFNClient, unknown).send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    await expect(
      client(SNSClient, unknown).send(new PublishCommand({ TopicArn: arn('sns', 'allowed'), Message: 'm' })),
    ).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    await expect(
      client(DynamoDBClient, unknown, dynamo.url).send(
        new GetItemCommand({ TableName: 'Tab', Key: { pk: { S: 'x' } } }),
      ),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });

    const wrongSecret = { accessKeyId: iam.keysFor(ROLE).accessKeyId, secretAccessKey: 'not-the-secret' };
    await expect(client(SFNClient, wrongSecret).send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    await expect(
      client(LambdaClient, wrongSecret).send(new InvokeCommand({ FunctionName: 'allowed' })),
    ).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
  });

  it('refuses a tampered body and a signature older than 15 minutes', async () => {
    const url = new URL(endpoint.url);
    const sign = async (body: string, signingDate: Date, extra: Record<string, string> = {}) => {
      const signer = new SignatureV4({
        service: 'states',
        region: 'us-east-1',
        credentials: iam.keysFor(ROLE),
        sha256: Sha256,
      });
      const signed = await signer.sign(
        {
          method: 'POST',
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: '/',
          headers: {
            host: url.host,
            'x-amz-target': 'AWSStepFunctions.ListStateMachines',
            'content-type': 'application/x-amz-json-1.0',
            ...extra,
          },
          body,
        },
        { signingDate },
      );
      return signed.headers as Record<string, string>;
    };
    const post = async (headers: Record<string, string>, body: string) => {
      const { host: _host, ...rest } = headers;
      const response = await fetch(endpoint.url, { method: 'POST', headers: rest, body });
      return { status: response.status, body: (await response.json()) as { __type: string; message: string } };
    };

    expect((await post(await sign('{}', new Date()), '{}')).status).toBe(200);
    const tampered = await post(await sign('{}', new Date()), '{"maxResults":1}');
    expect(tampered).toMatchObject({ status: 400, body: { __type: 'InvalidSignatureException' } });
    const stale = await post(await sign('{}', new Date(Date.now() - 20 * 60_000)), '{}');
    expect(stale.status).toBe(400);
    expect(stale.body.message).toMatch(/^Signature expired/);
    // A signed payload hash that is not the body's: refused before the signature is recomputed.
    const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
    const declared = await post(await sign('{}', new Date(), { 'x-amz-content-sha256': hashOf('{"x":1}') }), '{}');
    expect(declared).toMatchObject({
      status: 400,
      body: { __type: 'InvalidSignatureException', message: 'The provided x-amz-content-sha256 header does not match' },
    });
    const honest = await post(await sign('{}', new Date(), { 'x-amz-content-sha256': hashOf('{}') }), '{}');
    expect(honest.status).toBe(200);
  });

  it('lets the operator key do anything, and with enforcement off still requires a signature', async () => {
    const operator = client(SFNClient, iam.operatorKeys());
    await expect(operator.send(new StartExecutionCommand({ stateMachineArn: MACHINE }))).resolves.toBeDefined();

    const off = new LocalIam(model, { enforce: false });
    const lenient = await startAwsEndpoint({
      port: 0,
      guard: off,
      services: { stepFunctions: { StartExecution: () => ({ executionArn: 'x', startDate: 0 }) } },
    });
    try {
      const sfn = new SFNClient({
        endpoint: lenient.url,
        region: 'us-east-1',
        credentials: off.keysFor(ROLE),
        maxAttempts: 1,
      });
      await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE }))).resolves.toBeDefined();
      const stranger = new SFNClient({
        endpoint: lenient.url,
        region: 'us-east-1',
        credentials: iam.keysFor(ROLE), // a key of another run: its secret differs
        maxAttempts: 1,
      });
      await expect(stranger.send(new StartExecutionCommand({ stateMachineArn: MACHINE }))).rejects.toMatchObject({
        name: 'InvalidSignatureException',
      });
    } finally {
      await lenient.close();
    }
  });
});

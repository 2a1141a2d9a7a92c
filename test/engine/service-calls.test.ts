// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
/**
 * What the step runner sends: templated headers, the standard headers (Idempotency-Key stable across attempts,
 * X-Correlation-Id, traceparent of the run's trace), and the service's authentication read from the local Secrets
 * Manager / SSM endpoint (or SigV4) — with the secret values in no record, log line, event or error.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SignatureV4 } from '@smithy/signature-v4';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { idempotencyKey } from '../../lib/core/resilience/call-headers.ts';
import type { ServiceCallInput, StepRunnerInput } from '../../lib/core/runtime-contract.ts';
import { type AwsEndpoint, SecretsService, startAwsEndpoint } from '../../lib/local/aws/index.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw, serviceItem, startServer, type TestServer } from './support.ts';

const admin = new DynamoDBClient({});
const bus = mockClient(EventBridgeClient);
const TOKEN = `tok-${randomUUID()}`;
const API_KEY = `key-${randomUUID()}`;
const PASSWORD = `pw-${randomUUID()}`;
let names: { registry: string; history: string };
let server: TestServer;
let endpoint: AwsEndpoint;
let runner: typeof import('../../lambdas/step-runner/handler.ts');
let steps: typeof import('../../lambdas/shared/repositories/steps.ts');
let services: typeof import('../../lambdas/step-runner/services.ts');
const logged: string[] = [];

beforeAll(async () => {
  names = await useFreshTables(admin);
  process.env.EVENT_BUS_NAME = 'steward-test-bus';
  const secrets = new SecretsService();
  secrets.load({
    secrets: { 'steward/token': TOKEN, 'steward/basic': { username: 'svc', password: PASSWORD } },
    parameters: { '/steward/api-key': API_KEY },
  });
  endpoint = await startAwsEndpoint({
    port: 0,
    services: { secretsManager: secrets.secretsManagerOperations(), ssm: secrets.ssmOperations() },
  });
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint.url;
  process.env.AWS_ENDPOINT_URL_SSM = endpoint.url;
  server = await startServer();
  runner = await import('../../lambdas/step-runner/handler.ts');
  steps = await import('../../lambdas/shared/repositories/steps.ts');
  services = await import('../../lambdas/step-runner/services.ts');
});
afterAll(async () => {
  await server.close();
  await endpoint.close();
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  server.received.length = 0;
  server.raw.length = 0;
  server.respond(() => ({ status: 200, body: { ok: true } }));
  services.clearServiceCache();
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
  }
});

async function arrange(auth?: Record<string, unknown>, overrides: Partial<ServiceCallInput> = {}) {
  const executionId = randomUUID();
  const service = `svc-${randomUUID().slice(0, 8)}`;
  await putRaw(admin, names.history, executionItem(executionId, 'running'));
  await putRaw(
    admin,
    names.registry,
    serviceItem(randomUUID(), service, server.url, 'healthy', auth ? { name: service, auth } : undefined),
  );
  const input: ServiceCallInput = {
    kind: 'service_call',
    execution_id: executionId,
    workflow_id: 'wf-1',
    correlation_id: 'corr-7',
    started_at: '2030-01-01T00:00:00.000Z',
    context: { order: 'o-1' },
    steps: {},
    step: 'charge',
    request: { service, method: 'POST', endpoint: '/charge', body: { order: '${context.order}' }, timeout_ms: 2_000 },
    max_attempts: 3,
    ...overrides,
  };
  return input;
}

const run = (input: StepRunnerInput) => runner.handler(input, lambdaContext);

describe('step runner: headers', () => {
  it('sends templated headers and the standard ones; the Idempotency-Key is the same for every attempt of a step', async () => {
    const input = await arrange(undefined, {
      request: {
        service: '',
        method: 'POST',
        endpoint: '/charge',
        headers: { 'X-Run': '${execution.id}', 'X-Since': '${execution.started_at}', 'X-Order': 'o=${context.order}' },
        timeout_ms: 2_000,
      },
    });
    input.request.service = (await arrange()).request.service;
    server.respond((_req, n) => (n === 1 ? { status: 503 } : { status: 200, body: { ok: true } }));

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    await run(input);
    await run({ ...input, step: 'other' });

    const [first, second, other] = server.raw.map((r) => r.headers);
    expect(first).toMatchObject({
      'x-run': input.execution_id,
      'x-since': '2030-01-01T00:00:00.000Z',
      'x-order': 'o=o-1',
      'x-correlation-id': 'corr-7',
    });
    expect(first!['idempotency-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second!['idempotency-key']).toBe(first!['idempotency-key']);
    expect(other!['idempotency-key']).not.toBe(first!['idempotency-key']);
    const trace = (h: Record<string, string> | undefined) =>
      /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(h?.traceparent ?? '');
    expect(trace(first)?.[1]).toBe(input.execution_id.replace(/-/g, ''));
    expect(trace(second)?.[1]).toBe(trace(first)?.[1]);
    expect(trace(second)?.[2]).not.toBe(trace(first)?.[2]);
    const attempts = await steps.listAttempts(input.execution_id, 'charge');
    expect(attempts[1]?.request).toMatchObject({ headers: { 'idempotency-key': first!['idempotency-key'] } });
  });

  it('gives a failure notification its own Idempotency-Key, derived from the run and the step', async () => {
    const input = await arrange();
    input.max_attempts = 1;
    input.notify = { ...input.request, endpoint: '/notify', continue: true };
    server.respond((req) => (req.url === '/notify' ? { status: 204 } : { status: 503 }));

    await run(input);

    const [call, notify] = server.raw.map((r) => r.headers);
    expect(call!['idempotency-key']).toBe(
      idempotencyKey({ executionId: input.execution_id, stepKey: 'charge', purpose: 'call' }),
    );
    expect(notify!['idempotency-key']).toBe(
      idempotencyKey({ executionId: input.execution_id, stepKey: 'charge', purpose: 'notify' }),
    );
    expect(notify!['x-correlation-id']).toBe('corr-7');
  });
});

describe('step runner: authentication by reference', () => {
  it.each([
    [
      'bearer from Secrets Manager',
      { type: 'bearer', secret: 'secretsmanager:steward/token' },
      'authorization',
      `Bearer ${TOKEN}`,
    ],
    ['api_key header from SSM', { type: 'api_key', secret: 'ssm:/steward/api-key', name: 'X-Key' }, 'x-key', API_KEY],
    [
      'basic from a JSON secret (by ARN)',
      { type: 'basic', secret: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:steward/basic-AbCdEf' },
      'authorization',
      `Basic ${Buffer.from(`svc:${PASSWORD}`).toString('base64')}`,
    ],
  ])('%s', async (_name, auth, header, value) => {
    const input = await arrange(auth);
    if (auth.secret.startsWith('arn:')) {
      // A full ARN carries the real suffix: ask the local service for it.
      (auth as { secret: string }).secret = new SecretsService().secretArn('steward/basic');
      await putRaw(
        admin,
        names.registry,
        serviceItem(randomUUID(), `${input.request.service}-arn`, server.url, 'healthy', { auth }),
      );
      input.request.service = `${input.request.service}-arn`;
    }

    await run(input);

    expect(server.raw[0]?.headers[header]).toBe(value);
  });

  it('puts an api_key in the query string, and records the URL without it', async () => {
    const input = await arrange({ type: 'api_key', secret: 'ssm:/steward/api-key', in: 'query', name: 'k' });

    await run(input);

    expect(server.raw[0]?.url).toBe(`/charge?k=${API_KEY}`);
    const [attempt] = await steps.listAttempts(input.execution_id, 'charge');
    expect(attempt?.request.url).toBe(`${server.url}/charge`);
  });

  it('signs with SigV4 (execute-api) using the runner credentials; the signature verifies', async () => {
    const input = await arrange({ type: 'aws_iam', service: 'execute-api', region: 'eu-west-1' });

    await run(input);

    const { headers, body } = server.raw[0]!;
    const auth =
      /Credential=([^/]+)\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=(\w+)/.exec(
        headers.authorization ?? '',
      );
    expect(auth?.[1]).toBe(process.env.AWS_ACCESS_KEY_ID);
    const sha256 = class {
      private h: ReturnType<typeof createHash>;
      constructor(private readonly k?: Uint8Array | string) {
        this.h = k === undefined ? createHash('sha256') : (createHmac('sha256', Buffer.from(k as Uint8Array)) as never);
      }
      update(d: string | Uint8Array): void {
        this.h.update(d);
      }
      async digest(): Promise<Uint8Array> {
        return new Uint8Array(this.h.digest());
      }
      reset(): void {}
    };
    const signer = new SignatureV4({
      service: 'execute-api',
      region: 'eu-west-1',
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
      sha256: sha256 as never,
    });
    const date = headers['x-amz-date']!;
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/charge',
        query: {},
        headers: Object.fromEntries(auth![2]!.split(';').map((n) => [n, headers[n]!])),
        body,
      },
      {
        signingDate: new Date(
          `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
        ),
      },
    );
    expect(String(signed.headers.authorization)).toContain(`Signature=${auth![3]}`);
  });

  it('fails with Steward.AuthUnavailable naming the secret (never a value) when it cannot be read, without calling', async () => {
    const input = await arrange({ type: 'bearer', secret: 'secretsmanager:steward/missing' });

    const error = (await run(input).catch((e: unknown) => e)) as Error;

    expect(error.name).toBe('Steward.AuthUnavailable');
    expect(error.message).toMatch(/\(secretsmanager steward\/missing\) could not be read: ResourceNotFoundException$/);
    expect(server.raw).toHaveLength(0);
  });

  it('leaves no secret value in any stored item, log line or published event', async () => {
    const inputs = [
      await arrange({ type: 'bearer', secret: 'secretsmanager:steward/token' }),
      await arrange({ type: 'api_key', secret: 'ssm:/steward/api-key', in: 'query' }),
      await arrange({ type: 'basic', secret: 'secretsmanager:steward/basic' }),
    ];
    server.respond((_req, n) => (n % 2 === 1 ? { status: 500, body: { oops: true } } : { status: 200, body: {} }));
    for (const input of inputs) {
      await run(input).catch(() => undefined);
      await run(input);
    }

    const stored = JSON.stringify(
      await Promise.all([names.registry, names.history].map((t) => admin.send(new ScanCommand({ TableName: t })))),
    );
    const events = JSON.stringify(bus.commandCalls(PutEventsCommand).map((c) => c.args[0].input));
    expect(server.raw.length).toBe(6);
    for (const secret of [TOKEN, API_KEY, PASSWORD, Buffer.from(`svc:${PASSWORD}`).toString('base64')]) {
      expect(stored).not.toContain(secret);
      expect(events).not.toContain(secret);
      expect(logged.join('')).not.toContain(secret);
    }
  });
});

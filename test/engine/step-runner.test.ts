// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceCallInput, StepRunnerInput } from '../../lib/core/runtime-contract.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { logRequests } from '../support/request-log.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw, serviceItem, startServer, type TestServer } from './support.ts';

const admin = new DynamoDBClient({});
const bus = mockClient(EventBridgeClient);
let names: { registry: string; history: string };
let server: TestServer;
let runner: typeof import('../../lambdas/step-runner/handler.ts');
let steps: typeof import('../../lambdas/shared/repositories/steps.ts');
let services: typeof import('../../lambdas/step-runner/services.ts');
let breaker: typeof import('../../lambdas/step-runner/breaker.ts');
let breakers: typeof import('../../lambdas/shared/repositories/breakers.ts');
let requests: ReturnType<typeof logRequests>;

beforeAll(async () => {
  names = await useFreshTables(admin);
  process.env.EVENT_BUS_NAME = 'steward-test-bus';
  server = await startServer();
  const clients = await import('../../lambdas/shared/clients/dynamodb.ts');
  enforceDataRules(clients.dynamodb);
  requests = logRequests(clients.dynamodb);
  breaker = await import('../../lambdas/step-runner/breaker.ts');
  breakers = await import('../../lambdas/shared/repositories/breakers.ts');
  runner = await import('../../lambdas/step-runner/handler.ts');
  steps = await import('../../lambdas/shared/repositories/steps.ts');
  services = await import('../../lambdas/step-runner/services.ts');
});
afterAll(async () => server.close());
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  server.received.length = 0;
  server.respond(() => ({ status: 200, body: { ok: true } }));
  services.clearServiceCache();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A running execution and a registered service of a fresh name; returns a service_call payload for it. */
async function arrange(overrides: Partial<ServiceCallInput> = {}, status = 'running'): Promise<ServiceCallInput> {
  const executionId = randomUUID();
  const service = `svc-${randomUUID().slice(0, 8)}`;
  await putRaw(admin, names.history, executionItem(executionId, status));
  await putRaw(admin, names.registry, serviceItem(randomUUID(), service, server.url));
  return {
    kind: 'service_call',
    execution_id: executionId,
    workflow_id: 'wf-1',
    correlation_id: 'corr-1',
    context: { task_id: 't 1', agent_id: 'a1' },
    steps: {},
    step: 'task_preparation',
    request: {
      service,
      method: 'POST',
      endpoint: '/tasks/{task_id}/prepare',
      body: { agent: '${context.agent_id}' },
      timeout_ms: 300,
    },
    max_attempts: 3,
    ...overrides,
  };
}

const run = (input: StepRunnerInput) => runner.handler(input, lambdaContext);
const publishedTypes = (): string[] =>
  bus.commandCalls(PutEventsCommand).flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.DetailType ?? ''));

describe('step runner: service_call', () => {
  it('calls the service with the filled templates and records a completed step', async () => {
    const input = await arrange();
    server.respond(() => ({ status: 200, body: { prepared: true } }));

    const out = await run(input);

    expect(out).toEqual({ status: 'completed', output: { prepared: true } });
    expect(server.received).toEqual([{ method: 'POST', url: '/tasks/t%201/prepare', body: { agent: 'a1' } }]);
    const step = await steps.getStep(input.execution_id, 'task_preparation');
    expect(step).toMatchObject({ status: 'completed', attempts: 1, output: { prepared: true } });
    const attempts = await steps.listAttempts(input.execution_id, 'task_preparation');
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, status: 'completed', response: { status: 200 } });
    expect(publishedTypes()).toEqual(['workflow.step_started', 'workflow.step_completed']);
  });

  it.each([
    { status: 404, error: 'Steward.Http4xx' },
    { status: 503, error: 'Steward.Http5xx' },
  ])('answers $status with $error and records the failed attempt', async ({ status, error }) => {
    const input = await arrange();
    server.respond(() => ({ status, body: { reason: 'nope' } }));

    await expect(run(input)).rejects.toMatchObject({ name: error });

    const step = await steps.getStep(input.execution_id, 'task_preparation');
    expect(step).toMatchObject({ status: 'failed', attempts: 1, error_details: { error } });
    const [attempt] = await steps.listAttempts(input.execution_id, 'task_preparation');
    expect(attempt).toMatchObject({ status: 'failed', response: { status }, error: { name: error } });
    expect(publishedTypes()).toContain('workflow.step_failed');
  });

  it('times out a slow service as Steward.Timeout', async () => {
    const input = await arrange({ request: { service: '', method: 'GET', endpoint: '/slow', timeout_ms: 100 } });
    input.request.service = (await arrange()).request.service;
    server.respond(() => ({ status: 200, body: {}, delayMs: 400 }));

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.Timeout' });
  });

  it('reports a refused connection as Steward.NetworkError', async () => {
    const input = await arrange();
    await putRaw(admin, names.registry, serviceItem(randomUUID(), 'closed-port', 'http://127.0.0.1:1'));
    input.request.service = 'closed-port';

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.NetworkError' });
  });

  it('counts attempts atomically across a flapping service', async () => {
    const input = await arrange();
    server.respond((_, n) => (n % 2 === 1 ? { status: 502 } : { status: 200, body: { n } }));

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    const out = await run(input);

    expect(out).toEqual({ status: 'completed', output: { n: 2 } });
    const attempts = await steps.listAttempts(input.execution_id, 'task_preparation');
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(await steps.getStep(input.execution_id, 'task_preparation')).toMatchObject({
      attempts: 2,
      status: 'completed',
    });
  });

  it('throws Steward.ServiceNotFound for an unknown or retired service', async () => {
    const input = await arrange();
    await putRaw(admin, names.registry, serviceItem(randomUUID(), 'old-svc', server.url, 'retired'));

    await expect(run({ ...input, request: { ...input.request, service: 'nobody' } })).rejects.toMatchObject({
      name: 'Steward.ServiceNotFound',
    });
    await expect(run({ ...input, request: { ...input.request, service: 'old-svc' } })).rejects.toMatchObject({
      name: 'Steward.ServiceNotFound',
    });
    expect(server.received).toHaveLength(0);
  });

  it('refuses a template without a value as Steward.InvalidRequest, sending nothing', async () => {
    const input = await arrange({ context: {} });

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.InvalidRequest' });
    expect(server.received).toHaveLength(0);
  });

  it.each([
    { status: 'paused', error: 'Steward.Paused' },
    { status: 'cancelled', error: 'Steward.Cancelled' },
  ])('a $status run throws $error and sends nothing to the service', async ({ status, error }) => {
    const input = await arrange({}, status);

    await expect(run(input)).rejects.toMatchObject({ name: error });

    expect(server.received).toHaveLength(0);
    expect(await steps.getStep(input.execution_id, 'task_preparation')).toBeUndefined();
  });

  it('a run not yet recorded as running is let through by the pause check itself: one write, no read', async () => {
    const input = await arrange({}, 'created');
    requests.take();

    await expect(run(input)).resolves.toMatchObject({ status: 'completed' });

    const meta = requests.take().filter((r) => r.key === `EXEC#${input.execution_id}/META`);
    expect(meta.map((r) => r.command)).toEqual(['UpdateItem']);
    const history = await import('../../lambdas/shared/repositories/executions.ts');
    expect(await history.getExecution(input.execution_id)).toMatchObject({
      status: 'created',
      current_step: 'task_preparation',
    });
    expect(server.received).toHaveLength(1);
  });

  it('notifies the target on the last attempt only, then throws', async () => {
    const notifyServer = await startServer();
    const input = await arrange({ max_attempts: 2 });
    await putRaw(admin, names.registry, serviceItem(randomUUID(), 'coordinator', notifyServer.url));
    input.notify = {
      service: 'coordinator',
      method: 'POST',
      endpoint: '/notify/{agent_id}',
      timeout_ms: 500,
      continue: false,
    };
    server.respond(() => ({ status: 500 }));

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    expect(notifyServer.received).toHaveLength(0);
    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.Http5xx' });

    expect(notifyServer.received).toHaveLength(1);
    expect(notifyServer.received[0]).toMatchObject({
      url: '/notify/a1',
      body: { execution_id: input.execution_id, step: 'task_preparation', error: { name: 'Steward.Http5xx' } },
    });
    await notifyServer.close();
  });

  it('with continue: notifies on a non-retryable error and returns failed_continued', async () => {
    const input = await arrange({ max_attempts: 3 });
    input.notify = { ...input.request, endpoint: '/notify', body: undefined, continue: true };
    server.respond((req) => (req.url === '/notify' ? { status: 204 } : { status: 400 }));

    const out = await run(input);

    expect(out).toMatchObject({ status: 'failed_continued', output: { error: 'Steward.Http4xx' } });
    expect(server.received.map((r) => r.url)).toEqual(['/tasks/t%201/prepare', '/notify']);
    expect(await steps.getStep(input.execution_id, 'task_preparation')).toMatchObject({ status: 'failed_continued' });
  });

  it('with a continue handler: records, publishes and returns failed_continued on the last attempt', async () => {
    const input = await arrange({ max_attempts: 1, continue_on_failure: true });
    server.respond(() => ({ status: 503 }));

    const out = await run(input);

    expect(out).toMatchObject({ status: 'failed_continued', output: { error: 'Steward.Http5xx' } });
    expect(await steps.getStep(input.execution_id, 'task_preparation')).toMatchObject({ status: 'failed_continued' });
    const failed = bus
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .find((e) => e.DetailType === 'workflow.step_failed');
    expect(JSON.parse(failed!.Detail!).data).toMatchObject({ status: 'failed_continued', error: 'Steward.Http5xx' });
  });

  it('with a continue handler, an attempt that is not the last still fails (the retry layer tries again)', async () => {
    const input = await arrange({ max_attempts: 2, continue_on_failure: true });
    server.respond(() => ({ status: 503 }));

    await expect(run(input)).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    expect(await steps.getStep(input.execution_id, 'task_preparation')).toMatchObject({ status: 'failed' });
  });

  it('fails a step whose output is over 64 KiB, naming the step, the size and the limit', async () => {
    const input = await arrange();
    server.respond(() => ({ status: 200, body: { blob: 'x'.repeat(100_000) } }));

    await expect(run(input)).rejects.toMatchObject({
      name: 'Steward.OutputTooLarge',
      message: expect.stringMatching(
        /^Step 'task_preparation' returned 100011 bytes of JSON; a step output may be at most 65536 bytes/,
      ),
    });
    const step = await steps.getStep(input.execution_id, 'task_preparation');
    expect(step).toMatchObject({
      status: 'failed',
      error_details: { error: 'Steward.OutputTooLarge', last_attempt: true },
    });
  });
});

describe('step runner: circuit breaker', () => {
  it('opens after repeated failures, refuses without calling, half-opens after the cool-down and closes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const input = await arrange();
    server.respond(() => ({ status: 503 }));
    for (let i = 0; i < 10; i++) {
      await expect(run({ ...input, step: `s${i}` })).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    }
    expect(server.received).toHaveLength(10);

    await expect(run({ ...input, step: 'blocked' })).rejects.toMatchObject({ name: 'Steward.CircuitOpen' });
    expect(server.received).toHaveLength(10);

    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    server.respond(() => ({ status: 200, body: { ok: true } }));
    await expect(run({ ...input, step: 'trial1' })).resolves.toMatchObject({ status: 'completed' });
    await expect(run({ ...input, step: 'trial2' })).resolves.toMatchObject({ status: 'completed' });
    await expect(run({ ...input, step: 'after' })).resolves.toMatchObject({ status: 'completed' });
    expect(server.received).toHaveLength(13);
  });

  it('re-opens when the half-open trials fail', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-01-01T00:00:00Z'));
    const input = await arrange();
    server.respond(() => ({ status: 500 }));
    for (let i = 0; i < 10; i++) await expect(run({ ...input, step: `f${i}` })).rejects.toBeDefined();

    vi.setSystemTime(new Date('2031-01-01T00:01:01Z'));
    await expect(run({ ...input, step: 't1' })).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    await expect(run({ ...input, step: 't2' })).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    await expect(run({ ...input, step: 't3' })).rejects.toMatchObject({ name: 'Steward.CircuitOpen' });
    expect(server.received).toHaveLength(12);
  });

  it('does not count 4xx answers against the service', async () => {
    const input = await arrange();
    server.respond(() => ({ status: 422 }));
    for (let i = 0; i < 12; i++)
      await expect(run({ ...input, step: `c${i}` })).rejects.toMatchObject({ name: 'Steward.Http4xx' });
    expect(server.received).toHaveLength(12);
  });
});

describe('step runner: where attempts are written', () => {
  const attemptWrites = (): string[] =>
    requests
      .take()
      .filter((r) => r.key?.includes('#ATTEMPT#') || (r.command === 'UpdateItem' && r.key?.includes('/STEP#')))
      .map((r) => `${r.command} ${r.key?.split('/')[1]}`);

  it('a first attempt that closes its step rides on the step update; every reader lists it as before', async () => {
    const input = await arrange();
    server.respond(() => ({ status: 200, body: { prepared: true } }));
    requests.take();
    await run(input);
    // The attempt counter, then the update that closes the step with its first attempt: no attempt item.
    expect(attemptWrites()).toEqual(['UpdateItem STEP#task_preparation', 'UpdateItem STEP#task_preparation']);

    const [attempt] = await steps.listAttempts(input.execution_id, 'task_preparation');
    expect(attempt).toMatchObject({ attempt: 1, status: 'completed', response: { status: 200 } });
    const queries = await import('../../lambdas/shared/repositories/step-queries.ts');
    const expected = { step: 'task_preparation', attempt: 1, status: 'completed', request: { method: 'POST' } };
    expect(await queries.listStepAttempts(input.execution_id, 'task_preparation')).toMatchObject([expected]);
    expect(await queries.listExecutionAttempts(input.execution_id)).toMatchObject([expected]);
    // The step's own view is unchanged: the attempt is not one of its fields.
    const [listed] = await queries.listExecutionSteps(input.execution_id);
    expect(listed).not.toHaveProperty('first_attempt');
    expect(await queries.getExecutionStep(input.execution_id, 'task_preparation')).not.toHaveProperty('first_attempt');
  });

  it('a first attempt over INLINE_ATTEMPT_BYTES, and every later attempt, is an item of its own; all listed in order', async () => {
    const big = 'x'.repeat(steps.INLINE_ATTEMPT_BYTES);
    const input = await arrange({ context: { task_id: 't', agent_id: big } });
    server.respond(() => ({ status: 200, body: {} }));
    requests.take();
    await run(input);
    expect(attemptWrites()).toEqual([
      'UpdateItem STEP#task_preparation',
      'PutItem STEP#task_preparation#ATTEMPT#0001',
      'UpdateItem STEP#task_preparation',
    ]);

    const flapping = await arrange();
    // A neighbour whose key starts with the same name must not leak into this step's attempts.
    await run({ ...flapping, step: 'task_preparation_2' });
    server.respond((_, n) => (n === 1 ? { status: 502 } : { status: 200, body: { n } }));
    server.received.length = 0;
    requests.take();
    await expect(run(flapping)).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    await run(flapping);
    expect(attemptWrites()).toEqual([
      'UpdateItem STEP#task_preparation',
      'UpdateItem STEP#task_preparation',
      'UpdateItem STEP#task_preparation',
      'PutItem STEP#task_preparation#ATTEMPT#0002',
      'UpdateItem STEP#task_preparation',
    ]);
    const queries = await import('../../lambdas/shared/repositories/step-queries.ts');
    for (const list of [
      await steps.listAttempts(flapping.execution_id, 'task_preparation'),
      await queries.listStepAttempts(flapping.execution_id, 'task_preparation'),
    ]) {
      expect(list.map((a) => [a.attempt, a.status])).toEqual([
        [1, 'failed'],
        [2, 'completed'],
      ]);
    }
    const all = await queries.listExecutionAttempts(flapping.execution_id);
    expect(all.map((a) => [a.step, a.attempt])).toEqual([
      ['task_preparation_2', 1],
      ['task_preparation', 1],
      ['task_preparation', 2],
    ]);
  });

  it('a first attempt that ends after a newer one began is kept as its own item; the step stays with the newer', async () => {
    const input = await arrange();
    const base = {
      executionId: input.execution_id,
      workflowId: 'wf-1',
      step: 'late',
      stepKey: 'late',
      input: {},
      now: new Date(),
    };
    expect((await steps.beginAttempt(base)).attempt).toBe(1);
    expect((await steps.beginAttempt(base)).attempt).toBe(2);
    const record = {
      attempt: 1,
      status: 'completed' as const,
      started_at: base.now.toISOString(),
      completed_at: new Date().toISOString(),
      duration_ms: 5,
      request: { method: 'GET', url: 'http://svc/late' },
    };
    const closed = await steps.finishAttempt({
      executionId: input.execution_id,
      stepKey: 'late',
      record,
      status: 'completed',
      output: { late: true },
      now: new Date(),
    });
    expect(closed).toBe(false);
    expect(await steps.getStep(input.execution_id, 'late')).toMatchObject({ status: 'running', attempts: 2 });
    expect(await steps.getStep(input.execution_id, 'late')).not.toHaveProperty('first_attempt');
    expect(await steps.listAttempts(input.execution_id, 'late')).toMatchObject([record]);
  });
});

describe('step runner: a settled breaker is not read on every call', () => {
  /** The service id behind a payload's service name (its registry item). */
  const serviceIdOf = async (input: ServiceCallInput): Promise<string> =>
    (await services.resolveService(input.request.service)).id;
  const breakerRequests = (): string[] =>
    requests
      .take()
      .filter((r) => r.key?.endsWith('/BREAKER'))
      .map((r) => r.command);
  /** Twenty successes: the window is full of them, the state the cache keeps. */
  async function settle(input: ServiceCallInput): Promise<void> {
    for (let i = 0; i < 20; i++) await run({ ...input, step: `warm${i}` });
    requests.take();
  }

  it('reads a settled breaker once per SETTLED_CACHE_MS; a call that writes nothing sends nothing for it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2032-01-01T00:00:00Z'));
    const input = await arrange();
    await settle(input);
    vi.setSystemTime(new Date('2032-01-01T00:00:02Z'));

    await run({ ...input, step: 'a' });
    expect(breakerRequests()).toEqual(['GetItem']);
    await run({ ...input, step: 'b' });
    await run({ ...input, step: 'c' });
    expect(breakerRequests()).toEqual([]);
    vi.setSystemTime(new Date(Date.now() + breaker.SETTLED_CACHE_MS));
    await run({ ...input, step: 'd' });
    expect(breakerRequests()).toEqual(['GetItem']);
    expect(server.received).toHaveLength(24);
  });

  it('honours a breaker another container opened once SETTLED_CACHE_MS has passed, sending nothing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2033-01-01T00:00:00Z'));
    const input = await arrange();
    await settle(input);
    const id = await serviceIdOf(input);
    const seen = await breakers.readBreaker(id);
    expect(
      await breakers.writeBreaker(id, { ...seen.state, state: 'open', window: '', openedAt: Date.now() }, seen.version),
    ).toBe(true);

    vi.setSystemTime(new Date(Date.now() + breaker.SETTLED_CACHE_MS));
    server.received.length = 0;
    await expect(run({ ...input, step: 'refused' })).rejects.toMatchObject({ name: 'Steward.CircuitOpen' });
    expect(server.received).toHaveLength(0);
  });

  it('records a failure made against a stale settled state: the lost write re-reads and re-applies', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2034-01-01T00:00:00Z'));
    const input = await arrange();
    await settle(input);
    const id = await serviceIdOf(input);
    // Another container records a failure; this one still holds the settled state.
    const seen = await breakers.readBreaker(id);
    expect(await breakers.writeBreaker(id, { ...seen.state, window: `${'0'.repeat(19)}1` }, seen.version)).toBe(true);

    server.respond(() => ({ status: 503 }));
    requests.take();
    await expect(run({ ...input, step: 'fails' })).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    expect(breakerRequests()).toEqual(['PutItem', 'GetItem', 'PutItem']);
    expect((await breakers.readBreaker(id)).state.window).toBe(`${'0'.repeat(18)}11`);
    // The window holds failures now: not settled, so the next call reads it.
    server.respond(() => ({ status: 200, body: { ok: true } }));
    requests.take();
    await run({ ...input, step: 'next' });
    expect(breakerRequests()).toEqual(['GetItem', 'PutItem']);
    expect((await breakers.readBreaker(id)).state.window).toBe(`${'0'.repeat(17)}110`);
  });
});

describe('step runner: compensation', () => {
  it('loads completed steps with compensations newest first and undoes one with its own output', async () => {
    const input = await arrange();
    const comp = (name: string) => ({
      service: input.request.service,
      method: 'DELETE' as const,
      endpoint: `/undo/${name}/\${steps.${name}.output.id}`,
      timeout_ms: 500,
    });
    for (const [i, name] of ['first', 'second', 'third'].entries()) {
      server.respond(() => ({ status: 200, body: { id: `id-${i}` } }));
      await run({ ...input, step: name, compensation: comp(name) });
    }
    await run({ ...input, step: 'no_comp' });

    const loaded = (await run({ ...input, kind: 'load_compensations' })) as {
      items: Array<{ step: string; output: unknown }>;
    };

    expect(loaded.items.map((i) => i.step)).toEqual(['third', 'second', 'first']);
    expect(loaded.items[0]?.output).toEqual({ id: 'id-2' });
    server.received.length = 0;
    const item = loaded.items[0]!;
    await run({
      ...input,
      kind: 'compensate',
      step: item.step,
      request: (item as unknown as { request: ServiceCallInput['request'] }).request,
    });
    await run({
      ...input,
      kind: 'compensate',
      step: item.step,
      request: (item as unknown as { request: ServiceCallInput['request'] }).request,
    });
    expect(server.received).toEqual([{ method: 'DELETE', url: '/undo/third/id-2', body: undefined }]);
    expect(await steps.getStep(input.execution_id, 'third')).toMatchObject({ status: 'compensated' });
    const again = (await run({ ...input, kind: 'load_compensations' })) as { items: Array<{ step: string }> };
    expect(again.items.map((i) => i.step)).toEqual(['second', 'first']);
  });
});

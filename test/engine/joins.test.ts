/**
 * Joins of exact DAGs through the real handlers (waiter `join`, step runner `service_call`/`complete`) against
 * dynalite: both orders of the join/complete race, a double sighting, closed tokens, lost sends and map items.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JoinInput, ServiceCallInput, StepRunnerInput } from '../../lib/core/runtime-contract.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw, serviceItem, startServer, type TestServer } from './support.ts';

const admin = new DynamoDBClient({});
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
let names: { registry: string; history: string };
let server: TestServer;
let waiter: typeof import('../../lambdas/waiter/handler.ts');
let runner: typeof import('../../lambdas/step-runner/handler.ts');
let joins: typeof import('../../lambdas/shared/repositories/joins.ts');
let releases: typeof import('../../lambdas/step-runner/joins.ts');

beforeAll(async () => {
  names = await useFreshTables(admin);
  process.env.EVENT_BUS_NAME = 'steward-test-bus';
  server = await startServer();
  const clients = await import('../../lambdas/shared/clients/dynamodb.ts');
  enforceDataRules(clients.dynamodb);
  waiter = await import('../../lambdas/waiter/handler.ts');
  runner = await import('../../lambdas/step-runner/handler.ts');
  joins = await import('../../lambdas/shared/repositories/joins.ts');
  releases = await import('../../lambdas/step-runner/joins.ts');
});
afterAll(async () => server.close());
beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  server.respond((req) => ({ status: 200, body: { from: req.url } }));
});

const run = (input: StepRunnerInput) => runner.handler(input, lambdaContext);
const sent = () =>
  sfn.commandCalls(SendTaskSuccessCommand).map((c) => ({
    token: c.args[0].input.taskToken,
    output: JSON.parse(c.args[0].input.output ?? 'null') as Record<string, unknown>,
  }));

/** A running execution with a registered service; `call(step, release)` is a service_call payload of it. */
async function arrange() {
  const executionId = randomUUID();
  const service = `svc-${randomUUID().slice(0, 8)}`;
  await putRaw(admin, names.history, executionItem(executionId, 'running'));
  await putRaw(admin, names.registry, serviceItem(randomUUID(), service, server.url));
  const ids = { execution_id: executionId, workflow_id: 'wf-1', correlation_id: 'corr-1' };
  const call = (step: string, release: string[], item?: unknown): ServiceCallInput => ({
    kind: 'service_call',
    ...ids,
    context: {},
    steps: {},
    ...(item === undefined ? {} : { item }),
    step,
    request: { service, method: 'POST', endpoint: `/${step}`, timeout_ms: 2000 },
    max_attempts: 1,
    release,
  });
  const join = (step: string, dependencies: string[], token: string, item?: unknown): JoinInput => ({
    kind: 'join',
    ...ids,
    step,
    dependencies,
    steps: { earlier: { status: 'completed', output: 1 } },
    ...(item === undefined ? {} : { item }),
    task_token: token,
  });
  return { ids, call, join };
}

describe('joins: the join/complete race', () => {
  it('join first: the completing step releases it once, with the branch steps and the dependency result', async () => {
    const { call, join } = await arrange();

    const registered = await waiter.handler(join('d', ['a'], 'tok-d'), lambdaContext);
    expect(registered).toEqual({ status: 'waiting' });
    expect(sent()).toEqual([]);

    await run(call('a', ['d']));

    expect(sent()).toEqual([
      {
        token: 'tok-d',
        output: { earlier: { status: 'completed', output: 1 }, a: { status: 'completed', output: { from: '/a' } } },
      },
    ]);
  });

  it('completion first: the join sees the ended dependency and releases itself', async () => {
    const { call, join } = await arrange();
    await run(call('a', ['d']));
    expect(sent()).toEqual([]);

    const registered = await waiter.handler(join('d', ['a'], 'tok-d'), lambdaContext);

    expect(registered).toEqual({ status: 'released' });
    expect(sent()).toHaveLength(1);
    expect(sent()[0]!.output.a).toEqual({ status: 'completed', output: { from: '/a' } });
  });

  it('waits for every dependency of the set: released by the last one to end', async () => {
    const { call, join } = await arrange();
    await waiter.handler(join('e', ['a', 'b'], 'tok-e'), lambdaContext);

    await run(call('a', ['e']));
    expect(sent()).toEqual([]);
    await run(call('b', ['e']));

    expect(sent()).toHaveLength(1);
    expect(Object.keys(sent()[0]!.output).sort()).toEqual(['a', 'b', 'earlier']);
  });

  it('a double sighting sends once: racing joins and completers claim the join conditionally', async () => {
    const { call, join } = await arrange();
    await run(call('a', []));
    await run(call('b', []));

    // Both dependencies have ended: the join and two completers all see it at once.
    const outcomes = await Promise.all([
      waiter.handler(join('e', ['a', 'b'], 'tok-e'), lambdaContext),
      releases.releaseDependents(call('a', []).execution_id, ['e'], undefined),
      releases.releaseDependents(call('a', []).execution_id, ['e'], undefined),
    ]);

    expect(sent()).toHaveLength(1);
    const claims = [
      outcomes[0].status === 'released',
      outcomes[1].e === 'released',
      outcomes[2].e === 'released',
    ].filter(Boolean);
    expect(claims).toHaveLength(1);
  });

  it('a repeated join invocation with the same token does not send twice', async () => {
    const { call, join } = await arrange();
    await run(call('a', []));

    await waiter.handler(join('d', ['a'], 'tok-d'), lambdaContext);
    await waiter.handler(join('d', ['a'], 'tok-d'), lambdaContext);

    expect(sent()).toHaveLength(1);
  });

  it('a redriven join (new token) is released again', async () => {
    const { call, join } = await arrange();
    await run(call('a', []));
    await waiter.handler(join('d', ['a'], 'tok-1'), lambdaContext);

    await waiter.handler(join('d', ['a'], 'tok-2'), lambdaContext);

    expect(sent().map((s) => s.token)).toEqual(['tok-1', 'tok-2']);
  });
});

describe('joins: failures and closed runs', () => {
  it('a failed dependency releases nothing; its redriven success does', async () => {
    const { call, join } = await arrange();
    await waiter.handler(join('d', ['a'], 'tok-d'), lambdaContext);
    server.respond(() => ({ status: 500, body: { no: true } }));

    await expect(run(call('a', ['d']))).rejects.toMatchObject({ name: 'Steward.Http5xx' });
    expect(sent()).toEqual([]);

    server.respond(() => ({ status: 200, body: { ok: true } }));
    await run(call('a', ['d']));
    expect(sent()).toHaveLength(1);
  });

  it('a join whose run has ended (closed token) is left alone and the step still completes', async () => {
    const { call, join, ids } = await arrange();
    await waiter.handler(join('d', ['a'], 'tok-gone'), lambdaContext);
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('gone'), { name: 'TaskTimedOut' }));

    await expect(run(call('a', ['d']))).resolves.toMatchObject({ status: 'completed' });
    expect((await joins.getJoin(ids.execution_id, 'd'))?.status).toBe('released');
  });

  it('a send that fails for another reason gives the claim back, so a later sighting releases the join', async () => {
    const { call, join, ids } = await arrange();
    await waiter.handler(join('d', ['a'], 'tok-d'), lambdaContext);
    sfn.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    await expect(run(call('a', ['d']))).resolves.toMatchObject({ status: 'completed' });
    expect((await joins.getJoin(ids.execution_id, 'd'))?.status).toBe('waiting');

    await releases.releaseDependents(ids.execution_id, ['d'], undefined);
    expect((await joins.getJoin(ids.execution_id, 'd'))?.status).toBe('released');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
  });
});

describe('joins: completions outside the step runner, and map items', () => {
  it('a complete task records a step the runner did not run and releases its dependents', async () => {
    const { ids, join } = await arrange();
    await waiter.handler(join('d', ['approval', 'pause'], 'tok-d'), lambdaContext);

    await run({
      kind: 'complete',
      ...ids,
      step: 'approval',
      result: { status: 'completed', output: 'yes' },
      release: ['d'],
    });
    expect(sent()).toEqual([]);
    await run({ kind: 'complete', ...ids, step: 'pause', release: ['d'] });

    expect(sent()).toHaveLength(1);
    // A wait step records no result: the join hands over only the approval's.
    expect(sent()[0]!.output).toEqual({
      earlier: { status: 'completed', output: 1 },
      approval: { status: 'completed', output: 'yes' },
    });
  });

  it('joins of different map items are independent', async () => {
    const { call, join } = await arrange();
    await waiter.handler(join('d', ['a'], 'tok-1', { sku: 1 }), lambdaContext);
    await waiter.handler(join('d', ['a'], 'tok-2', { sku: 2 }), lambdaContext);

    await run(call('a', ['d'], { sku: 2 }));

    expect(sent().map((s) => s.token)).toEqual(['tok-2']);
  });
});

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../../lambdas/shared/repositories/events.ts';
import { filterHash } from '../../lib/core/routing/filters.ts';
import type { EventWaitInput } from '../../lib/core/runtime-contract.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw } from './support.ts';

// Routers trust the routes they read this long, and waiters of a new route wait it out: short, to keep tests quick.
process.env.STEWARD_ROUTES_CACHE_MS = '300';

const admin = new DynamoDBClient({});
const sfn = mockClient(SFNClient);
let names: { registry: string; history: string };
let waiter: typeof import('../../lambdas/waiter/handler.ts');
let route: typeof import('../../lambdas/event-router/route.ts');
let router: typeof import('../../lambdas/event-router/handler.ts');
let events: typeof import('../../lambdas/shared/repositories/events.ts');
/**
 * Runs once around the next DynamoDB request it matches (operation without `Command`, input as JSON): `before` before
 * the request is sent, `after` before its answer reaches the caller.
 */
let hook:
  | { when: (operation: string, input: string) => boolean; before?: () => Promise<void>; after?: () => Promise<void> }
  | undefined;
/** The DynamoDB requests sent while recording (operation and partition key). */
let recorded: string[] | undefined;
/** The same with when each was sent and answered (monotonic ms). */
let timeline: Array<{ request: string; input: string; sent: number; answered?: number }> | undefined;

/** The partition key a request writes or queries (plain or marshalled input). */
function partitionOf(input: unknown): string {
  const i = input as {
    Item?: { pk?: unknown };
    Key?: { pk?: unknown };
    ExpressionAttributeValues?: Record<string, unknown>;
  };
  const pk = i.Item?.pk ?? i.Key?.pk ?? i.ExpressionAttributeValues?.[':pk'];
  return typeof pk === 'string' ? pk : String((pk as { S?: string } | undefined)?.S ?? '');
}

beforeAll(async () => {
  names = await useFreshTables(admin);
  const clients = await import('../../lambdas/shared/clients/dynamodb.ts');
  enforceDataRules(clients.dynamodb);
  clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      recorded?.push(`${operation} ${partitionOf(args.input)}`);
      const entry = { request: `${operation} ${partitionOf(args.input)}`, input: JSON.stringify(args.input) };
      const timed: { request: string; input: string; sent: number; answered?: number } | undefined = timeline
        ? { ...entry, sent: performance.now() }
        : undefined;
      if (timed) timeline?.push(timed);
      const matched = hook?.when(operation, JSON.stringify(args.input)) ? hook : undefined;
      if (matched) hook = undefined;
      await matched?.before?.();
      const out = await next(args);
      if (timed) timed.answered = performance.now();
      await matched?.after?.();
      return out;
    },
    { step: 'initialize', name: 'routingTestHooks', override: true },
  );
  waiter = await import('../../lambdas/waiter/handler.ts');
  route = await import('../../lambdas/event-router/route.ts');
  router = await import('../../lambdas/event-router/handler.ts');
  events = await import('../../lambdas/shared/repositories/events.ts');
});
beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  // Each test starts from a router that has not yet asked whether declarations are complete.
  route.forgetDeclarations();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  hook = undefined;
  recorded = undefined;
  timeline = undefined;
});

/** An event type of its own per test, so tests never see each other's waiters. */
const freshType = (): string => `agent.task_completed_${randomUUID().slice(0, 8)}`;

/** A running execution, started now (events received from now on may complete its waits). */
async function startRun(): Promise<string> {
  const executionId = randomUUID();
  await putRaw(admin, names.history, executionItem(executionId, 'running'));
  return executionId;
}

async function waitFor(
  type: string,
  filter: Record<string, unknown>,
  extra: Partial<EventWaitInput> = {},
  run?: string,
) {
  const executionId = run ?? (await startRun());
  const input: EventWaitInput = {
    kind: 'event_wait',
    execution_id: executionId,
    workflow_id: 'wf-1',
    correlation_id: 'corr-1',
    step: 'execution_monitoring',
    event_type: type,
    filter,
    timeout_seconds: 3600,
    task_token: `token-${executionId}-${extra.step ?? 'execution_monitoring'}-${randomUUID().slice(0, 4)}`,
    ...extra,
  };
  const outcome = await waiter.handler(input, lambdaContext);
  return { input, outcome };
}

function busEvent(type: string, detail: Record<string, unknown>) {
  return {
    id: randomUUID(),
    version: '0',
    account: '123456789012',
    region: 'us-east-1',
    resources: [],
    'detail-type': type,
    source: 'producer',
    time: new Date().toISOString(),
    detail,
  };
}

async function emit(type: string, data: Record<string, unknown>, id = randomUUID()): Promise<number> {
  const event = { id, type, source: 'agent-orchestrator', timestamp: new Date().toISOString(), data };
  const { event: stored } = await events.putEvent(event, new Date());
  return (await route.routeEvent(stored as StoredEvent)).matched;
}

async function rawItem(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const out = await DynamoDBDocumentClient.from(admin).send(
    new GetCommand({ TableName: names.history, Key: { pk, sk } }),
  );
  return out.Item;
}

const resumedTokens = (): string[] =>
  sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken ?? '');

describe('waiter and event router', () => {
  it('resumes the matching waiter once, even when the event is delivered twice', async () => {
    const type = freshType();
    const { input, outcome } = await waitFor(type, { task_id: 't1', agent_id: 'a1' });
    const other = await waitFor(type, { task_id: 't2', agent_id: 'a1' });
    expect(outcome).toEqual({ status: 'waiting' });

    const id = randomUUID();
    const first = await emit(type, { agent_id: 'a1', task_id: 't1', result: 'ok' }, id);
    const second = await emit(type, { agent_id: 'a1', task_id: 't1', result: 'ok' }, id);

    expect([first, second]).toEqual([1, 0]);
    expect(resumedTokens()).toEqual([input.task_token]);
    expect(resumedTokens()).not.toContain(other.input.task_token);
    const output = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output ?? '{}');
    expect(output).toMatchObject({ status: 'completed', output: { id, type, data: { task_id: 't1', result: 'ok' } } });
    const { getStep } = await import('../../lambdas/shared/repositories/steps.ts');
    const step = await getStep(input.execution_id, 'execution_monitoring');
    expect(step).toMatchObject({ status: 'completed', attempts: 1, output: { id, type } });
    const waiting = await getStep(other.input.execution_id, 'execution_monitoring');
    expect(waiting).toMatchObject({ status: 'running', input: { event_type: type, filter: { task_id: 't2' } } });
  });

  it('matches numbers and numeric strings alike, whatever the key order', async () => {
    const type = freshType();
    const { input } = await waitFor(type, { task_id: 42, agent_id: 'a1' });

    expect(await emit(type, { agent_id: 'a1', task_id: '42' })).toBe(1);
    expect(resumedTokens()).toEqual([input.task_token]);
  });

  it('lets two routers race on one event: exactly one resume', async () => {
    const type = freshType();
    const { input } = await waitFor(type, { task_id: 'race' });
    const event = {
      id: randomUUID(),
      type,
      source: 's',
      timestamp: new Date().toISOString(),
      data: { task_id: 'race' },
    };
    const { event: stored } = await events.putEvent(event, new Date());

    const results = await Promise.all(Array.from({ length: 6 }, () => route.routeEvent(stored)));

    expect(results.reduce((n, r) => n + r.matched, 0)).toBe(1);
    expect(resumedTokens()).toEqual([input.task_token]);
  });

  it('hands an early event to a waiter that registers later (key-set already known)', async () => {
    const type = freshType();
    await waitFor(type, { task_id: 'someone-else' });
    const run = await startRun();
    await emit(type, { task_id: 'early' });
    sfn.resetHistory();

    const { input, outcome } = await waitFor(type, { task_id: 'early' }, {}, run);

    expect(outcome).toMatchObject({ status: 'matched' });
    expect(resumedTokens()).toEqual([input.task_token]);
  });

  it('hands an early event to a waiter whose key-set is newer than the event', async () => {
    const type = freshType();
    const [one, two] = [await startRun(), await startRun()];
    await emit(type, { task_id: 'first', agent_id: 'x' });

    const { input, outcome } = await waitFor(type, { task_id: 'first', agent_id: 'x' }, {}, one);
    const late = await waitFor(type, { task_id: 'first', agent_id: 'x' }, { step: 'another_step' }, two);

    expect(outcome).toMatchObject({ status: 'matched' });
    expect(late.outcome).toMatchObject({ status: 'matched' });
    expect(resumedTokens()).toEqual([input.task_token, late.input.task_token]);
  });

  it('hands an event to a waiter with a new key-set that registers between the router writing it and reading', async () => {
    const type = freshType();
    const run = await startRun();
    let late: Awaited<ReturnType<typeof waitFor>> | undefined;
    // The router's first read of the type's routing state answers only after a waiter with a key-set no router has
    // seen has registered and made its own early-event lookup.
    hook = {
      when: (operation, input) => operation === 'Query' && input.includes(type),
      after: async () => {
        late = await waitFor(type, { task_id: 'between' }, {}, run);
      },
    };

    const matched = await emit(type, { task_id: 'between' });

    expect(late?.outcome).toMatchObject({ status: 'matched' });
    expect(matched).toBe(0);
    expect(resumedTokens()).toEqual([late?.input.task_token]);
  });

  it('routes an event no waiter waits for with four requests the first time its type comes to an environment, three while the routes read are fresh (declarations not yet complete)', async () => {
    const type = freshType();
    const empty = `${type}#${filterHash({})}`;
    // The router's clocks stand still: whatever it read stays fresh (the cache lifetime is the next tests' subject).
    vi.spyOn(route.routesClock, 'now').mockReturnValue(route.routesClock.now());
    const [cold, warm] = [busEvent(type, { task_id: 'nobody' }), busEvent(type, { task_id: 'nobody' })];

    recorded = [];
    expect(await router.handler(cold, lambdaContext)).toEqual({ matched: 0 });
    expect(recorded).toEqual([
      `PutItem EVT#${cold.id}`,
      `PutItem EARLY#${empty}`,
      // Key-sets of waits registered before routes existed: read once per type and environment.
      `Query WAITKEYS#${type}`,
      `Query WAIT#${empty}`,
    ]);
    recorded = [];
    expect(await router.handler(warm, lambdaContext)).toEqual({ matched: 0 });
    // The routes say nobody declared the type; until every version's waits are declared that changes nothing (the
    // router asks at most once per cache lifetime, see "declared waits" below).
    expect(recorded).toEqual([`PutItem EVT#${warm.id}`, 'GetItem DECLARED', `PutItem EARLY#${empty}`]);
    expect(await events.getEvent(warm.id)).toMatchObject({ type, data: { task_id: 'nobody' } });
  });

  it('reads the routes again once the cache lifetime has passed, and finds the filtered waiter', async () => {
    const type = freshType();
    const empty = `${type}#${filterHash({})}`;
    const own = `${type}#${filterHash({ task_id: 'someone' })}`;
    const start = route.routesClock.now();
    const clock = vi.spyOn(route.routesClock, 'now').mockReturnValue(start);
    expect(await router.handler(busEvent(type, { task_id: 'nobody' }), lambdaContext)).toEqual({ matched: 0 });
    const { input } = await waitFor(type, { task_id: 'someone' });
    // Past the lifetime by one clock only (a frozen container's monotonic clock): stale all the same.
    clock.mockReturnValue({ wall: start.wall + route.ROUTES_CACHE_MS + 1, mono: start.mono });
    const awaited = busEvent(type, { task_id: 'someone' });

    recorded = [];
    expect(await router.handler(awaited, lambdaContext)).toEqual({ matched: 1 });
    expect(recorded.slice(0, 5)).toEqual([
      `PutItem EVT#${awaited.id}`,
      `PutItem EARLY#${empty}`,
      `Query WAIT#${empty}`,
      `PutItem EARLY#${own}`,
      `Query WAIT#${own}`,
    ]);
    expect(resumedTokens()).toEqual([input.task_token]);
  });

  it("hands an event routed on cached routes older than a new key-set to that key-set's waiter", async () => {
    const type = freshType();
    const run = await startRun();
    vi.spyOn(route.routesClock, 'now').mockReturnValue(route.routesClock.now());
    // This router reads the routes now (none) and keeps trusting that read.
    await emit(type, { task_id: 'unrelated' });
    const awaited = randomUUID();
    // Once the waiter has registered its new key-set and itself, the router routes the awaited event on its cached
    // routes: it writes the early event under the empty key-set only and reads no waiter.
    hook = {
      when: (operation, input) => operation === 'PutItem' && input.includes(`WAIT#${type}#`),
      after: async () => {
        recorded = [];
        expect(await emit(type, { task_id: 'fenced' }, awaited)).toBe(0);
        expect(recorded).toEqual([
          `PutItem EVT#${awaited}`,
          'GetItem DECLARED',
          `PutItem EARLY#${type}#${filterHash({})}`,
        ]);
      },
    };

    const { input, outcome } = await waitFor(type, { task_id: 'fenced' }, {}, run);

    expect(hook).toBeUndefined();
    expect(outcome).toEqual({ status: 'matched', event_id: awaited });
    expect(resumedTokens()).toEqual([input.task_token]);
  });

  it("makes the waiter of a new route look for early events only after the routers' cache lifetime, then settles it", async () => {
    const type = freshType();
    const routes = `WAIT#${type}#${filterHash({})}`;
    timeline = [];

    expect((await waitFor(type, { task_id: 'a' })).outcome).toEqual({ status: 'waiting' });

    const registered = timeline.find((t) => t.request === `UpdateItem ${routes}` && t.input.includes('#ROUTE#'));
    const look = timeline.find((t) => t.request.startsWith(`Query EARLY#${type}#`));
    expect(look!.sent - registered!.answered!).toBeGreaterThanOrEqual(route.ROUTES_CACHE_MS);
    const item = await rawItem(routes, '#ROUTE#task_id');
    expect(item).toMatchObject({ route_keys: ':task_id', settled_at: expect.any(Number) });

    // A settled route: the next waiter of the key-set writes the route once (its registration) and settles nothing.
    recorded = [];
    await waitFor(type, { task_id: 'b' });
    expect(recorded.filter((r) => r === `UpdateItem ${routes}`)).toHaveLength(1);
  });

  it('still resumes waits registered before routes existed: legacy key-sets, and waiters without a filter or route record', async () => {
    const type = freshType();
    const legacyWaiter = (executionId: string, filter: Record<string, unknown>, token: string) => ({
      pk: `WAIT#${type}#${filterHash(filter)}`,
      sk: `${executionId}#execution_monitoring`,
      event_type: type,
      filter_hash: filterHash(filter),
      filter,
      execution_id: executionId,
      workflow_id: 'wf-1',
      correlation_id: 'corr-1',
      step: 'execution_monitoring',
      task_token: token,
      status: 'waiting',
      registered_at: new Date().toISOString(),
      expires_at: Math.ceil(Date.now() / 1000) + 3600,
    });
    // As a release before routes stored them: the key-set under WAITKEYS#<type>, no route record at all.
    await putRaw(admin, names.history, { pk: `WAITKEYS#${type}`, sk: 'task_id', created_at: Date.now() });
    await putRaw(admin, names.history, legacyWaiter(await startRun(), { task_id: 'old' }, 'token-legacy-filtered'));
    await putRaw(admin, names.history, legacyWaiter(await startRun(), {}, 'token-legacy-unfiltered'));
    const { findRoutes } = await import('../../lambdas/shared/repositories/waiters.ts');
    // The waiters without a filter are read on every event, as those registered with a route record are.
    expect((await findRoutes(type, Date.now())).routes).toEqual({
      keySets: [['task_id']],
      unfiltered: true,
      declared: true,
    });
    expect(await emit(type, { task_id: 'old' })).toBe(2);
    expect(resumedTokens().sort()).toEqual(['token-legacy-filtered', 'token-legacy-unfiltered']);
  });

  it('ignores early events past their keep time', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2032-01-01T00:00:00Z'));
    const type = freshType();
    await waitFor(type, { task_id: 'other' });
    const run = await startRun();
    await emit(type, { task_id: 'stale' });

    vi.setSystemTime(new Date('2032-01-01T00:16:00Z'));
    const { outcome } = await waitFor(type, { task_id: 'stale' }, {}, run);

    expect(outcome).toEqual({ status: 'waiting' });
    expect(resumedTokens()).toEqual([]);
  });

  it('does not complete a run that started after the event was received (a stale event for the same task id)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2033-01-01T00:00:00Z'));
    const type = freshType();
    await emit(type, { task_id: 'same' });

    vi.setSystemTime(new Date('2033-01-01T00:01:00Z'));
    const { outcome } = await waitFor(type, { task_id: 'same' });
    const unfiltered = await waitFor(type, {});

    expect(outcome).toEqual({ status: 'waiting' });
    expect(unfiltered.outcome).toEqual({ status: 'waiting' });
    expect(resumedTokens()).toEqual([]);
  });

  it('lets a wait opt in to older events with accept_events_since, within that duration only', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2034-01-01T00:00:00Z'));
    const type = freshType();
    await emit(type, { task_id: 'old' });

    vi.setSystemTime(new Date('2034-01-01T00:05:00Z'));
    const tooShort = await waitFor(type, { task_id: 'old' }, { accept_events_since_seconds: 60 });
    const longEnough = await waitFor(type, { task_id: 'old' }, { accept_events_since_seconds: 600 });

    expect(tooShort.outcome).toEqual({ status: 'waiting' });
    expect(longEnough.outcome).toMatchObject({ status: 'matched' });
    expect(resumedTokens()).toEqual([longEnough.input.task_token]);
  });

  it('resumes each run at most once with one event: a second wait of the same run takes the next event', async () => {
    const type = freshType();
    const run = await startRun();
    const firstId = randomUUID();
    await emit(type, { task_id: 'twice' }, firstId);

    const first = await waitFor(type, { task_id: 'twice' }, { step: 'first_wait' }, run);
    const second = await waitFor(type, { task_id: 'twice' }, { step: 'second_wait' }, run);
    const other = await waitFor(type, { task_id: 'twice' }, {}, await startRun());
    const nextEvent = randomUUID();
    await emit(type, { task_id: 'twice' }, nextEvent);

    expect(first.outcome).toEqual({ status: 'matched', event_id: firstId });
    expect(second.outcome).toEqual({ status: 'waiting' });
    expect(other.outcome).toEqual({ status: 'waiting' });
    // The first event resumed the first wait; the next one resumed the other two, in whichever order its
    // deliveries ran.
    const [byFirst, ...byNext] = resumedTokens();
    expect(byFirst).toBe(first.input.task_token);
    expect(byNext.sort()).toEqual([second.input.task_token, other.input.task_token].sort());
  });

  it('marks the waiter expired when its token is already closed, without failing the router', async () => {
    const type = freshType();
    await waitFor(type, { task_id: 'gone' });
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('timed out'), { name: 'TaskTimedOut' }));

    expect(await emit(type, { task_id: 'gone' })).toBe(0);
    sfn.on(SendTaskSuccessCommand).resolves({});
    expect(await emit(type, { task_id: 'gone' })).toBe(0);
  });

  it('gives the claim back when the resume fails for another reason, so a redelivery resumes it', async () => {
    const type = freshType();
    const { input } = await waitFor(type, { task_id: 'retry' });
    const id = randomUUID();
    sfn.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    await expect(emit(type, { task_id: 'retry' }, id)).rejects.toMatchObject({ name: 'DeliveryError' });
    expect(await emit(type, { task_id: 'retry' }, id)).toBe(1);
    expect(resumedTokens()).toEqual([input.task_token, input.task_token]);
  });

  it('does not register a paused run: Steward.Paused', async () => {
    const executionId = randomUUID();
    await putRaw(admin, names.history, executionItem(executionId, 'paused'));
    const input: EventWaitInput = {
      kind: 'event_wait',
      execution_id: executionId,
      workflow_id: 'wf-1',
      correlation_id: 'c',
      step: 'wait',
      event_type: freshType(),
      filter: {},
      task_token: 'tok',
    };
    await expect(waiter.handler(input, lambdaContext)).rejects.toMatchObject({ name: 'Steward.Paused' });
  });

  it('routes events from the bus (whole Steward event or plain detail) and stores them', async () => {
    const type = freshType();
    const { input } = await waitFor(type, { correlation_id: 'corr-9' });
    const fromBus = busEvent(type, { correlation_id: 'corr-9', anything: 1 });

    const out = await router.handler(fromBus, lambdaContext);

    expect(out).toEqual({ matched: 1 });
    expect(resumedTokens()).toEqual([input.task_token]);
    expect(await events.getEvent(fromBus.id)).toMatchObject({ type, correlation_id: 'corr-9' });
  });
});

describe('park', () => {
  it('stores the token of a paused run', async () => {
    const executionId = randomUUID();
    await putRaw(admin, names.history, executionItem(executionId, 'paused'));

    const out = await waiter.handler(
      { kind: 'park', execution_id: executionId, step: 's', task_token: 'park-1' },
      lambdaContext,
    );

    expect(out).toEqual({ status: 'parked' });
    expect(resumedTokens()).toEqual([]);
  });

  it('releases the token at once when the run was resumed in between', async () => {
    const executionId = randomUUID();
    await putRaw(admin, names.history, executionItem(executionId, 'running'));

    const out = await waiter.handler(
      { kind: 'park', execution_id: executionId, step: 's', task_token: 'park-2' },
      lambdaContext,
    );

    expect(out).toEqual({ status: 'released' });
    expect(resumedTokens()).toEqual(['park-2']);
  });
});

describe('declared waits', () => {
  let declared: typeof import('../../lambdas/shared/declared-waits.ts');
  let waiters: typeof import('../../lambdas/shared/repositories/waiters.ts');
  const doc = DynamoDBDocumentClient.from(admin);
  beforeAll(async () => {
    declared = await import('../../lambdas/shared/declared-waits.ts');
    waiters = await import('../../lambdas/shared/repositories/waiters.ts');
  });
  beforeEach(async () => {
    await waiters.markDeclarationsComplete(Date.now());
  });
  afterEach(async () => {
    // The other tests of this file run as before declarations: every type counts as declared.
    await doc.send(new DeleteCommand({ TableName: names.history, Key: { pk: 'DECLARED', sk: 'COMPLETE' } }));
  });

  /** A workflow document whose only step waits for `type` (all that declarations read of it). */
  const waitingFor = (type: string) =>
    ({
      name: `waits-${type}`,
      definition: { steps: [{ name: 'wait', step_type: 'event_wait', event_type: type }] },
    }) as unknown as import('../../lib/core/workflow/schema.ts').WorkflowDocument;

  const earlyEventsOf = async (type: string) =>
    (
      await doc.send(
        new QueryCommand({
          TableName: names.history,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `EARLY#${type}#${filterHash({})}` },
        }),
      )
    ).Items ?? [];

  it('stores an event of a type no version declared and writes nothing else, once the routes were read after declarations were known complete', async () => {
    const type = freshType();
    const empty = `${type}#${filterHash({})}`;
    const start = route.routesClock.now();
    const clock = vi.spyOn(route.routesClock, 'now').mockReturnValue(start);
    const first = busEvent(type, { n: 1 });
    const second = busEvent(type, { n: 2 });
    const third = busEvent(type, { n: 3 });
    const fourth = busEvent(type, { n: 4 });

    recorded = [];
    await router.handler(first, lambdaContext);
    // Routes not read yet: the event is routed as always.
    expect(recorded).toEqual([
      `PutItem EVT#${first.id}`,
      `PutItem EARLY#${empty}`,
      `Query WAITKEYS#${type}`,
      `Query WAIT#${empty}`,
    ]);
    recorded = [];
    await router.handler(second, lambdaContext);
    // Fresh routes say nobody declared the type, but they were read before this router knew declarations complete.
    expect(recorded).toEqual([`PutItem EVT#${second.id}`, 'GetItem DECLARED', `PutItem EARLY#${empty}`]);
    clock.mockReturnValue({
      wall: start.wall + route.ROUTES_CACHE_MS + 1,
      mono: start.mono + route.ROUTES_CACHE_MS + 1,
    });
    recorded = [];
    await router.handler(third, lambdaContext);
    expect(recorded).toEqual([`PutItem EVT#${third.id}`, `PutItem EARLY#${empty}`, `Query WAIT#${empty}`]);
    recorded = [];
    expect(await router.handler(fourth, lambdaContext)).toEqual({ matched: 0 });
    expect(recorded).toEqual([`PutItem EVT#${fourth.id}`]);
    expect(await events.getEvent(fourth.id)).toMatchObject({ type, data: { n: 4 } });
    expect((await earlyEventsOf(type)).map((e) => String(e.sk).split('#')[1])).toEqual([first.id, second.id, third.id]);
  });

  it('keeps early events of a declared type, and a run of the declaring version that registers its wait later takes one', async () => {
    const type = freshType();
    vi.spyOn(route.routesClock, 'now').mockReturnValue(route.routesClock.now());
    expect(await declared.declareWorkflowWaits(waitingFor(type))).toEqual([type]);
    const run = await startRun();
    // Routes read (declared) and cached; the awaited event comes on those cached routes, before the wait registers.
    await router.handler(busEvent(type, { task_id: 'other' }), lambdaContext);
    const awaited = busEvent(type, { task_id: 'mine' });
    recorded = [];
    await router.handler(awaited, lambdaContext);
    expect(recorded).toEqual([`PutItem EVT#${awaited.id}`, `PutItem EARLY#${type}#${filterHash({})}`]);

    const { outcome } = await waitFor(type, { task_id: 'mine' }, {}, run);
    expect(outcome).toMatchObject({ status: 'matched', event_id: awaited.id });
  });

  it('counts a type with a registered wait as declared, whatever declared it (a version from before declarations)', async () => {
    const type = freshType();
    const start = route.routesClock.now();
    const clock = vi.spyOn(route.routesClock, 'now').mockReturnValue(start);
    // This router knows declarations complete before it reads the type's routes.
    await router.handler(busEvent(type, { task_id: 'first' }), lambdaContext);
    await router.handler(busEvent(type, { task_id: 'first' }), lambdaContext);
    const { input } = await waitFor(type, { task_id: 'undeclared' });
    clock.mockReturnValue({
      wall: start.wall + route.ROUTES_CACHE_MS + 1,
      mono: start.mono + route.ROUTES_CACHE_MS + 1,
    });
    expect(await router.handler(busEvent(type, { task_id: 'undeclared' }), lambdaContext)).toEqual({ matched: 1 });
    expect(resumedTokens()).toEqual([input.task_token]);
  });

  it("makes a new declaration wait out the routers' cache lifetime once declarations are complete, and no other", async () => {
    const fence = vi.spyOn(declared.declarationFence, 'wait');
    // New, with declarations complete: a router may trust a read that lacks it.
    const t0 = performance.now();
    await declared.declareEventTypes([freshType()]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(declared.DECLARATION_FENCE_MS - 1);
    expect(fence.mock.calls.map(([, ms]) => ms)).toEqual([declared.DECLARATION_FENCE_MS]);
    // Declared long ago: every router has read it since.
    const old = freshType();
    await declared.declareEventTypes([old], Date.now() - 120_000);
    fence.mockClear();
    await declared.declareEventTypes([old]);
    expect(fence).not.toHaveBeenCalled();
    // Not yet complete: no router trusts a read without it.
    await doc.send(new DeleteCommand({ TableName: names.history, Key: { pk: 'DECLARED', sk: 'COMPLETE' } }));
    await declared.declareEventTypes([freshType()]);
    expect(fence).not.toHaveBeenCalled();
    // No wait step, nothing declared.
    expect(await declared.declareWorkflowWaits({ ...waitingFor('x'), definition: { steps: [] } } as never)).toEqual([]);
  });
});

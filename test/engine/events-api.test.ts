import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { executionItem, lambdaContext, putRaw } from './support.ts';

const admin = new DynamoDBClient({});
const sfn = mockClient(SFNClient);
const bus = mockClient(EventBridgeClient);
let names: { registry: string; history: string };
let api: typeof import('../../lambdas/api-events/handler.ts');
let waiter: typeof import('../../lambdas/waiter/handler.ts');

beforeAll(async () => {
  names = await useFreshTables(admin);
  process.env.EVENT_BUS_NAME = 'steward-test-bus';
  const clients = await import('../../lambdas/shared/clients/dynamodb.ts');
  enforceDataRules(clients.dynamodb);
  api = await import('../../lambdas/api-events/handler.ts');
  waiter = await import('../../lambdas/waiter/handler.ts');
});
beforeEach(() => {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; query?: Record<string, string> } = {},
) {
  const event = {
    httpMethod: method,
    path,
    resource: '',
    pathParameters: null,
    queryStringParameters: options.query ?? null,
    headers: { 'content-type': 'application/json' },
    body: options.raw ?? (options.body === undefined ? null : JSON.stringify(options.body)),
    isBase64Encoded: false,
    requestContext: { requestId: 'r1', identity: { sourceIp: '127.0.0.1' } },
  } as unknown as APIGatewayProxyEvent;
  const res = await api.handler(event, lambdaContext);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

describe('POST /events', () => {
  it('stores, routes to the waiting step, publishes, answers 202; a second delivery resumes nobody again', async () => {
    const executionId = randomUUID();
    await putRaw(admin, names.history, executionItem(executionId, 'running'));
    await waiter.handler(
      {
        kind: 'event_wait',
        execution_id: executionId,
        workflow_id: 'wf-1',
        correlation_id: 'c-1',
        step: 'execution_monitoring',
        event_type: 'agent.task_completed',
        filter: { task_id: 'T-1', agent_id: 'A-1' },
        task_token: 'tok-api',
      },
      lambdaContext,
    );
    const body = {
      id: randomUUID(),
      type: 'agent.task_completed',
      source: 'agent-orchestrator',
      correlation_id: 'c-1',
      data: { task_id: 'T-1', agent_id: 'A-1' },
    };

    const first = await call('POST', '/events', { body });
    const second = await call('POST', '/events', { body });

    expect(first).toEqual({ status: 202, body: { event_id: body.id, matched: 1, duplicate: false } });
    expect(second).toEqual({ status: 202, body: { event_id: body.id, matched: 0, duplicate: true } });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(1);
    const got = await call('GET', `/events/${body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: body.id, type: body.type, matched: 1, correlation_id: 'c-1' });
  });

  it.each([
    ['does not complete a run started after the event was received', undefined, 0, 'waiting'],
    ['completes it when the wait opts in with accept_events_since', 3_600, 1, 'matched'],
  ])('an event POSTed before the run started %s', async (_name, since, resumes, status) => {
    const type = `order.packed_${randomUUID().slice(0, 8)}`;
    const posted = await call('POST', '/events', { body: { type, source: 'warehouse', data: { order_id: 'o-9' } } });
    const executionId = randomUUID();
    // Started strictly after the event was received (a millisecond clock could make them equal).
    const stored = await call('GET', `/events/${posted.body.event_id}`);
    const startedAt = new Date(Date.parse(stored.body.received_at) + 5).toISOString();
    await putRaw(admin, names.history, { ...executionItem(executionId, 'running'), started_at: startedAt });

    const outcome = await waiter.handler(
      {
        kind: 'event_wait',
        execution_id: executionId,
        workflow_id: 'wf-1',
        correlation_id: 'c-2',
        step: 'packed',
        event_type: type,
        filter: { order_id: 'o-9' },
        task_token: `tok-${executionId}`,
        ...(since === undefined ? {} : { accept_events_since_seconds: since }),
      },
      lambdaContext,
    );

    expect(posted.status).toBe(202);
    expect(outcome).toMatchObject({ status });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(resumes);
  });

  it('answers 409 when an id is reused with different content', async () => {
    const id = randomUUID();
    await call('POST', '/events', { body: { id, type: 'a.b', source: 's', data: { x: 1 } } });

    const res = await call('POST', '/events', { body: { id, type: 'a.b', source: 's', data: { x: 2 } } });

    expect(res.status).toBe(409);
  });

  it.each([
    { name: 'missing type', body: { source: 's', data: {} }, field: 'body.type' },
    { name: 'missing data', body: { type: 'a.b', source: 's' }, field: 'body.data' },
    { name: 'data not an object', body: { type: 'a.b', source: 's', data: [1] }, field: 'body.data' },
    {
      name: 'bad timestamp',
      body: { type: 'a.b', source: 's', data: {}, timestamp: 'yesterday' },
      field: 'body.timestamp',
    },
    { name: 'type with #', body: { type: 'a#b', source: 's', data: {} }, field: 'body.type' },
    { name: 'unknown field', body: { type: 'a.b', source: 's', data: {}, extra: 1 }, field: 'body' },
  ])('answers 400 naming the field: $name', async ({ body, field }) => {
    const res = await call('POST', '/events', { body });

    expect(res.status).toBe(400);
    expect(res.body.error.problems.map((p: { field: string }) => p.field)).toContain(field);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await call('POST', '/events', { raw: '{not json' });
    expect(res.status).toBe(400);
  });
});

describe('GET /events/{id}: matched', () => {
  it('counts every run the event resumed, whichever path resumed it (bus router, early event)', async () => {
    const type = `count.type_${randomUUID().slice(0, 6)}`;
    const register = async (executionId: string, token: string, started = true) => {
      if (!started) await putRaw(admin, names.history, executionItem(executionId, 'running'));
      return waiter.handler(
        {
          kind: 'event_wait',
          execution_id: executionId,
          workflow_id: 'wf-1',
          correlation_id: 'c-count',
          step: 'wait',
          event_type: type,
          filter: { job: 'J-1' },
          task_token: token,
        },
        lambdaContext,
      );
    };
    await register(randomUUID(), 'tok-count-1', false);
    await register(randomUUID(), 'tok-count-2', false);
    // The third run started before the event was received and registers its wait only afterwards: the race an
    // early event covers.
    const lateRun = randomUUID();
    await putRaw(admin, names.history, executionItem(lateRun, 'running'));
    const router = await import('../../lambdas/event-router/handler.ts');
    const id = randomUUID();

    // Through the bus (a producer's PutEvents), as the router receives it; then a run that registers afterwards.
    const routed = await router.handler(
      {
        id,
        version: '0',
        'detail-type': type,
        source: 'jobs',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: { id, type, source: 'jobs', data: { job: 'J-1' } },
      },
      lambdaContext,
    );
    const late = await register(lateRun, 'tok-count-3');

    expect(routed).toEqual({ matched: 2 });
    expect(late).toMatchObject({ status: 'matched', event_id: id });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(3);
    const got = await call('GET', `/events/${id}`);
    expect(got.body).toMatchObject({ id, matched: 3 });
  });
});

describe('GET /events and /correlations/{id}/events', () => {
  it('lists by type, by correlation id and by time range, newest first, paginated', async () => {
    const corr = `corr-${randomUUID()}`;
    const type = `list.type_${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 3; i++) {
      await call('POST', '/events', {
        body: { type, source: 's', correlation_id: corr, timestamp: `2030-01-0${i + 1}T00:00:00Z`, data: { i } },
      });
    }

    const byType = await call('GET', '/events', { query: { type, limit: '2' } });
    const next = await call('GET', '/events', { query: { type, limit: '2', next_token: byType.body.next_token } });
    const byCorr = await call('GET', `/correlations/${corr}/events`, { query: { from: '2030-01-02T00:00:00Z' } });
    const both = await call('GET', '/events', { query: { type, correlation_id: corr, to: '2030-01-01T12:00:00Z' } });

    expect(byType.body.events.map((e: { data: { i: number } }) => e.data.i)).toEqual([2, 1]);
    expect(next.body.events.map((e: { data: { i: number } }) => e.data.i)).toEqual([0]);
    expect(byCorr.body.events.map((e: { data: { i: number } }) => e.data.i)).toEqual([2, 1]);
    expect(both.body.events.map((e: { data: { i: number } }) => e.data.i)).toEqual([0]);
  });

  it.each([
    { query: { limit: '0' }, field: 'query.limit' },
    { query: { from: 'soon' }, field: 'query.from' },
    { query: { next_token: 'forged.token' }, field: 'query.next_token' },
    { query: { from: '2030-02-01T00:00:00Z', to: '2030-01-01T00:00:00Z' }, field: 'query.from' },
    { query: { colour: 'red' }, field: 'query' },
  ])('answers 400 for bad query $query', async ({ query, field }) => {
    const res = await call('GET', '/events', { query: query as unknown as Record<string, string> });

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain(field);
  });

  it('answers 404 for an unknown event', async () => {
    expect((await call('GET', `/events/${randomUUID()}`)).status).toBe(404);
  });
});

describe('fuzzing', () => {
  it('never answers 5xx to any POST /events body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              id: fc.oneof(fc.uuid(), fc.string()),
              type: fc.oneof(fc.constantFrom('a.b', 'agent.task_completed'), fc.string()),
              source: fc.string(),
              timestamp: fc.oneof(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string(),
              ),
              correlation_id: fc.string(),
              data: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          const res = await call('POST', '/events', { body });
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to any GET query string', async () => {
    const value = fc.oneof(fc.string(), fc.constantFrom('2030-01-01T00:00:00Z', '5', '100', '101', 'a.b'));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('type', 'correlation_id', 'from', 'to', 'limit', 'next_token', 'x'), value),
        fc.string({ minLength: 1, maxLength: 200 }),
        async (query, id) => {
          for (const path of [
            '/events',
            `/correlations/${encodeURIComponent(id)}/events`,
            `/events/${encodeURIComponent(id)}`,
          ]) {
            const res = await call('GET', path, { query });
            expect(res.status).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';

const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);
const sfn = mockClient((await import('../../lambdas/shared/clients/sfn.ts')).sfn);
type Handler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let clear: () => void;

beforeAll(async () => {
  process.env[ENV.eventBus] = 'bus';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  handler = (await import('../../lambdas/api-health/handler.ts')).handler as unknown as Handler;
  clear = (await import('../../lambdas/api-health/dependencies.ts')).clearDependencyCache;
});
beforeEach(() => {
  clear();
  bus.reset();
  sfn.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });
  sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
});

describe("Steward's own health", () => {
  it('liveness answers without touching dependencies', async () => {
    const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
    const sent: string[] = [];
    const counter = 'countLivenessRequests';
    dynamodb.middlewareStack.add(
      (next, ctx) => async (args) => {
        sent.push(ctx.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: counter },
    );
    try {
      const res = await handler(apiEvent('GET', '/health/liveness'), context);
      expect(res.statusCode).toBe(200);
      expect(json(res).status).toBe('ok');
      expect(bus.calls()).toHaveLength(0);
      expect(sfn.calls()).toHaveLength(0);
      expect(sent).toEqual([]);
      // The counter sees what the handler sends: readiness reads the tables through the same client.
      await handler(apiEvent('GET', '/health/readiness'), context);
      expect(sent.length).toBeGreaterThan(0);
    } finally {
      dynamodb.middlewareStack.remove(counter);
    }
  });

  it('readiness is 200 when tables, bus and state machines answer', async () => {
    const res = await handler(apiEvent('GET', '/health/readiness'), context);
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ status: 'ready', failing: [] });
    const deps = json(await handler(apiEvent('GET', '/health/dependencies'), context));
    expect(deps.dependencies.map((d: { name: string }) => d.name)).toEqual([
      'dynamodb:registry',
      'dynamodb:history',
      'eventbridge',
      'stepfunctions',
    ]);
  });

  it('readiness is 503 naming what failed', async () => {
    sfn.on(ListStateMachinesCommand).rejects(new Error('AccessDenied'));
    const res = await handler(apiEvent('GET', '/health/readiness'), context);
    expect(res.statusCode).toBe(503);
    expect(json(res)).toMatchObject({ status: 'not_ready', failing: ['stepfunctions'] });
  });
});

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { apiEvent, context, json } from './support/api.ts';

type Handler = (e: APIGatewayProxyEvent, c: typeof context) => Promise<APIGatewayProxyResult>;
let handler: Handler;
const bus = mockClient((await import('../../lambdas/shared/clients/eventbridge.ts')).eventBridge);

beforeAll(async () => {
  process.env[ENV.eventBus] = 'steward-test-bus';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
  enforceDataRules(dynamodb);
  handler = (await import('../../lambdas/api-services/handler.ts')).handler as unknown as Handler;
});
beforeEach(() => {
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

const call = (method: string, path: string, body?: unknown) => handler(apiEvent(method, path, body), context);

describe('re-registering a retired name', () => {
  it('keeps the id and history only: fields the new request did not send take their defaults', async () => {
    const first = json(
      await call('POST', '/services', {
        name: 'billing',
        port: 8080,
        description: 'old billing',
        failure_threshold: 7,
        tags: { team: 'old' },
        restart_policy: { max_restarts: 1, action: 'none' },
        phi_accrual: { threshold: 12 },
      }),
    );
    // The old life spent its budget.
    const { saveRestartState } = await import('../../lambdas/shared/repositories/restarts.ts');
    const { initialRestartState } = await import('../../lib/core/supervision/restart-budget.ts');
    await saveRestartState(first.id, { ...initialRestartState(), restarts: [Date.now()], attempt: 1, failed: true }, 0);
    expect((await call('DELETE', `/services/${first.id}`)).statusCode).toBe(200);

    const again = await call('POST', '/services', { name: 'billing', port: 9090 });

    expect(again.statusCode).toBe(201);
    const revived = json(await call('GET', `/services/${first.id}`));
    expect(revived).toMatchObject({
      id: first.id,
      name: 'billing',
      port: 9090,
      lifecycle: 'registered',
      health: 'unknown',
      user_fields: ['port'],
      restarts: { restarts: [], attempt: 0, failed: false },
    });
    for (const field of ['description', 'failure_threshold', 'tags', 'restart_policy', 'phi_accrual', 'retired_at'])
      expect(revived, field).not.toHaveProperty(field);
    expect(revived.created_at).toBe(first.created_at);
  });
});

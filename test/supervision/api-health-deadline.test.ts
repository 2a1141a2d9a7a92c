/**
 * Readiness checks give up at their deadline and cancel the request they sent (the SDK's abortSignal), instead of
 * answering late while the request keeps running. Step Functions and EventBridge here are a server that accepts
 * requests and never answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/core/env.ts';
import { useFreshTables } from '../support/tables.ts';

let server: Server;
const closedEarly: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    // Never answers; notes when the client gives up on the request.
    res.on('close', () => closedEarly.push(String(req.headers['x-amz-target'] ?? req.url)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_ENDPOINT_URL_SFN = url;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = url;
  process.env[ENV.eventBus] = 'bus';
  const { dynamodb } = await import('../../lambdas/shared/clients/dynamodb.ts');
  await useFreshTables(dynamodb);
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SFN;
  delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('readiness deadlines', () => {
  it('reports a dependency that does not answer in time, and cancels the request it sent', async () => {
    const { checkDependencies } = await import('../../lambdas/api-health/dependencies.ts');

    const result = await checkDependencies(300);

    const byName = Object.fromEntries(result.map((d) => [d.name, d]));
    expect(byName['dynamodb:registry']?.ok).toBe(true);
    expect(byName.stepfunctions).toMatchObject({ ok: false, message: 'no answer within 300 ms' });
    expect(byName.eventbridge).toMatchObject({ ok: false, message: 'no answer within 300 ms' });
    await expect.poll(() => closedEarly.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { PATH_PARAMS } from '../../lib/core/api/params.ts';
import { ROUTES } from '../../lib/core/api/routes/index.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, fakeStepFunctions, setHandlerEnv } from './harness.ts';

fakeStepFunctions();
fakeEventBridge();
let handlers: Record<string, ApiLambda>;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  const load = async (path: string): Promise<ApiLambda> => (await import(path)).handler as unknown as ApiLambda;
  handlers = {
    'api-workflows': await load('../../lambdas/api-workflows/handler.ts'),
    'api-executions': await load('../../lambdas/api-executions/handler.ts'),
    'api-events': await load('../../lambdas/api-events/handler.ts'),
    'api-services': await load('../../lambdas/api-services/handler.ts'),
  };
});

const fieldsOf = (body: { error: { problems?: Array<{ field: string }> } }): string[] =>
  (body.error.problems ?? []).map((p) => p.field);

describe('bad input is a 4xx naming the field, never a 5xx', () => {
  it.each([
    ['api-executions', '/steps'],
    ['api-executions', '/audit'],
    ['api-executions', '/executions'],
    ['api-events', '/events'],
  ])('a reversed range on %s %s is a 400 naming query.from', async (fn, path) => {
    const res = await call(handlers[fn]!, 'GET', path, {
      query: { from: '2030-01-01T00:00:00Z', to: '2000-01-01T00:00:00Z' },
    });

    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['query.from']);
  });

  it.each([
    ['2025-02-30T00:00:00Z', 'query.from'],
    ['2025-13-01T00:00:00Z', 'query.from'],
    ['yesterday', 'query.from'],
  ])('a malformed date %s on /steps and /audit is a 400', async (from, field) => {
    for (const path of ['/steps', '/audit']) {
      const res = await call(handlers['api-executions']!, 'GET', path, { query: { from } });
      expect(res.status, path).toBe(400);
      expect(fieldsOf(res.body), path).toContain(field);
    }
  });

  it('a range with offsets is compared as instants, not as text', async () => {
    // 10:00+02:00 is 08:00Z, before 09:00Z: a valid range although the text sorts the other way.
    const res = await call(handlers['api-executions']!, 'GET', '/steps', {
      query: { from: '2025-01-01T10:00:00+02:00', to: '2025-01-01T09:00:00Z' },
    });
    expect(res.status).toBe(200);
  });

  it.each(['GET', 'PUT', 'DELETE'])('%s /services/<2,050 characters> is a 400 naming path.service_id', async (m) => {
    const id = 'a'.repeat(2_050);

    const res = await call(handlers['api-services']!, m, `/services/${id}`, {
      body: m === 'PUT' ? { description: 'x' } : undefined,
    });

    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['path.service_id']);
  });

  it('every path id of every route is length-checked at its key limit', async () => {
    for (const route of ROUTES) {
      const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const name of names) {
        const max = PATH_PARAMS[name]!.maxLength;
        let path = route.path;
        for (const other of names) path = path.replace(`{${other}}`, other === name ? 'é'.repeat(max + 1) : 'x');
        const res = await call(handlers[route.functionId]!, route.method, path, { body: {} });
        expect(res.status, `${route.method} ${route.path} ${name}`).toBe(400);
        expect(fieldsOf(res.body)).toContain(`path.${name}`);
      }
    }
  });

  it('an unsupported method on a known route is a 405 with Allow', async () => {
    const res = await call(handlers['api-services']!, 'PATCH', '/services/abc');

    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, PUT, DELETE');
    expect(res.body.error).toMatchObject({ code: 'method_not_allowed', allow: ['GET', 'PUT', 'DELETE'] });

    const post = await call(handlers['api-executions']!, 'DELETE', '/executions');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('POST, GET');
  });

  it('numbers DynamoDB cannot store and nesting it refuses are a 400 naming the field, not a 500', async () => {
    const tiny = await call(handlers['api-services']!, 'POST', '/services', {
      body: { name: 'tiny', phi_accrual: { threshold: 2.8e-297 } },
    });
    const huge = await call(handlers['api-events']!, 'POST', '/events', {
      body: { type: 'a.b', source: 's', data: { x: 1e300 } },
    });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const nested = await call(handlers['api-events']!, 'POST', '/events', {
      body: { type: 'a.b', source: 's', data: { deep } },
    });

    expect(tiny.status).toBe(400);
    expect(fieldsOf(tiny.body)).toEqual(['body.phi_accrual.threshold']);
    expect(huge.status).toBe(400);
    expect(fieldsOf(huge.body)).toEqual(['body.data.x']);
    expect(nested.status).toBe(400);
    expect(fieldsOf(nested.body)[0]).toMatch(/^body\.data\.deep(\.d)+$/);
  });

  it.each([
    ['api-events', '/events', '{"type":"a.b","source":"s\\ud800","data":{}}', 'body.source'],
    [
      'api-events',
      '/events',
      '{"type":"a.b","source":"s","correlation_id":"c\\udc00x","data":{}}',
      'body.correlation_id',
    ],
    ['api-events', '/events', '{"type":"a.b","source":"s","data":{"list":["ok","\\ud83d"]}}', 'body.data.list[1]'],
    ['api-events', '/events', '{"type":"a.b","source":"s","data":{"k\\ud800":1}}', 'body.data'],
    ['api-executions', '/executions', '{"workflow_name":"w","context":{"task":"\\udfff"}}', 'body.context.task'],
    [
      'api-executions',
      '/executions',
      '{"workflow_name":"w","idempotency_key":"\\ud800\\ud800"}',
      'body.idempotency_key',
    ],
    ['api-services', '/services', '{"name":"svc","description":"\\ud800"}', 'body.description'],
  ])('text that is not valid Unicode is a 400 naming the field (%s %s %s)', async (fn, path, rawBody, field) => {
    const res = await call(handlers[fn]!, 'POST', path, { rawBody });

    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual([field]);
    expect(res.body.error.message).toContain('not valid Unicode text');
  });

  it('a surrogate pair (an emoji) is valid text and kept as sent', async () => {
    const res = await call(handlers['api-events']!, 'POST', '/events', {
      rawBody: '{"type":"a.b","source":"s","data":{"mood":"\\ud83d\\ude00","\\ud83d\\udc4d":true}}',
    });

    expect(res.status).toBe(202);
    const stored = await call(handlers['api-events']!, 'GET', `/events/${res.body.event_id}`);
    expect(stored.body.data).toEqual({ mood: '😀', '👍': true });
  });

  it('a body larger than one stored item can hold is a 413 naming the body', async () => {
    const res = await call(handlers['api-events']!, 'POST', '/events', {
      body: { type: 'a.b', source: 's', data: { big: 'x'.repeat(300 * 1024) } },
    });
    expect(res.status).toBe(413);
    expect(fieldsOf(res.body)).toEqual(['body']);
  });

  it('an unknown path stays a 404', async () => {
    const res = await call(handlers['api-services']!, 'GET', '/nothing/here');
    expect(res.status).toBe(404);
  });
});

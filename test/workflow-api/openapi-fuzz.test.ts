import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { openApiDocument } from '../../lib/api/openapi.ts';
import { ROUTES } from '../../lib/core/api/routes/index.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { arbitraryFor } from '../support/json-schema-arb.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, fakeStepFunctions, seedWorkflow, setHandlerEnv } from './harness.ts';

/**
 * The API fuzzed from its OpenAPI document: for every operation the document lists, requests built from what it
 * says about the operation — path ids up to and past their limits, unicode and encoded slashes, every query
 * parameter valid and invalid (reversed and malformed ranges, bad limits, cursors and enums), bodies generated from
 * the request schema and malformed ones, wrong content types, wrong methods — sent to the real handlers on local
 * DynamoDB. No answer may be a 5xx, every 4xx carries a message, and a wrong method is a 405 with `Allow`.
 */

fakeStepFunctions();
fakeEventBridge();

type Param = { name: string; in: 'path' | 'query'; schema: Record<string, unknown> };
type Operation = {
  operationId: string;
  parameters?: Param[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
};
const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);
const functionOf = new Map(ROUTES.map((r) => [r.operationId, r.functionId]));
/** True when a concrete path has a template's shape: the same literal segments, anything non-empty for each `{param}`. */
const templateMatches = (template: string, path: string): boolean => {
  const want = template.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((w, i) => w === got[i] || (w.startsWith('{') && got[i] !== ''));
};
const methodsOf = (path: string): string[] => Object.keys(doc.paths[path] ?? {}).map((m) => m.toUpperCase());

/** Requests per operation: 39 operations × 270 ≥ 10,000 per run of the suite. */
const RUNS_PER_OPERATION = 270;
let sent = 0;
let handlers: Record<string, ApiLambda>;
const real: Record<string, string> = {};

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
    'api-health': await load('../../lambdas/api-health/handler.ts'),
  };
  // Real ids, so that a share of the requests reach the records and not only the 404 path.
  real.workflow_id = (
    await call(handlers['api-workflows']!, 'POST', '/workflows', { body: seedWorkflow('Fuzzed') })
  ).body.id;
  const started = await call(handlers['api-executions']!, 'POST', '/executions', {
    body: { workflow_id: real.workflow_id, correlation_id: 'fuzz-corr' },
  });
  real.execution_id = started.body.execution_id;
  real.correlation_id = 'fuzz-corr';
  real.step_id = 'task_preparation';
  real.service_id = (
    await call(handlers['api-services']!, 'POST', '/services', { body: { name: 'fuzzed', port: 8080 } })
  ).body.id;
  real.event_id = (
    await call(handlers['api-events']!, 'POST', '/events', {
      body: { type: 'fuzz.event', source: 'fuzz', correlation_id: 'fuzz-corr', data: { a: 1 } },
    })
  ).body.event_id;
  for (const [name, id] of Object.entries(real)) expect(id, name).toEqual(expect.any(String));
});

afterAll(() => {
  console.log(`OpenAPI fuzz: ${sent} requests over ${operations.length} operations, 0 answers >= 500`);
});

/** A path segment: a value to encode, or text put in the path as it is (already-encoded forms). */
type Segment = { value: string } | { raw: string };

const pathValue = (name: string, maxLength: number): fc.Arbitrary<Segment> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(name).map((n) => ({ value: real[n] ?? 'unknown' })) },
    { weight: 1, arbitrary: fc.uuid().map((value) => ({ value })) },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((value) => ({ value })) },
    // Up to and just past the limit, then far past it (DynamoDB's key limits), in 1- and 2-byte characters.
    {
      weight: 2,
      arbitrary: fc.integer({ min: maxLength - 1, max: maxLength + 1 }).map((n) => ({ value: 'a'.repeat(n) })),
    },
    { weight: 1, arbitrary: fc.integer({ min: maxLength + 1, max: 2_100 }).map((n) => ({ value: 'é'.repeat(n) })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((value) => ({ value })) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Segment>(
        { value: 'a'.repeat(2_050) },
        { value: '../../x' },
        { value: '..' },
        { value: '😀'.repeat(70) },
        { value: 'a\u0000b' },
        { value: ' ' },
        { raw: 'a%2Fb' },
        { raw: '%2e%2e' },
        { raw: '%' },
        { raw: '%E0%A4%A' },
        { raw: '%ED%A0%80' },
        { raw: '' },
      ),
    },
  );

const encode = (s: Segment): string => {
  if ('raw' in s) return s.raw;
  try {
    return encodeURIComponent(s.value);
  } catch {
    return s.value; // a lone surrogate: sent as it is
  }
};

const JUNK = [
  '',
  ' ',
  '0',
  '-1',
  '101',
  '1.5',
  '1e3',
  'NaN',
  'abc',
  '9'.repeat(25),
  'true',
  'yesterday',
  '2025-02-30T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '2030-01-01T00:00:00Z',
  '2000-01-01T00:00:00+14:00',
  '%',
  '\u0000',
  'x'.repeat(5_000),
  'eyJwayI6IkVYRUMjMSJ9.AAAAAAAAAAAA',
  'e30.AAAAAAAAAAAA',
  'a.b.c',
];

const queryValue = (schema: Record<string, unknown>): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: arbitraryFor(schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
    { weight: 2, arbitrary: fc.constantFrom(...JUNK) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 80 }) },
  );

const queryOf = (params: Param[]): fc.Arbitrary<Record<string, string>> => {
  const model: Record<string, fc.Arbitrary<string | undefined>> = {};
  for (const p of params) model[p.name] = queryValue(p.schema);
  const names = new Set(params.map((p) => p.name));
  return fc
    .tuple(
      fc.record(model),
      fc.constantFrom('none', 'reversed', 'unknown'),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
    )
    .map(([values, extra, at]) => {
      const q: Record<string, string> = {};
      for (const [k, v] of Object.entries(values)) if (v !== undefined) q[k] = v;
      if (extra === 'reversed' && names.has('from') && names.has('to')) {
        q.from = new Date(at.getTime() + 86_400_000).toISOString();
        q.to = at.toISOString();
      }
      if (extra === 'unknown') q.unexpected = 'x';
      return q;
    });
};

type Body = { json?: unknown; raw?: string };
const MALFORMED = ['{', '{"a":', '[1,', 'nul', '"unterminated', '{"a":1}}', '\u0000', '{}'.repeat(2_000), '\ufeff{}'];

const bodyOf = (op: Operation): fc.Arbitrary<Body> => {
  const schema = op.requestBody?.content['application/json'].schema;
  const shaped = schema ? arbitraryFor(schema).map((json): Body => ({ json })) : fc.constant<Body>({});
  return fc.oneof(
    { weight: schema ? 5 : 2, arbitrary: shaped },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json): Body => ({ json })) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED).map((raw): Body => ({ raw })) },
    { weight: 1, arbitrary: fc.constant<Body>({}) },
  );
};

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** One generated request of an operation. */
interface Case {
  params: Record<string, Segment>;
  query: Record<string, string>;
  body: Body;
  contentType: string;
  verb: string;
  key?: string;
}

/** Requests in flight at once: the handlers wait on local DynamoDB most of the time, so a few overlap well. */
const CONCURRENCY = 8;
/** One seed per run (printed with any failure), so a failing run can be replayed with STEWARD_FUZZ_SEED. */
const SEED = Number(process.env.STEWARD_FUZZ_SEED ?? Date.now() % 2_147_483_647);

async function fuzz(functionId: string): Promise<void> {
  const mine = operations.filter((o) => functionOf.get(o.op.operationId) === functionId);
  expect(mine.length).toBeGreaterThan(0);
  const failures: string[] = [];
  let wrongMethodCases = 0;
  for (const [index, { path, method, op }] of mine.entries()) {
    const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
    const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
    const pathArb = fc.record(
      Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p.name, Number(p.schema.maxLength ?? 128))])),
    ) as fc.Arbitrary<Record<string, Segment>>;
    const declared = methodsOf(path);
    const wrongMethods = OTHER_METHODS.filter((m) => !declared.includes(m));
    const caseArb: fc.Arbitrary<Case> = fc.record({
      params: pathArb,
      query: queryOf(queryParams),
      body: bodyOf(op),
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/xml',
        '',
      ),
      verb: fc.oneof(
        { weight: 12, arbitrary: fc.constant(method) },
        { weight: 1, arbitrary: fc.constantFrom(...wrongMethods) },
      ),
      key: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
    });
    const cases = fc.sample(caseArb, { numRuns: RUNS_PER_OPERATION, seed: SEED + index });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++]!;
        let concrete = path;
        for (const [name, segment] of Object.entries(c.params))
          concrete = concrete.replace(`{${name}}`, encode(segment));
        const headers: Record<string, string> = { 'Content-Type': c.contentType };
        if (c.key !== undefined) Object.assign(headers, { 'Idempotency-Key': c.key, 'If-Match': c.key });
        sent++;
        // A path with an empty segment (an empty id) names no route, and answers 404 whatever the method; a path
        // another operation serves under this method (DELETE /services/status is DELETE /services/{service_id}) is
        // that operation's request.
        const wrongMethod =
          !declared.includes(c.verb) &&
          concrete.split('/').slice(1).every(Boolean) &&
          !operations.some((o) => o.method === c.verb && templateMatches(o.path, concrete));
        if (wrongMethod) wrongMethodCases++;
        const res = await call(handlers[functionId]!, c.verb, concrete, {
          ...(c.body.raw !== undefined
            ? { rawBody: c.body.raw }
            : c.body.json !== undefined
              ? { body: c.body.json }
              : {}),
          query: c.query,
          headers,
        });
        const problem =
          res.status >= 500
            ? `answered ${res.status}`
            : res.status >= 400 && typeof res.body?.error?.message !== 'string'
              ? `answered ${res.status} without an error message`
              : wrongMethod && res.status !== 405
                ? `answered ${res.status} to a method the path does not have (expected 405)`
                : res.status === 405 && !String(res.headers.allow ?? '').length
                  ? 'answered 405 without Allow'
                  : undefined;
        if (problem && failures.length < 5) {
          const shown = { verb: c.verb, path: concrete.slice(0, 200), query: c.query, body: c.body, res: res.body };
          failures.push(`${op.operationId} ${problem}: ${JSON.stringify(shown).slice(0, 1_500)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
  expect(failures, `seed ${SEED} (replay: STEWARD_FUZZ_SEED=${SEED})`).toEqual([]);
  // The 405 check above ran: about one request in thirteen of each operation is sent with a method its path lacks.
  expect(wrongMethodCases).toBeGreaterThan(mine.length * 5);
}

describe('fuzzing every operation of the OpenAPI document', () => {
  // One test per area, each with an explicit timeout far above its run time (seconds on a loaded machine).
  it.each(['api-workflows', 'api-executions', 'api-events', 'api-services', 'api-health'])(
    '%s: no answer >= 500',
    async (functionId) => {
      await fuzz(functionId);
    },
    120_000,
  );

  it('sent at least 10,000 requests over every operation', () => {
    expect(operations).toHaveLength(ROUTES.length);
    expect(sent).toBeGreaterThanOrEqual(10_000);
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { EXECUTION_ROUTES } from '../../lib/core/api/routes/executions.ts';
import { WORKFLOW_ROUTES } from '../../lib/core/api/routes/workflows.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, fakeStepFunctions, seedWorkflow, setHandlerEnv } from './harness.ts';

fakeStepFunctions();
fakeEventBridge();
let handlers: Record<string, ApiLambda>;
let ids: { workflow: string; execution: string };

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  handlers = {
    'api-workflows': (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda,
    'api-executions': (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda,
  };
  const workflow = (await call(handlers['api-workflows']!, 'POST', '/workflows', { body: seedWorkflow('Fuzz Flow') }))
    .body.id;
  const execution = (
    await call(handlers['api-executions']!, 'POST', '/executions', { body: { workflow_id: workflow } })
  ).body.execution_id;
  ids = { workflow, execution };
});

/** Path parameter values: real ids, unknown UUIDs, and arbitrary text. */
const param = (real: () => string) =>
  fc.oneof(
    fc.constant(null).map(() => real()),
    fc.uuid(),
    fc.string({ minLength: 1, maxLength: 300 }),
  );

/** Bodies: anything JSON, and objects shaped like the real ones with wrong values. */
const body = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      workflow_id: fc.oneof(fc.uuid(), fc.jsonValue()),
      workflow_name: fc.oneof(fc.string(), fc.jsonValue()),
      context: fc.jsonValue(),
      idempotency_key: fc.oneof(fc.string({ maxLength: 400 }), fc.jsonValue()),
      reason: fc.jsonValue(),
      name: fc.string(),
      expected_seq: fc.jsonValue(),
      definition: fc.oneof(fc.jsonValue(), fc.record({ steps: fc.array(fc.jsonValue(), { maxLength: 3 }) })),
    },
    { requiredKeys: [] },
  ),
);

const query = fc.dictionary(
  fc.constantFrom(
    'limit',
    'next_token',
    'status',
    'from',
    'to',
    'workflow_id',
    'correlation_id',
    'target',
    'force',
    'x',
  ),
  fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.constantFrom('0', '1', '100', '101', 'true', '2025-03-29T06:00:00Z', 'paused'),
  ),
);

const routes = [...WORKFLOW_ROUTES, ...EXECUTION_ROUTES].filter((r) => r.method !== 'DELETE' || r.path.includes('{'));

describe('fuzzing every workflow and execution route', () => {
  it.each(routes.map((r) => [r.operationId, r] as const))('%s never answers 5xx', async (_op, route) => {
    await fc.assert(
      fc.asyncProperty(
        param(() => ids.workflow),
        param(() => ids.execution),
        fc.string({ minLength: 1, maxLength: 150 }),
        fc.option(body, { nil: undefined }),
        query,
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        async (workflowId, executionId, step, b, q, key) => {
          const path = route.path
            .replace('{workflow_id}', encodeURIComponent(workflowId))
            .replace('{execution_id}', encodeURIComponent(executionId))
            .replace('{step_id}', encodeURIComponent(step));
          const headers: Record<string, string> = key === undefined ? {} : { 'Idempotency-Key': key, 'If-Match': key };
          const res = await call(handlers[route.functionId]!, route.method, path, { body: b, query: q, headers });
          expect(res.status, JSON.stringify({ path, b, q, res: res.body })).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.error.message).toEqual(expect.any(String));
        },
      ),
      { numRuns: 40 },
    );
  });
});

/**
 * GET /executions as the console's run list uses it: newest first across every status, pages that together list
 * each run once, status and time filters served by the start-time index's keys (no filter expressions), against
 * local DynamoDB with the real SDK.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import type { ExecutionStatus } from '../../lib/core/execution/status.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, fakeStepFunctions, setHandlerEnv } from './harness.ts';

fakeStepFunctions();
fakeEventBridge();
let executions: ApiLambda;
let repo: typeof import('../../lambdas/shared/repositories/executions.ts');
const queries: Array<Record<string, unknown>> = [];

const STATUSES: ExecutionStatus[] = ['created', 'running', 'paused', 'failed', 'completed', 'cancelled'];
const T0 = Date.parse('2031-05-01T00:00:00.000Z');
const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();
/** The runs of this file: minute i, status by i. */
const runs = Array.from({ length: 43 }, (_, i) => ({
  id: `0a0b0c0d-0000-4000-8000-${String(i).padStart(12, '0')}`,
  started_at: at(i),
  status: STATUSES[(i * 5) % STATUSES.length]!,
}));

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') queries.push(args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize', name: 'recordQueries' },
  );
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  repo = await import('../../lambdas/shared/repositories/executions.ts');
  for (const r of runs) {
    const created = await repo.createExecution({
      execution_id: r.id,
      workflow_id: '5f0e0000-0000-4000-8000-000000000001',
      workflow_name: 'Listing',
      workflow_version: '1.0.0',
      state_machine_arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:listing',
      execution_type: 'standard',
      correlation_id: `corr-${r.id}`,
      status: r.status,
      context: {},
      started_at: r.started_at,
      request_hash: 'h',
    });
    // The record createExecution returns is the record as stored.
    expect(created).toEqual(await repo.getExecution(r.id));
  }
});

beforeEach(() => {
  queries.length = 0;
});

type Page = {
  executions: Array<{ execution_id: string; status: string; started_at: string }>;
  next_token: string | null;
};

async function everyPage(query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | null = null;
  let pages = 0;
  do {
    const res = await call(executions, 'GET', '/executions', {
      query: { ...query, ...(token ? { next_token: token } : {}) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = res.body as Page;
    ids.push(...body.executions.map((e) => e.execution_id));
    token = body.next_token;
    pages++;
    expect(pages).toBeLessThan(50);
  } while (token);
  return { ids, pages };
}

const newestFirst = (list: typeof runs): string[] =>
  [...list].sort((a, b) => b.started_at.localeCompare(a.started_at)).map((r) => r.id);

describe('GET /executions without filters', () => {
  it('lists every run once, newest first across statuses, page by page', async () => {
    const { ids, pages } = await everyPage({ limit: '7', from: at(0), to: at(100) });

    expect(ids).toEqual(newestFirst(runs));
    expect(pages).toBeGreaterThanOrEqual(7);
    // One Query per status partition and page, on the start-time index, each bounded by the page size.
    expect(queries).toHaveLength(STATUSES.length * pages);
    expect(queries.every((q) => q.IndexName === 'gsi4' && q.FilterExpression === undefined && q.Limit === 8)).toBe(
      true,
    );
  });

  it('bounds the time range in the key', async () => {
    const { ids } = await everyPage({ from: at(10), to: at(19), limit: '100' });

    expect(ids).toEqual(newestFirst(runs.filter((_, i) => i >= 10 && i <= 19)));
    expect(queries).toHaveLength(STATUSES.length);
    expect(queries.every((q) => q.FilterExpression === undefined)).toBe(true);
  });

  it('refuses a token of another listing', async () => {
    const filtered = await call(executions, 'GET', '/executions', { query: { status: 'failed', limit: '1' } });
    const unfiltered = await call(executions, 'GET', '/executions', { query: { limit: '1' } });

    const mixedA = await call(executions, 'GET', '/executions', { query: { next_token: filtered.body.next_token } });
    const mixedB = await call(executions, 'GET', '/executions', {
      query: { status: 'failed', next_token: unfiltered.body.next_token },
    });

    expect(mixedA.status).toBe(400);
    expect(mixedA.body.error.problems[0].field).toBe('query.next_token');
    expect(mixedB.status).toBe(400);
    expect(mixedB.body.error.problems[0].field).toBe('query.next_token');
  });
});

describe('GET /executions?status=', () => {
  it('reads one status in start order from its key, time range included', async () => {
    const failed = runs.filter((r) => r.status === 'failed');

    const all = await everyPage({ status: 'failed', limit: '2' });
    const ranged = await everyPage({ status: 'failed', from: at(20), to: at(42) });

    expect(all.ids).toEqual(newestFirst(failed));
    expect(ranged.ids).toEqual(newestFirst(failed.filter((r) => r.started_at >= at(20))));
    // One Query a page: the status is the partition key.
    expect(queries).toHaveLength(all.pages + ranged.pages);
    expect(queries.every((q) => q.IndexName === 'gsi4' && q.FilterExpression === undefined)).toBe(true);
  });

  it('follows a run to its new status partition when its status changes', async () => {
    const run = runs.find((r) => r.status === 'running')!;

    const moved = await repo.transitionExecution(run.id, ['running'], 'completed', {});
    const completed = await everyPage({ status: 'completed', limit: '100' });
    const running = await everyPage({ status: 'running', limit: '100' });
    await repo.transitionExecution(run.id, ['completed'], 'running', {}).catch(() => undefined);

    expect(moved.ok).toBe(true);
    expect(completed.ids).toContain(run.id);
    expect(running.ids).not.toContain(run.id);
  });
});

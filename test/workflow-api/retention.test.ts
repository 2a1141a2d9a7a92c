import { DeleteItemCommand, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../lambdas/shared/clients/config.ts';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { ENV } from '../../lib/core/env.ts';
import { LONGEST_RUN_SECONDS } from '../../lib/core/routing/expiry.ts';
import { type DynamoCall, TtlSweeper } from '../../lib/local/ttl-sweeper.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import {
  type ApiLambda,
  call,
  fakeEventBridge,
  fakeStepFunctions,
  seedWorkflow,
  setHandlerEnv,
  statusChange,
} from './harness.ts';

const sfn = fakeStepFunctions();
const bus = fakeEventBridge();
const DAY = 86_400;
const RETENTION_DAYS = 7;

let names: { registry: string; history: string };
let workflows: ApiLambda;
let executions: ApiLambda;
let statusHandler: typeof import('../../lambdas/status-handler/handler.ts').handler;
let repo: typeof import('../../lambdas/shared/repositories/executions.ts');
let steps: typeof import('../../lambdas/shared/repositories/steps.ts');
let joins: typeof import('../../lambdas/shared/repositories/joins.ts');
let concurrency: typeof import('../../lambdas/shared/repositories/concurrency.ts');

beforeAll(async () => {
  names = await useFreshTables(dynamodb);
  setHandlerEnv();
  process.env[ENV.historyRetentionDays] = String(RETENTION_DAYS);
  enforceDataRules(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  repo = await import('../../lambdas/shared/repositories/executions.ts');
  steps = await import('../../lambdas/shared/repositories/steps.ts');
  joins = await import('../../lambdas/shared/repositories/joins.ts');
  concurrency = await import('../../lambdas/shared/repositories/concurrency.ts');
});

beforeEach(() => {
  sfn.install();
  bus.install();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** Expiry of history that ended now, and of something still open, with a minute either side for the test's run. */
const ended = () => ({ min: nowSeconds() + RETENTION_DAYS * DAY - 60, max: nowSeconds() + RETENTION_DAYS * DAY + 60 });
const open = () => ({
  min: nowSeconds() + RETENTION_DAYS * DAY + LONGEST_RUN_SECONDS - 60,
  max: nowSeconds() + RETENTION_DAYS * DAY + LONGEST_RUN_SECONDS + 60,
});
const within = (value: number | undefined, range: { min: number; max: number }) => {
  expect(value).toBeGreaterThanOrEqual(range.min);
  expect(value).toBeLessThanOrEqual(range.max);
};

/**
 * TTL as DynamoDB applies it (lib/local/ttl-sweeper.ts), on a clock `aheadDays` in the future, through a client of its
 * own: DynamoDB's TTL is no caller, and the handlers' client here refuses Scan (Steward's data rules).
 */
function sweeperAhead(aheadDays: number): TtlSweeper {
  const client = new DynamoDBClient(clientConfig);
  const commands: Record<string, new (input: never) => unknown> = { Scan: ScanCommand, DeleteItem: DeleteItemCommand };
  const viaSdk: DynamoCall = async (operation, input) => {
    const Command = commands[operation];
    if (!Command) throw new Error(`no command for ${operation}`);
    try {
      const out: unknown = await client.send(new Command(input as never) as never);
      return { status: 200, body: out as Record<string, unknown> };
    } catch (error) {
      return { status: 400, body: { __type: (error as Error).name, message: (error as Error).message } };
    }
  };
  const sweeper = new TtlSweeper(viaSdk, () => Date.now() + aheadDays * DAY * 1000);
  sweeper.add({ name: names.history, attribute: 'expires_at', keys: ['pk', 'sk'] });
  return sweeper;
}

const exists = async (pk: string, sk: string): Promise<boolean> =>
  (await dynamodb.send(new GetItemCommand({ TableName: names.history, Key: { pk: { S: pk }, sk: { S: sk } } })))
    .Item !== undefined;

describe('history retention counts from the end', () => {
  it('an open run, its step under way, its waiting join and a queued start outlive the retention; ended ones do not', async () => {
    const created = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Retention') });
    const wf = created.body.id as string;
    const start = async () =>
      (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id as string;
    const waiting = await start();
    const finished = await start();
    await statusHandler(statusChange(waiting, 'RUNNING', Date.now()));
    await statusHandler(statusChange(finished, 'RUNNING', Date.now()));
    await statusHandler(statusChange(finished, 'SUCCEEDED', Date.now() + 1, { output: '{}' }));
    const now = new Date();
    const step = { executionId: waiting, workflowId: wf, step: 'wait', stepKey: 'wait', input: {}, now };
    const { attempt } = await steps.beginAttempt(step);
    const join = await joins.putJoin(
      {
        execution_id: waiting,
        step: 'join',
        step_key: 'join',
        dependency_keys: ['wait'],
        dependencies: ['wait'],
        steps: {},
        task_token: 't1',
        registered_at: now.toISOString(),
      },
      now,
    );
    const queued = await concurrency.enqueue(wf, 'queued-run');

    within((await repo.getExecution(waiting))?.expires_at, open());
    within((await repo.getExecution(finished))?.expires_at, ended());
    within((await joins.getJoin(waiting, 'join'))?.expires_at, open());

    // Past the retention, before the longest run: TTL takes what ended and leaves what is open.
    await sweeperAhead(RETENTION_DAYS + 2).sweep();
    expect(await repo.getExecution(finished)).toBeUndefined();
    expect(await repo.getExecution(waiting)).toMatchObject({ status: 'running' });
    expect(await exists(`EXEC#${waiting}`, 'STEP#wait')).toBe(true);
    expect(await exists(join.pk, join.sk)).toBe(true);
    expect(await exists(`QUEUE#${wf}`, queued.sk)).toBe(true);

    // Once they end, their retention counts from then.
    expect(await steps.finishStep({ ...step, attempt, status: 'completed', output: {}, now: new Date() })).toBe(true);
    expect(await joins.claimJoin(join, new Date())).toBe(true);
    await statusHandler(statusChange(waiting, 'SUCCEEDED', Date.now() + 2, { output: '{}' }));
    within((await repo.getExecution(waiting))?.expires_at, ended());
    await sweeperAhead(RETENTION_DAYS + 2).sweep();
    expect(await repo.getExecution(waiting)).toBeUndefined();
    expect(await exists(`EXEC#${waiting}`, 'STEP#wait')).toBe(false);
    expect(await exists(join.pk, join.sk)).toBe(false);
  });

  it('a failed run counts from its failure, and a retry reopens it', async () => {
    const created = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Retention Retry') });
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: created.body.id } })).body
      .execution_id as string;
    await statusHandler(statusChange(id, 'RUNNING', Date.now()));
    await statusHandler(statusChange(id, 'FAILED', Date.now() + 1, { error: 'Steward.StepFailed', cause: 'x' }));
    within((await repo.getExecution(id))?.expires_at, ended());

    const retried = await repo.transitionExecution(id, ['failed'], 'running');

    expect(retried.ok).toBe(true);
    within((await repo.getExecution(id))?.expires_at, open());
  });
});

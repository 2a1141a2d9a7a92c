import {
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ddb, dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
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
let workflows: ApiLambda;
let executions: ApiLambda;
let statusHandler: typeof import('../../lambdas/status-handler/handler.ts').handler;
let repo: typeof import('../../lambdas/shared/repositories/executions.ts');
let history: string;
let workflowId: string;

beforeAll(async () => {
  history = (await useFreshTables(dynamodb)).history;
  setHandlerEnv();
  enforceDataRules(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  repo = await import('../../lambdas/shared/repositories/executions.ts');
  workflowId = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow() })).body.id;
});

beforeEach(() => {
  sfn.install();
  bus.install();
});

const context = { project_id: 'p1', task_id: 't1', agent_id: 'a1' };
const start = (body: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  call(executions, 'POST', '/executions', { body: { workflow_id: workflowId, context, ...body }, headers });

describe('POST /executions', () => {
  it('puts the record, starts Step Functions with name = execution id and the runtime input, answers the seed shape', async () => {
    const res = await start({ correlation_id: '5d976e66-8c32-483f-a9d1-8feaade0e1e0' });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      workflow_id: workflowId,
      correlation_id: '5d976e66-8c32-483f-a9d1-8feaade0e1e0',
      status: 'running',
      current_step: null,
      context,
      workflow_version: '1.0.0',
    });
    const input = sfn.sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.name).toBe(res.body.execution_id);
    expect(input.stateMachineArn).toMatch(/:1$/);
    expect(JSON.parse(input.input!)).toEqual({
      execution: {
        id: res.body.execution_id,
        workflow_id: workflowId,
        workflow_name: 'Agent Task Execution',
        workflow_version: '1.0.0',
        correlation_id: '5d976e66-8c32-483f-a9d1-8feaade0e1e0',
        started_at: res.body.started_at,
      },
      context,
      steps: {},
    });
    expect(res.body.started_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('starts by workflow name and generates a correlation id', async () => {
    const res = await call(executions, 'POST', '/executions', { body: { workflow_name: 'Agent Task Execution' } });

    expect(res.status).toBe(201);
    expect(res.body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('50 concurrent starts with one idempotency key make one execution; a different body under the key is 422', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => start({}, { 'Idempotency-Key': 'order-42' })));
    const different = await start({ context: { other: true } }, { 'Idempotency-Key': 'order-42' });

    const ids = new Set(results.map((r) => r.body.execution_id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(49);
    const names = sfn.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(new Set(names)).toEqual(ids);
    expect(different.status).toBe(422);
    expect(different.body.error.field).toBe('idempotency_key');
  });

  it.each([
    [{ context }, 'body.workflow_id'],
    [{ workflow_id: 'x', context: 'nope' }, 'body.context'],
    [{ workflow_id: 'x', extra: 1 }, 'body'],
    [{ workflow_id: 'x', idempotency_key: '' }, 'body.idempotency_key'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const res = await call(executions, 'POST', '/executions', { body });

    expect(res.status).toBe(400);
    expect(res.body.error.problems.map((p: { field: string }) => p.field)).toContain(field);
  });

  it('answers 400 for a context too large to start with', async () => {
    const res = await start({ context: { blob: 'x'.repeat(250_000) } });

    expect(res.status).toBe(400);
    expect(res.body.error.problems[0].field).toBe('body.context');
  });

  it('answers 404 for an unknown workflow and version, 400 when header and body keys differ', async () => {
    expect((await call(executions, 'POST', '/executions', { body: { workflow_name: 'nope' } })).status).toBe(404);
    expect((await start({ version: '9.9.9' })).status).toBe(404);
    const res = await start({ idempotency_key: 'a' }, { 'Idempotency-Key': 'b' });
    expect(res.status).toBe(400);
    expect(res.body.error.problems[0].field).toBe('body.idempotency_key');
  });

  it('answers 400 naming workflow_name when it names another workflow than workflow_id, and starts nothing', async () => {
    const before = sfn.sfn.commandCalls(StartExecutionCommand).length;
    const res = await start({ workflow_name: 'Some Other Workflow' });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual([
      { field: 'body.workflow_name', message: expect.stringContaining('names another workflow than workflow_id') },
    ]);
    expect(sfn.sfn.commandCalls(StartExecutionCommand)).toHaveLength(before);
    // The same workflow named both ways starts it.
    const name = (await call(workflows, 'GET', `/workflows/${workflowId}`)).body.name as string;
    expect((await start({ workflow_name: name })).status).toBe(201);
  });
});

describe('pause, resume, cancel', () => {
  it('pause → paused (event), the runner check fails, the park stores the token, resume answers it', async () => {
    const id = (await start()).body.execution_id;

    const paused = await call(executions, 'PUT', `/executions/${id}/pause`, { body: { reason: 'maintenance' } });
    const check = await repo.markStepStarted(id, 'agent_assignment');
    const stored = await repo.storePauseToken(id, 'token-1');
    const again = await call(executions, 'PUT', `/executions/${id}/pause`);
    const resumed = await call(executions, 'PUT', `/executions/${id}/resume`);
    const late = await repo.storePauseToken(id, 'token-2');

    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect(check.ok).toBe(false);
    expect(stored).toBe(true);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ status: 'paused', allowed_from: ['running'] });
    expect(resumed.body.status).toBe('running');
    expect(sfn.sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({
      taskToken: 'token-1',
      output: '{}',
    });
    expect(late).toBe(false);
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.paused', 'workflow.resumed']);
  });

  it('cancel records who and why and stops the Step Functions execution; terminal afterwards', async () => {
    const id = (await start()).body.execution_id;

    const cancelled = await call(executions, 'PUT', `/executions/${id}/cancel`, { body: { reason: 'not needed' } });
    const resume = await call(executions, 'PUT', `/executions/${id}/resume`);
    await statusHandler(statusChange(id, 'SUCCEEDED', Date.now() + 1000));

    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'not needed',
      cancelled_by: expect.stringContaining('alice'),
    });
    expect(sfn.sfn.commandCalls(StopExecutionCommand)[0]!.args[0].input).toMatchObject({
      error: 'Steward.Cancelled',
      cause: 'not needed',
    });
    expect(resume.status).toBe(409);
    expect((await repo.getExecution(id))?.status).toBe('cancelled');
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.cancelled']);
  });

  it('racing pause/resume/cancel commands apply only legal transitions and end consistent', async () => {
    const id = (await start()).body.execution_id;
    const commands = Array.from({ length: 30 }, (_, i) => ['pause', 'resume', 'cancel'][i % 3]!);

    const results = await Promise.all(commands.map((c) => call(executions, 'PUT', `/executions/${id}/${c}`)));

    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    const final = await repo.getExecution(id);
    expect(final?.status).toBe('cancelled');
    const okCancels = results.filter((r, i) => commands[i] === 'cancel' && r.status === 200);
    expect(okCancels).toHaveLength(1);
    const applied = results.filter((r) => r.status === 200).length;
    expect(final?.seq).toBeGreaterThanOrEqual(applied + 2);
    const audit = await call(executions, 'GET', '/audit', { query: { target: `execution/${id}`, limit: '100' } });
    const changes = audit.body.records.filter((r: { action: string }) => r.action !== 'execution.start');
    expect(changes).toHaveLength(applied);
    for (const r of changes) {
      const { from, to } = r.details as { from: string; to: string };
      expect([`running>paused`, `paused>running`, `running>cancelled`, `paused>cancelled`]).toContain(`${from}>${to}`);
    }
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await call(executions, 'PUT', '/executions/abc/pause')).status).toBe(400);
    expect((await call(executions, 'PUT', '/executions/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b/cancel')).status).toBe(404);
    expect(
      (
        await call(executions, 'PUT', `/executions/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b/resume`, {
          body: { reason: 5 },
        })
      ).status,
    ).toBe(400);
  });
});

describe('reading executions', () => {
  it('gets, lists by workflow/status/correlation/time with page tokens', async () => {
    const a = (await start({ correlation_id: 'corr-list' })).body;
    const b = (await start({ correlation_id: 'corr-list' })).body;
    await call(executions, 'PUT', `/executions/${b.execution_id}/pause`);

    const got = await call(executions, 'GET', `/executions/${a.execution_id}`);
    const byCorr = await call(executions, 'GET', '/executions', { query: { correlation_id: 'corr-list' } });
    const paused = await call(executions, 'GET', '/executions', {
      query: { status: 'paused', workflow_id: workflowId },
    });
    const page1 = await call(executions, 'GET', '/executions', { query: { workflow_id: workflowId, limit: '2' } });
    const page2 = await call(executions, 'GET', '/executions', {
      query: { workflow_id: workflowId, limit: '2', next_token: page1.body.next_token },
    });
    const future = await call(executions, 'GET', '/executions', {
      query: { workflow_id: workflowId, from: '2999-01-01T00:00:00Z' },
    });
    const all = await call(executions, 'GET', '/executions', { query: { limit: '100' } });

    expect(got.body.execution_id).toBe(a.execution_id);
    expect(byCorr.body.executions.map((e: { execution_id: string }) => e.execution_id).sort()).toEqual(
      [a.execution_id, b.execution_id].sort(),
    );
    expect(paused.body.executions.map((e: { execution_id: string }) => e.execution_id)).toContain(b.execution_id);
    expect(paused.body.executions.every((e: { status: string }) => e.status === 'paused')).toBe(true);
    expect(page1.body.executions).toHaveLength(2);
    expect(page2.body.executions[0].execution_id).not.toBe(page1.body.executions[1].execution_id);
    expect(future.body.executions).toHaveLength(0);
    expect(all.body.executions.map((e: { execution_id: string }) => e.execution_id)).toEqual(
      expect.arrayContaining([a.execution_id, b.execution_id]),
    );
  });

  it.each([
    [{ status: 'sleeping' }, 'query.status'],
    [{ from: 'yesterday' }, 'query.from'],
    [{ limit: '500' }, 'query.limit'],
    [{ next_token: 'forged' }, 'query.next_token'],
  ])('answers 400 for list query %j', async (query, field) => {
    const res = await call(executions, 'GET', '/executions', { query });

    expect(res.status).toBe(400);
    expect(res.body.error.problems[0].field).toBe(field);
  });

  it('state, steps, retries and history combine the step items with Step Functions history', async () => {
    const id = (await start()).body.execution_id;
    const step = (name: string, status: string, extra: Record<string, unknown> = {}) =>
      ddb.send(
        new PutCommand({
          TableName: history,
          Item: {
            pk: `EXEC#${id}`,
            sk: `STEP#${name}`,
            step_id: `sid-${name}-${id}`,
            execution_id: id,
            workflow_id: workflowId,
            step: name,
            status,
            attempts: 2,
            started_at: '2025-03-29T06:15:00.000Z',
            output: { ok: name },
            gsi2pk: `STEPID#sid-${name}-${id}`,
            gsi2sk: 'META',
            gsi3pk: 'STEPS',
            gsi3sk: `2025-03-29T06:15:00.000Z#${id}#${name}`,
            ...extra,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    const attempt = (name: string, n: number, status: string) =>
      ddb.send(
        new PutCommand({
          TableName: history,
          Item: {
            pk: `EXEC#${id}`,
            sk: `STEP#${name}#ATTEMPT#${String(n).padStart(4, '0')}`,
            step: name,
            attempt: n,
            status,
            started_at: `2025-03-29T06:15:0${n}.000Z`,
            duration_ms: 12,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await step('task_preparation', 'completed');
    await attempt('task_preparation', 1, 'failed');
    await attempt('task_preparation', 2, 'completed');
    sfn.sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'ExecutionStarted',
          timestamp: new Date('2025-03-29T06:14:59Z'),
          executionStartedEventDetails: {},
        },
        {
          id: 2,
          type: 'TaskStateEntered',
          timestamp: new Date('2025-03-29T06:15:00Z'),
          stateEnteredEventDetails: { name: 'task_preparation' },
        },
      ],
    });

    const state = await call(executions, 'GET', `/executions/${id}/state`);
    const steps = await call(executions, 'GET', `/executions/${id}/steps`);
    const retries = await call(executions, 'GET', `/executions/${id}/steps/task_preparation/retries`);
    const noRetries = await call(executions, 'GET', `/executions/${id}/steps/unknown/retries`);
    const hist = await call(executions, 'GET', `/executions/${id}/history`);
    const byId = await call(executions, 'GET', `/steps/sid-task_preparation-${id}`);
    const list = await call(executions, 'GET', '/steps', { query: { status: 'completed' } });

    expect(state.body).toMatchObject({ status: 'running', outputs: { task_preparation: { ok: 'task_preparation' } } });
    expect(state.body.steps[0]).toMatchObject({ step: 'task_preparation', status: 'completed', attempts: 2 });
    expect(steps.body.steps).toHaveLength(1);
    expect(retries.body.attempts.map((a: { attempt: number; status: string }) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(noRetries.status).toBe(404);
    expect(hist.body.entries.map((e: { kind: string }) => e.kind)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'step_attempt',
      'step_attempt',
    ]);
    expect(hist.body.entries[1].state).toBe('task_preparation');
    expect(byId.body.step).toBe('task_preparation');
    expect(list.body.steps.map((s: { execution_id: string }) => s.execution_id)).toContain(id);
    expect((await call(executions, 'GET', '/steps/nope')).status).toBe(404);

    // Past Step Functions' retention (90 days after a run closed) its history is gone: Steward's attempts remain.
    sfn.sfn
      .on(GetExecutionHistoryCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    const expired = await call(executions, 'GET', `/executions/${id}/history`);
    expect(expired.status).toBe(200);
    expect(expired.body.entries.map((e: { kind: string }) => e.kind)).toEqual(['step_attempt', 'step_attempt']);
    expect(expired.body.next_token).toBeNull();
  });
});

describe('retry a failed step', () => {
  it('redrives a run that failed at the step; 409 for another step, a running run, a compensated failure', async () => {
    const id = (await start()).body.execution_id;
    const running = await call(executions, 'POST', `/executions/${id}/steps/agent_assignment/retry`);
    sfn.sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'TaskStateEntered',
          timestamp: new Date(),
          stateEnteredEventDetails: { name: 'agent_assignment' },
        },
        {
          id: 2,
          type: 'LambdaFunctionFailed',
          timestamp: new Date(),
          lambdaFunctionFailedEventDetails: { error: 'Steward.Http5xx' },
        },
      ],
    });
    await statusHandler(statusChange(id, 'FAILED', Date.now(), { error: 'Steward.Http5xx', cause: 'boom' }));

    const other = await call(executions, 'POST', `/executions/${id}/steps/task_preparation/retry`);
    const retried = await call(executions, 'POST', `/executions/${id}/steps/agent_assignment/retry`, {
      body: { reason: 'fixed' },
    });
    const twice = await call(executions, 'POST', `/executions/${id}/steps/agent_assignment/retry`);

    expect(running.status).toBe(409);
    expect((await repo.getExecution(id))?.status).toBe('running');
    expect(other.status).toBe(409);
    expect(other.body.error.failed_step).toBe('agent_assignment');
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'running', retried_step: 'agent_assignment' });
    expect(sfn.sfn.commandCalls(RedriveExecutionCommand)).toHaveLength(1);
    expect(twice.status).toBe(409);

    const id2 = (await start()).body.execution_id;
    await ddb.send(
      new PutCommand({
        TableName: history,
        Item: {
          pk: `EXEC#${id2}`,
          sk: 'STEP#task_preparation',
          step: 'task_preparation',
          status: 'compensated',
          step_id: 's',
          execution_id: id2,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await statusHandler(statusChange(id2, 'FAILED', Date.now(), { error: 'Steward.Http5xx' }));
    const undone = await call(executions, 'POST', `/executions/${id2}/steps/agent_assignment/retry`);
    expect(undone.status).toBe(409);
    expect(undone.body.error.message).toContain('undone');

    // A run Step Functions no longer keeps (90 days after it closed) cannot be redriven: 409, the record unchanged.
    const id3 = (await start()).body.execution_id;
    await statusHandler(statusChange(id3, 'FAILED', Date.now(), { error: 'Steward.Http5xx', cause: 'boom' }));
    sfn.sfn
      .on(RedriveExecutionCommand)
      .rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    const gone = await call(executions, 'POST', `/executions/${id3}/steps/agent_assignment/retry`);
    expect(gone.status).toBe(409);
    expect(gone.body.error.message).toContain('cannot redrive');
    expect((await repo.getExecution(id3))?.status).toBe('failed');
  });
});

describe('Express workflows', () => {
  it('start, and answer 409 saying why for pause, cancel, retry and history', async () => {
    const doc = {
      name: 'Fast Flow',
      execution_type: 'express',
      definition: {
        steps: [{ name: 'ping', step_type: 'service_call', service: 'planning-system', endpoint: '/ping' }],
      },
    };
    const created = await call(workflows, 'POST', '/workflows', { body: doc });
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: created.body.id } })).body
      .execution_id;

    const answers = await Promise.all([
      call(executions, 'PUT', `/executions/${id}/pause`),
      call(executions, 'PUT', `/executions/${id}/cancel`),
      call(executions, 'POST', `/executions/${id}/steps/ping/retry`),
      call(executions, 'GET', `/executions/${id}/history`),
    ]);

    expect(created.body.execution_type).toBe('express');
    expect(answers.map((a) => a.status)).toEqual([409, 409, 409, 409]);
    expect(answers[0]!.body.error.message).toContain('Standard');
  });
});

import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ddb, dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { logRequests } from '../support/request-log.ts';
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
let reconciler: typeof import('../../lambdas/reconciler/handler.ts').handler;
let trigger: typeof import('../../lambdas/workflow-trigger/handler.ts').handler;
let repo: typeof import('../../lambdas/shared/repositories/executions.ts');
let startPath: typeof import('../../lambdas/shared/start-execution.ts');
let concurrency: typeof import('../../lambdas/shared/repositories/concurrency.ts');

async function createWorkflow(
  name: string,
  limit?: { max_running: number; on_limit: 'queue' | 'reject' },
): Promise<string> {
  const res = await call(workflows, 'POST', '/workflows', {
    body: seedWorkflow(name, limit ? { concurrency: limit } : {}),
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

let names: { registry: string; history: string };
let requests: ReturnType<typeof logRequests>;

beforeAll(async () => {
  names = await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  requests = logRequests(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
  executions = (await import('../../lambdas/api-executions/handler.ts')).handler as unknown as ApiLambda;
  statusHandler = (await import('../../lambdas/status-handler/handler.ts')).handler;
  reconciler = (await import('../../lambdas/reconciler/handler.ts')).handler;
  trigger = (await import('../../lambdas/workflow-trigger/handler.ts')).handler;
  repo = await import('../../lambdas/shared/repositories/executions.ts');
  startPath = await import('../../lambdas/shared/start-execution.ts');
  concurrency = await import('../../lambdas/shared/repositories/concurrency.ts');
});

beforeEach(() => {
  sfn.install();
  bus.install();
});

describe('status handler', () => {
  it('publishes workflow.started once, completes with the output, and ignores later and older facts', async () => {
    const wf = await createWorkflow('Status Flow');
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id;
    const t = Date.now();

    await statusHandler(statusChange(id, 'RUNNING', t));
    await statusHandler(statusChange(id, 'RUNNING', t));
    await statusHandler(statusChange(id, 'SUCCEEDED', t + 2000, { output: '{"done":true}' }));
    await statusHandler(statusChange(id, 'FAILED', t + 1000, { error: 'late' }));
    await statusHandler(statusChange(id, 'ABORTED', t + 9000));

    const record = await repo.getExecution(id);
    expect(record).toMatchObject({ status: 'completed', result: { done: true } });
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.started', 'workflow.completed']);
    expect(bus.events[1]!.detail.data).toMatchObject({ execution_id: id, workflow_id: wf, result: { done: true } });
  });

  it.each([
    ['FAILED', 'failed', 'workflow.failed'],
    ['TIMED_OUT', 'failed', 'workflow.failed'],
    ['ABORTED', 'cancelled', 'workflow.cancelled'],
  ])('%s → %s with %s, applied over a paused record', async (fact, status, event) => {
    const wf = await createWorkflow(`Fact ${fact}`);
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id;
    expect((await call(executions, 'PUT', `/executions/${id}/pause`)).status).toBe(200);
    expect((await repo.getExecution(id))?.status).toBe('paused');
    await repo.markStepStarted(id, 'x');

    await statusHandler(statusChange(id, fact, Date.now(), { error: 'Steward.Timeout', cause: 'slow' }));

    const record = await repo.getExecution(id);
    expect(record?.status).toBe(status);
    expect(bus.events.map((e) => e.type)).toContain(event);
    if (status === 'failed') expect(record?.error_details).toMatchObject({ error: 'Steward.Timeout', cause: 'slow' });
  });

  it("answers a sub-workflow parent's task token with the child's output or failure", async () => {
    const wf = await createWorkflow('Child Flow');
    const ok = await startPath.startExecution({
      workflow_id: wf,
      caller: 'step-runner',
      parent: { execution_id: 'p', step: 's', task_token: 'tok-ok' },
    });
    const bad = await startPath.startExecution({
      workflow_id: wf,
      caller: 'step-runner',
      parent: { execution_id: 'p', step: 's', task_token: 'tok-bad' },
    });

    await statusHandler(statusChange(ok.record.execution_id, 'SUCCEEDED', Date.now(), { output: '{"n":1}' }));
    await statusHandler(
      statusChange(bad.record.execution_id, 'FAILED', Date.now(), { error: 'Steward.Http4xx', cause: 'no' }),
    );

    const success = sfn.sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(success.taskToken).toBe('tok-ok');
    expect(JSON.parse(success.output!)).toEqual({
      status: 'completed',
      output: { execution_id: ok.record.execution_id, result: { n: 1 } },
    });
    expect(sfn.sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toMatchObject({
      taskToken: 'tok-bad',
      error: 'Steward.Http4xx',
    });
  });
  it('a failure at a step the step runner never started makes that step current, as a retry starts there', async () => {
    const wf = await createWorkflow('Failed Before Start');
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id;
    await statusHandler(statusChange(id, 'RUNNING', Date.now()));
    await repo.markStepStarted(id, 'first');
    const entered = (name: string, n: number) => ({
      id: n,
      type: 'TaskStateEntered' as const,
      timestamp: new Date(),
      stateEnteredEventDetails: { name },
    });
    sfn.sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        entered('first', 2),
        { id: 3, type: 'TaskStateExited' as const, timestamp: new Date(), stateExitedEventDetails: { name: 'first' } },
        entered('second', 4),
        {
          id: 5,
          type: 'TaskFailed' as const,
          timestamp: new Date(),
          taskFailedEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke',
            error: 'Lambda.TooManyRequestsException',
          },
        },
        { id: 6, type: 'ExecutionFailed' as const, timestamp: new Date() },
      ],
    });

    await statusHandler(
      statusChange(id, 'FAILED', Date.now() + 1_000, { error: 'Lambda.TooManyRequestsException', cause: 'throttled' }),
    );

    const record = await repo.getExecution(id);
    expect(record).toMatchObject({
      status: 'failed',
      current_step: 'second',
      error_details: { error: 'Lambda.TooManyRequestsException', step: 'second' },
    });
  });
});

describe('requests of the run path', () => {
  const ops = (): string[] => requests.take().map((r) => `${r.command} ${r.key ?? r.table}`);

  it('a start writes the record and launches from it: no read of what it just wrote', async () => {
    const wf = await createWorkflow('Start Requests');
    requests.take();
    const res = await call(executions, 'POST', '/executions', { body: { workflow_id: wf } });
    expect(res.status).toBe(201);
    const id = res.body.execution_id;
    const made = ops();
    expect(res.body).toMatchObject({ execution_id: id, status: 'running' });
    expect((await repo.getExecution(id))?.sfn_execution_arn).toBeTruthy();
    expect(made.filter((o) => o.startsWith('GetItem EXEC#'))).toEqual([]);
    expect(made.filter((o) => o.includes(`EXEC#${id}/META`))).toEqual([
      `PutItem EXEC#${id}/META`,
      `UpdateItem EXEC#${id}/META`,
    ]);
    // What the answer said is what a read says now.
    const read = await call(executions, 'GET', `/executions/${id}`);
    expect(read.body).toEqual(res.body);
  });

  it('RUNNING on a running run: one conditional write claims workflow.started; a repeat reads and does nothing', async () => {
    const wf = await createWorkflow('Running Requests');
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id;
    const before = await repo.getExecution(id);
    const t = Date.now();
    requests.take();
    await statusHandler(statusChange(id, 'RUNNING', t));
    expect(ops()).toEqual([`UpdateItem EXEC#${id}/META`]);
    await statusHandler(statusChange(id, 'RUNNING', t));
    expect(ops()).toEqual([`UpdateItem EXEC#${id}/META`, `GetItem EXEC#${id}/META`]);
    const after = await repo.getExecution(id);
    expect(after).toMatchObject({ status: 'running', sfn_execution_arn: before?.sfn_execution_arn });
    expect(after?.started_event_at).toBeTruthy();
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.started']);
    expect(bus.events[0]!.detail.data).toMatchObject({ execution_id: id, status: 'running', initiated_by: 'api' });
  });

  it('RUNNING seen before the start path records it: one write moves created → running and claims the event', async () => {
    const wf = await createWorkflow('Created Requests');
    const outcome = await startPath.startExecution({ workflow_id: wf, caller: 'api' });
    const id = outcome.record.execution_id;
    // Put the record back as the start path left it before its own created → running write.
    await ddb.send(
      new UpdateCommand({
        TableName: names.history,
        Key: { pk: `EXEC#${id}`, sk: 'META' },
        UpdateExpression: 'SET #st = :c REMOVE sfn_execution_arn',
        ConditionExpression: '#st = :r',
        ExpressionAttributeNames: { '#st': 'status' },
        ExpressionAttributeValues: { ':c': 'created', ':r': 'running' },
      }),
    );
    const created = await repo.getExecution(id);
    requests.take();
    await statusHandler(statusChange(id, 'RUNNING', Date.now()));
    expect(ops()).toEqual([`UpdateItem EXEC#${id}/META`]);
    const running = await repo.getExecution(id);
    expect(running).toMatchObject({ status: 'running', sfn_execution_arn: expect.stringContaining(id) });
    expect(running?.seq).toBe((created?.seq ?? 0) + 1);
    // The start path's own write finds the run running already: it still succeeds (no status changes), so the
    // start answers with the record as it is without reading it.
    requests.take();
    const launched = await startPath.launchExecution(created!);
    expect(ops()).toEqual([`UpdateItem EXEC#${id}/META`]);
    expect(launched).toMatchObject({ status: 'running', started_event_at: running?.started_event_at });
    expect(launched).toEqual(await repo.getExecution(id));
    // A run that moved on meanwhile (here: cancelled) refuses it, and the answer is the record as it is.
    await repo.transitionExecution(id, ['running'], 'cancelled', { set: { cancel_reason: 'test' } });
    expect(await startPath.launchExecution(created!)).toMatchObject({ status: 'cancelled', cancel_reason: 'test' });
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.started']);
  });

  it('SUCCEEDED on a running run is one conditional write; an older or repeated one reads and changes nothing', async () => {
    const wf = await createWorkflow('Success Requests');
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id;
    const t = Date.now();
    await statusHandler(statusChange(id, 'RUNNING', t));
    requests.take();
    await statusHandler(statusChange(id, 'SUCCEEDED', t + 2000, { output: '{"n":2}' }));
    expect(ops()).toEqual([`UpdateItem EXEC#${id}/META`]);
    await statusHandler(statusChange(id, 'SUCCEEDED', t + 1000, { output: '{"n":1}' }));
    expect(ops()).toEqual([`UpdateItem EXEC#${id}/META`, `GetItem EXEC#${id}/META`]);
    expect(await repo.getExecution(id)).toMatchObject({ status: 'completed', result: { n: 2 }, fact_at: t + 2000 });
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.started', 'workflow.completed']);
  });

  it('a RUNNING fact older than the one applied neither moves a created run nor claims its event', async () => {
    const wf = await createWorkflow('Old Running');
    const outcome = await startPath.startExecution({ workflow_id: wf, caller: 'api' });
    const id = outcome.record.execution_id;
    const t = Date.now();
    await statusHandler(statusChange(id, 'FAILED', t, { error: 'E', cause: 'c' }));
    await statusHandler(statusChange(id, 'RUNNING', t - 500, { startDate: t - 500 }));
    expect(await repo.getExecution(id)).toMatchObject({ status: 'failed', fact_at: t });
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.failed']);
    // A redrive's RUNNING (newer) moves it back to running; the run's start was never announced, so it is now.
    await statusHandler(statusChange(id, 'RUNNING', t + 500, { startDate: t - 1000, redriveDate: t + 500 }));
    expect(await repo.getExecution(id)).toMatchObject({ status: 'running', fact_at: t + 500 });
    expect(bus.events.map((e) => e.type)).toEqual(['workflow.failed', 'workflow.started']);
  });

  it('an end in the same millisecond as the start applies (an Express run: its log lines delivered apart)', async () => {
    const wf = await createWorkflow('Same Millisecond');
    for (const [end, status] of [
      ['SUCCEEDED', 'completed'],
      ['FAILED', 'failed'],
    ] as const) {
      const id = (await startPath.startExecution({ workflow_id: wf, caller: 'api' })).record.execution_id;
      const t = Date.now();
      await statusHandler(statusChange(id, 'RUNNING', t));
      await statusHandler(statusChange(id, end, t, { output: '{"ok":true}', error: 'E', cause: 'c' }));
      expect(await repo.getExecution(id), end).toMatchObject({ status, fact_at: t, fact_status: end });
    }
    // A failure redelivered after a retry moved the run on (same time as the failure applied) changes nothing.
    const id = (await startPath.startExecution({ workflow_id: wf, caller: 'api' })).record.execution_id;
    const t = Date.now();
    await statusHandler(statusChange(id, 'RUNNING', t));
    await statusHandler(statusChange(id, 'FAILED', t + 10, { error: 'E', cause: 'c' }));
    expect((await repo.transitionExecution(id, ['failed'], 'running')).ok).toBe(true);
    await statusHandler(statusChange(id, 'FAILED', t + 10, { error: 'E', cause: 'c' }));
    expect(await repo.getExecution(id)).toMatchObject({ status: 'running', fact_at: t + 10 });
  });

  it("a run that completes after a failure (redriven) keeps no error_details, whether or not the redrive's RUNNING came first", async () => {
    const wf = await createWorkflow('Redriven Completes');
    for (const runningFirst of [true, false]) {
      const outcome = await startPath.startExecution({ workflow_id: wf, caller: 'api' });
      const id = outcome.record.execution_id;
      const t = Date.now();
      await statusHandler(statusChange(id, 'RUNNING', t));
      await statusHandler(statusChange(id, 'FAILED', t + 100, { error: 'Steward.LocalModeStopped', cause: 'stopped' }));
      expect((await repo.getExecution(id))?.error_details).toMatchObject({ error: 'Steward.LocalModeStopped' });
      if (runningFirst)
        await statusHandler(statusChange(id, 'RUNNING', t + 200, { startDate: t, redriveDate: t + 200 }));
      await statusHandler(statusChange(id, 'SUCCEEDED', t + 300, { output: '{"ok":true}' }));
      const record = await repo.getExecution(id);
      expect(record, `RUNNING first: ${runningFirst}`).toMatchObject({ status: 'completed', result: { ok: true } });
      expect(record?.error_details, `RUNNING first: ${runningFirst}`).toBeUndefined();
    }
  });
});

describe('concurrency limit', () => {
  it('reject: 50 concurrent starts → exactly max_running start, the rest get 429', async () => {
    const wf = await createWorkflow('Limited Reject', { max_running: 3, on_limit: 'reject' });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(executions, 'POST', '/executions', { body: { workflow_id: wf, context: { i } } }),
      ),
    );

    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(47);
    expect(await concurrency.runningCount(wf)).toBe(3);
  });

  it('queue: 50 concurrent starts → max_running run, the rest queue; each end starts the next, none lost', async () => {
    const wf = await createWorkflow('Limited Queue', { max_running: 3, on_limit: 'queue' });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(executions, 'POST', '/executions', { body: { workflow_id: wf, context: { i } } }),
      ),
    );
    const running = results.filter((r) => r.body.status === 'running');
    const queued = results.filter((r) => r.body.queued === true);

    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(running).toHaveLength(3);
    expect(queued).toHaveLength(47);
    expect(await concurrency.runningCount(wf)).toBe(3);

    const done = new Set<string>();
    for (let round = 0; round < 60 && done.size < 50; round++) {
      const page = await call(executions, 'GET', '/executions', {
        query: { workflow_id: wf, status: 'running', limit: '100' },
      });
      const live = page.body.executions.map((e: { execution_id: string }) => e.execution_id);
      expect(live.length).toBeLessThanOrEqual(3);
      await Promise.all(live.map((id: string) => statusHandler(statusChange(id, 'SUCCEEDED', Date.now()))));
      for (const id of live) done.add(id);
    }
    expect(done.size).toBe(50);
    expect(await concurrency.runningCount(wf)).toBe(0);
    expect(
      new Set(sfn.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).size,
    ).toBeGreaterThanOrEqual(50);
    // About 500 conditional writes against local DynamoDB: seconds on an idle machine, so a timeout with room.
  }, 60_000);

  it('cancelling a queued run withdraws it without taking a slot', async () => {
    const wf = await createWorkflow('Limited One', { max_running: 1, on_limit: 'queue' });
    const first = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body;
    const second = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body;

    const cancelled = await call(executions, 'PUT', `/executions/${second.execution_id}/cancel`);
    await statusHandler(statusChange(first.execution_id, 'SUCCEEDED', Date.now()));

    expect(second.queued).toBe(true);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await repo.getExecution(second.execution_id))?.status).toBe('cancelled');
    expect(await concurrency.runningCount(wf)).toBe(0);
  });
});

describe('reconciler', () => {
  it('applies DescribeExecution facts to quiet records and relaunches a start that stopped half-way', async () => {
    const wf = await createWorkflow('Quiet Flow');
    const id = (await call(executions, 'POST', '/executions', { body: { workflow_id: wf } })).body.execution_id;
    const record = (await repo.getExecution(id))!;
    const halfway = {
      ...record,
      execution_id: crypto.randomUUID(),
      status: 'created' as const,
      sfn_execution_arn: undefined,
      started_at: '2020-01-01T00:00:00.000Z',
    };
    await repo.createExecution(halfway);
    for (const quiet of [id, halfway.execution_id]) {
      // Backdate the last write, as if the record had been quiet since 2020.
      await ddb.send(
        new UpdateCommand({
          TableName: names.history,
          Key: { pk: `EXEC#${quiet}`, sk: 'META' },
          UpdateExpression: 'SET gsi3sk = :old',
          ExpressionAttributeValues: { ':old': `2020-01-01T00:00:00.000Z#${quiet}` },
        }),
      );
    }
    sfn.sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', startDate: new Date(), stopDate: new Date(), output: '{"r":2}' });

    const counts = await reconciler();

    expect(counts.applied).toBeGreaterThanOrEqual(1);
    expect(counts.launched).toBe(1);
    expect(await repo.getExecution(id)).toMatchObject({ status: 'completed', result: { r: 2 } });
    expect((await repo.getExecution(halfway.execution_id))?.status).toBe('running');
  });
});

describe('workflow-trigger', () => {
  it('starts through the start path, idempotent by event id and scheduled time; refusals are returned', async () => {
    const wf = await createWorkflow('Triggered Flow');
    const event = { id: 'evt-1', time: '2025-03-29T06:00:00Z', detail: { task_id: 't9' } };

    const first = await trigger({
      workflow_id: wf,
      source: 'event',
      event,
      context: { task_id: '$.detail.task_id', fixed: 1 },
    });
    const again = await trigger({
      workflow_id: wf,
      source: 'event',
      event,
      context: { task_id: '$.detail.task_id', fixed: 1 },
    });
    const scheduled = await trigger({
      workflow_name: 'Triggered Flow',
      source: 'schedule',
      scheduled_time: '2025-03-29T07:00:00Z',
    });
    const unknown = await trigger({ workflow_name: 'Nope', source: 'schedule', scheduled_time: 'x' });

    expect(first.outcome).toBe('started');
    expect(again).toEqual({ outcome: 'duplicate', execution_id: first.execution_id });
    expect((await repo.getExecution(first.execution_id!))?.context).toEqual({ task_id: 't9', fixed: 1 });
    expect(scheduled.outcome).toBe('started');
    expect(unknown.outcome).toBe('refused');
    const { listAudit } = await import('../../lambdas/shared/repositories/audit.ts');
    const audit = await listAudit({ target: `execution/${first.execution_id}` }, 10);
    expect(audit.items.map((a) => [a.caller, a.action])).toEqual([['event-trigger', 'execution.start']]);
    await expect(trigger({ source: 'event' })).rejects.toThrow(/workflow_id/);
  });
});

describe('workflow-trigger and the events of its own workflow', () => {
  /** A bus event as a rule target receives it: Steward's event (seed shape) as `detail`. */
  const busEvent = (id: string, type: string, data: Record<string, unknown>) => ({
    version: '0',
    id,
    'detail-type': type,
    source: 'steward',
    time: '2025-03-29T06:00:00Z',
    detail: { id: `steward-${id}`, type, source: 'steward', timestamp: '2025-03-29T06:00:00Z', data },
  });

  it('skips an event a run of the same workflow published, counts it, and starts nothing; other workflows’ start', async () => {
    const loop = await createWorkflow('Self Loop');
    const other = await createWorkflow('Self Loop Other');
    const { metrics } = await import('../../lambdas/shared/powertools.ts');
    const counted = vi.spyOn(metrics, 'addMetric');
    const own = [
      busEvent('own-1', 'workflow.completed', { workflow_id: loop, workflow_type: 'Self Loop', status: 'completed' }),
      busEvent('own-2', 'workflow.step_started', { workflow_id: loop, step: 'task_preparation', attempt: 1 }),
    ];

    for (const event of own) {
      const out = await trigger({ workflow_id: loop, source: 'event', event });
      expect(out.outcome).toBe('skipped');
      expect(out.reason).toMatch(/another run/);
    }
    // A deployed workflow is named: its own events carry its name (lifecycle) or its name's id (steps).
    const deployedId = (await import('../../lib/core/execution/ids.ts')).deployedWorkflowId('Self Loop');
    for (const event of [own[0]!, busEvent('own-3', 'workflow.step_failed', { workflow_id: deployedId })]) {
      expect((await trigger({ workflow_name: 'Self Loop', source: 'event', event })).outcome).toBe('skipped');
    }
    expect(counted.mock.calls.filter(([name]) => name === 'TriggerSelfEventsSkipped')).toHaveLength(4);
    counted.mockRestore();
    const runs = await repo.listExecutions({ workflow_id: loop }, 10);
    expect(runs.items).toEqual([]);

    const chained = await trigger({
      workflow_id: loop,
      source: 'event',
      event: busEvent('chain-1', 'workflow.completed', { workflow_id: other, workflow_type: 'Self Loop Other' }),
    });
    expect(chained.outcome).toBe('started');
    // Another producer's event that happens to carry the id is not Steward's: it starts a run.
    const foreign = await trigger({
      workflow_id: loop,
      source: 'event',
      event: { ...busEvent('foreign-1', 'order.created', { workflow_id: loop }), source: 'shop' },
    });
    expect(foreign.outcome).toBe('started');
  });
});

describe('workflow-trigger input', () => {
  it.each([
    [null, 'input'],
    [{ source: 'event' }, 'input.workflow_id'],
    [{ workflow_id: 'w', source: 'cron' }, 'input.source'],
    [{ workflow_id: 'w', source: 'event', context: [] }, 'input.context'],
    [{ workflow_id: 'w', source: 'event', event: { id: 5 } }, 'input.event.id'],
    [{ workflow_id: '', source: 'event' }, 'input.workflow_id'],
    [{ workflow_id: 'w', source: 'event', colour: 1 }, 'input.colour'],
  ])('refuses %j naming %s', async (raw, field) => {
    const { checkTriggerInput } = await import('../../lambdas/workflow-trigger/input.ts');

    const out = checkTriggerInput(raw);

    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.problems.map((p) => p.field)).toContain(field);
  });
});

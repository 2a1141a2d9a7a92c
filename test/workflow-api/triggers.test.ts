/**
 * Triggers of workflows created over the API: real schedules and bus rules, created, replaced and removed with the
 * workflow's versions, against local mode's EventBridge Scheduler and EventBridge (through the real SDK).
 */
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { checkTriggerInput, triggerKey } from '../../lambdas/workflow-trigger/input.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../lib/local/aws/index.ts';
import { EventBridgeService } from '../../lib/local/eventbridge/index.ts';
import { LocalScheduler } from '../../lib/local/scheduler.ts';
import { SchedulerService } from '../../lib/local/scheduler-service.ts';
import { eventually } from '../local/endpoints/helpers.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeStepFunctions, seedWorkflow, setHandlerEnv } from './harness.ts';

const sfn = fakeStepFunctions();
const invoked: Array<{ arn: string; payload: Record<string, unknown> }> = [];
let clock: LocalScheduler;
let schedules: SchedulerService;
let bus: EventBridgeService;
let endpoint: AwsEndpoint;
let workflows: ApiLambda;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  clock = new LocalScheduler(600); // rate(1 minute) every 100 ms
  const invokeLambda = async (arn: string, payload: unknown) => {
    invoked.push({ arn, payload: payload as Record<string, unknown> });
    return { ok: true as const, payload: null };
  };
  schedules = new SchedulerService({ scheduler: clock, invokeLambda });
  bus = new EventBridgeService({ invokers: { lambda: invokeLambda }, retryDelayMs: 10 });
  bus.createBus(String(process.env.EVENT_BUS_NAME));
  endpoint = await startAwsEndpoint({
    port: 0,
    services: { scheduler: schedules.operations(), events: bus.operations() },
  });
  process.env.AWS_ENDPOINT_URL_SCHEDULER = endpoint.url;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = endpoint.url;
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
});

afterAll(async () => {
  schedules.close();
  clock.close();
  bus.close();
  await endpoint.close();
});

beforeEach(() => sfn.install());

const TRIGGER_ARN = () => String(process.env.WORKFLOW_TRIGGER_ARN);
const everyMinute = { type: 'schedule', expression: 'rate(1 minute)', context: { project_id: 'p1' } };
const onTask = {
  type: 'event',
  pattern: { source: ['agents'], 'detail-type': ['agent.task_ready'] },
  context: { task_id: 'detail.task_id' },
};
const rulesOnBus = () =>
  bus.operations().ListRules!({ EventBusName: process.env.EVENT_BUS_NAME }) as {
    Rules: Array<{ Name: string }>;
  };
const putTaskReady = (taskId: string) =>
  bus.putEvents([
    {
      EventBusName: process.env.EVENT_BUS_NAME,
      Source: 'agents',
      DetailType: 'agent.task_ready',
      Detail: JSON.stringify({ task_id: taskId }),
    },
  ]);

describe('triggers of API-created workflows', () => {
  it('POST /workflows creates a schedule and a bus rule that invoke the trigger function with valid inputs', async () => {
    const created = await call(workflows, 'POST', '/workflows', {
      body: seedWorkflow('Triggered Create', { triggers: [everyMinute, onTask] }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const compact = id.replace(/-/g, '');

    const [schedule] = schedules.list().filter((s) => s.Name.includes(compact));
    expect(schedule).toMatchObject({
      Name: `steward-test-api-trigger-${compact}-0`,
      ScheduleExpression: 'rate(1 minute)',
      Target: { Arn: TRIGGER_ARN(), RoleArn: process.env.TRIGGER_SCHEDULER_ROLE_ARN },
    });
    expect(rulesOnBus().Rules.map((r) => r.Name)).toContain(`steward-test-api-trigger-${compact}-1`);

    const ticks = await eventually(() => {
      const mine = invoked.filter((i) => i.payload.workflow_id === id && i.payload.source === 'schedule');
      return mine.length >= 3 ? mine.slice(0, 3) : undefined;
    });
    for (const tick of ticks) {
      expect(tick.arn).toBe(TRIGGER_ARN());
      expect(checkTriggerInput(tick.payload).ok).toBe(true);
      expect(tick.payload.context).toEqual({ project_id: 'p1' });
    }
    const keys = ticks.map((t) => triggerKey(t.payload as never));
    expect(new Set(keys).size).toBe(3);

    putTaskReady('t-42');
    const started = await eventually(() =>
      invoked.find((i) => i.payload.workflow_id === id && i.payload.source === 'event'),
    );
    const checked = checkTriggerInput(started.payload);
    expect(checked.ok).toBe(true);
    expect(started.payload.context).toEqual({ task_id: '$.detail.task_id' });
    expect((started.payload.event as { detail: unknown }).detail).toEqual({ task_id: 't-42' });
  });

  it('a new version replaces the triggers (the live version’s); DELETE removes them all', async () => {
    const created = await call(workflows, 'POST', '/workflows', {
      body: seedWorkflow('Triggered Versions', { triggers: [everyMinute, onTask] }),
    });
    const id = created.body.id as string;
    const compact = id.replace(/-/g, '');
    const mine = () => ({
      schedules: schedules.list().filter((s) => s.Name.includes(compact)),
      rules: rulesOnBus().Rules.filter((r) => r.Name.includes(compact)),
    });

    const v2 = await call(workflows, 'POST', `/workflows/${id}/versions`, {
      body: seedWorkflow('Triggered Versions', {
        version: '2.0.0',
        triggers: [{ type: 'schedule', expression: 'rate(5 minutes)' }],
      }),
    });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);
    expect(mine().schedules.map((s) => s.ScheduleExpression)).toEqual(['rate(5 minutes)']);
    expect(mine().rules).toEqual([]);

    const v3 = await call(workflows, 'POST', `/workflows/${id}/versions`, {
      body: seedWorkflow('Triggered Versions', { version: '3.0.0', triggers: [onTask] }),
    });
    expect(v3.status).toBe(201);
    expect(mine().schedules).toEqual([]);
    expect(mine().rules.map((r) => r.Name)).toEqual([`steward-test-api-trigger-${compact}-0`]);

    const removed = await call(workflows, 'DELETE', `/workflows/${id}`);
    expect(removed.status).toBe(204);
    expect(mine()).toEqual({ schedules: [], rules: [] });
    expect(clock.list().some((h) => h.name.includes(compact))).toBe(false);
  });

  it('refuses a trigger EventBridge would refuse with a 400 naming it, and creates nothing', async () => {
    const before = { schedules: schedules.list().length, rules: rulesOnBus().Rules.length };
    const res = await call(workflows, 'POST', '/workflows', {
      body: seedWorkflow('Triggered Bad', {
        triggers: [everyMinute, { type: 'event', pattern: { detail: { n: [{ nope: 1 }] } } }],
      }),
    });

    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('triggers[1].pattern');
    expect(sfn.sfn.commandCalls(CreateStateMachineCommand)).toHaveLength(0);
    expect({ schedules: schedules.list().length, rules: rulesOnBus().Rules.length }).toEqual(before);
  });

  it('refuses an event trigger on its own runs’ events at create, new version and validate, with a 400 naming it', async () => {
    const before = { schedules: schedules.list().length, rules: rulesOnBus().Rules.length };
    const ownEvents = { type: 'event', pattern: { source: ['steward'] } };
    const created = await call(workflows, 'POST', '/workflows', {
      body: seedWorkflow('Triggered Loop', { triggers: [ownEvents] }),
    });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.body)).toContain('body.triggers[0].pattern');
    expect(JSON.stringify(created.body)).toContain('another run of the same workflow');
    expect(sfn.sfn.commandCalls(CreateStateMachineCommand)).toHaveLength(0);
    expect({ schedules: schedules.list().length, rules: rulesOnBus().Rules.length }).toEqual(before);

    const ok = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Triggered Loop', { triggers: [] }) });
    expect(ok.status).toBe(201);
    const id = ok.body.id as string;
    // Its own id, which a new version knows.
    const byId = {
      type: 'event',
      pattern: { 'detail-type': ['workflow.completed'], detail: { data: { workflow_id: [id] } } },
    };
    const v2 = await call(workflows, 'POST', `/workflows/${id}/versions`, {
      body: seedWorkflow('Triggered Loop', { version: '2.0.0', triggers: [everyMinute, byId] }),
    });
    expect(v2.status).toBe(400);
    expect(JSON.stringify(v2.body)).toContain('body.triggers[1].pattern');
    const put = await call(workflows, 'PUT', `/workflows/${id}`, {
      body: seedWorkflow('Triggered Loop', { version: '2.0.0', expected_seq: 1, triggers: [ownEvents] }),
    });
    expect(put.status).toBe(400);
    expect(JSON.stringify(put.body)).toContain('body.triggers[0].pattern');
    const validated = await call(workflows, 'POST', `/workflows/${id}/validate`, {
      body: seedWorkflow('Triggered Loop', { triggers: [byId] }),
    });
    expect(validated.body).toMatchObject({ valid: false, problems: [{ path: 'triggers[0].pattern' }] });
    expect(rulesOnBus().Rules.filter((r) => r.Name.includes(id.replace(/-/g, '')))).toEqual([]);
  });

  it('accepts chaining: a trigger on another workflow’s workflow.completed', async () => {
    const onA = {
      type: 'event',
      pattern: {
        source: ['steward'],
        'detail-type': ['workflow.completed'],
        detail: { data: { workflow_type: ['Chain A'] } },
      },
    };
    const b = await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Chain B', { triggers: [onA] }) });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    expect(rulesOnBus().Rules.map((r) => r.Name)).toContain(
      `steward-test-api-trigger-${(b.body.id as string).replace(/-/g, '')}-0`,
    );
  });
});

/**
 * Every example executed in aws-local-stepfunctions with stubbed tasks: order, parallelism, retries, catches,
 * compensation order, the pause park path, and transition counts equal to the compiler's report.
 */
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../../lib/core/workflow/index.ts';
import { executionInput, latch, runAsl, stewardError } from '../../support/asl-runner.ts';
import { loadExample } from './helpers.ts';

const CONTEXT = {
  task_id: 't1',
  agent_id: 'a1',
  project_id: 'p1',
  order_id: 'o1',
  customer_id: 'c1',
  cart_id: 'k1',
  amount: 42,
  priority: 'high',
  lines: [
    { sku: 'A', quantity: 1 },
    { sku: 'B', quantity: 2 },
    { sku: 'C', quantity: 3 },
  ],
};

function compiled(file: string): ReturnType<typeof compileWorkflow> {
  return compileWorkflow(loadExample(file));
}

describe('executing the examples', () => {
  it('runs the seed Agent Task Execution in exactly 4 transitions, as reported', async () => {
    const { asl, report } = compiled('agent-task-execution.json');

    const run = await runAsl(asl, { input: executionInput(CONTEXT) });

    expect(run.error).toBeUndefined();
    expect(run.entered).toEqual(['task_preparation', 'agent_assignment', 'execution_monitoring', 'result_processing']);
    expect(run.transitions).toBe(4);
    expect(report.transitions.happy_path).toBe(4);
    const wait = run.calls.find((c) => c.kind === 'event_wait')!;
    expect(wait.payload).toMatchObject({
      filter: { task_id: 't1', agent_id: 'a1' },
      timeout_seconds: 3600,
      task_token: 'token-1',
    });
  });

  it('parks a paused step and re-enters it (2 extra transitions)', async () => {
    const { asl } = compiled('agent-task-execution.json');
    let paused = false;

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byState: {
        agent_assignment: () => {
          if (!paused) {
            paused = true;
            throw stewardError('Steward.Paused');
          }
          return { status: 'completed', output: {} };
        },
      },
    });

    expect(run.error).toBeUndefined();
    expect(run.entered.slice(0, 4)).toEqual([
      'task_preparation',
      'agent_assignment',
      'agent_assignment.paused',
      'agent_assignment',
    ]);
    expect(run.transitions).toBe(6);
    expect(run.retries).toBe(0);
    expect(run.calls.find((c) => c.kind === 'park')?.payload).toMatchObject({
      step: 'agent_assignment',
      task_token: 'token-1',
    });
  });

  it('retries fast, then slow (outer retry handler), counting every attempt', async () => {
    const { asl, report } = compiled('agent-task-execution.json');

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byState: {
        agent_assignment: (_p, { attempt }) => {
          if (attempt < 9) throw stewardError('Steward.Http5xx');
          return { status: 'completed', output: {} };
        },
        task_preparation: (_p, { attempt }) => {
          if (attempt < 3) throw stewardError('Steward.Timeout');
          return { status: 'completed', output: {} };
        },
        result_processing: (_p, { attempt }) => {
          if (attempt < 3) throw stewardError('Steward.NetworkError');
          return { status: 'completed', output: {} };
        },
      },
    });

    expect(run.error).toBeUndefined();
    expect(run.calls.filter((c) => c.state === 'agent_assignment')).toHaveLength(9);
    expect(run.entered.filter((s) => s === 'agent_assignment.retry_wait')).toHaveLength(2);
    // Worst case minus what this run did not use (execution_monitoring's notify route, the last outer round).
    expect(run.transitions + run.retries).toBe(3 + (3 * 3 + 2 * 3) + 1 + 3);
    expect(report.transitions.worst_case).toBeGreaterThanOrEqual(run.transitions + run.retries);
  });

  it('fails after the outer retries are spent, with the original error', async () => {
    const { asl } = compiled('agent-task-execution.json');

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byState: {
        agent_assignment: () => {
          throw stewardError('Steward.Http5xx', 'agent-orchestrator is down');
        },
      },
    });

    expect(run.error).toEqual({ name: 'Steward.Http5xx', cause: 'agent-orchestrator is down' });
    expect(run.calls.filter((c) => c.state === 'agent_assignment')).toHaveLength(12);
    expect(run.entered.at(-1)).toBe('agent_assignment.retry_exhausted');
  });

  it('notifies through a Catch route when an event_wait fails, then fails the run', async () => {
    const { asl } = compiled('agent-task-execution.json');

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byKind: {
        event_wait: () => {
          throw stewardError('States.Timeout', 'no event');
        },
      },
    });

    expect(run.error?.name).toBe('States.Timeout');
    const notify = run.calls.find((c) => c.kind === 'notify')!;
    expect(notify.payload).toMatchObject({
      step: 'execution_monitoring',
      request: { service: 'project-coordinator', endpoint: '/projects/{project_id}/notifications' },
      error: { Error: 'States.Timeout', Cause: 'no event' },
    });
  });

  it('runs the sequential example in order', async () => {
    const { asl, report } = compiled('sequential.json');

    const run = await runAsl(asl, { input: executionInput(CONTEXT) });

    expect(run.entered).toEqual(['reserve_stock', 'charge_payment', 'ship_order', 'notify_customer']);
    expect(run.transitions).toBe(report.transitions.happy_path);
  });

  it('runs the parallel example with the three checks overlapping', async () => {
    const { asl, report } = compiled('parallel.json');
    // Each check finishes only once all three have started: run one after the other, the first would never finish.
    const names = ['check_agents', 'check_inventory', 'check_budget'];
    const started = new Set<string>();
    const allStarted = latch('all three checks started');

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byKind: {
        service_call: async (p) => {
          if (names.includes(String(p.step))) {
            started.add(String(p.step));
            if (started.size === names.length) allStarted.open();
            await allStarted.wait();
          }
          return { status: 'completed', output: { from: p.step } };
        },
      },
    });

    expect(run.error).toBeUndefined();
    const at = (s: string) => run.calls.find((c) => c.state === s)!;
    const checks = names.map(at);
    expect(Math.max(...checks.map((c) => c.start))).toBeLessThanOrEqual(Math.min(...checks.map((c) => c.end)));
    expect(checks.every((c) => c.start >= at('prepare_task').end)).toBe(true);
    expect(checks.every((c) => at('report_readiness').start >= c.end)).toBe(true);
    expect(run.transitions).toBe(report.transitions.happy_path);
    const output = run.output as { steps: Record<string, unknown> };
    expect(Object.keys(output.steps).sort()).toEqual(
      ['check_agents', 'check_budget', 'check_inventory', 'prepare_task', 'report_readiness'].sort(),
    );
  });

  it.each([
    { priority: 'high', total: 10, path: ['load_order', 'route_by_priority', 'ship_express', 'notify_customer'] },
    { priority: 'low', total: 5000, path: ['load_order', 'route_by_priority', 'ship_express', 'notify_customer'] },
    {
      priority: 'low',
      total: 10,
      path: ['load_order', 'route_by_priority', 'wait_for_batch', 'ship_standard', 'notify_customer'],
    },
  ])(
    'takes the right branch of the conditional example (priority $priority, total $total)',
    async ({ priority, total, path }) => {
      const { asl } = compiled('conditional.json');

      const run = await runAsl(asl, {
        input: executionInput({ ...CONTEXT, priority }),
        byState: { load_order: () => ({ status: 'completed', output: { total } }) },
      });

      expect(run.entered).toEqual(path);
    },
  );

  it('runs the event-based example: two waits at once, each handler after its event, join last', async () => {
    const { asl, report } = compiled('event-based.json');

    // The budget approval arrives only after the plan's handler has started, and the plan approval only once the
    // budget wait is registered: both waits are open at once, and each handler follows its own event.
    const budgetWaiting = latch('wait_budget_approval registered');
    const planHandled = latch('schedule_plan started');
    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byState: {
        request_approvals: () => ({ status: 'completed', output: { plan_id: 'plan-7' } }),
        schedule_plan: () => {
          planHandled.open();
          return { status: 'completed', output: {} };
        },
      },
      byKind: {
        event_wait: async (p) => {
          if (p.step === 'wait_budget_approval') {
            budgetWaiting.open();
            await planHandled.wait();
          } else {
            await budgetWaiting.wait();
          }
          return { status: 'completed', output: { approved: p.step } };
        },
      },
    });

    const at = (s: string) => run.calls.find((c) => c.state === s)!;
    expect(run.error).toBeUndefined();
    expect(at('wait_plan_approval').payload.filter).toEqual({ project_id: 'p1', plan: 'plan-7' });
    expect(at('wait_budget_approval').start).toBeLessThan(at('wait_plan_approval').end);
    expect(at('schedule_plan').start).toBeGreaterThanOrEqual(at('wait_plan_approval').end);
    expect(at('schedule_plan').start).toBeLessThan(at('wait_budget_approval').end);
    expect(at('start_project').start).toBeGreaterThanOrEqual(at('reserve_budget').end);
    expect(run.transitions).toBe(report.transitions.happy_path);
  });

  it('runs the fallback, then compensates in reverse completion order and fails with the original error', async () => {
    const { asl } = compiled('error-handling.json');
    const completed: string[] = [];

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byKind: {
        service_call: (p) => {
          if (p.step === 'charge_payment') throw stewardError('Steward.Http4xx', 'card declined');
          if (p.step === 'ship_order') throw stewardError('Steward.Http5xx', 'carrier down');
          if (p.compensation) completed.push(String(p.step));
          return { status: 'completed', output: { id: p.step } };
        },
        load_compensations: () => ({
          items: [...completed].reverse().map((step) => ({ step, request: { service: 's' }, output: null })),
        }),
      },
    });

    expect(run.error).toEqual({ name: 'Steward.Http5xx', cause: 'carrier down' });
    expect(run.calls.filter((c) => c.state === 'ship_order')).toHaveLength(3);
    expect(completed).toEqual(['reserve_stock', 'charge_backup_provider']);
    expect(run.calls.filter((c) => c.kind === 'compensate').map((c) => c.payload.step)).toEqual([
      'charge_backup_provider',
      'reserve_stock',
    ]);
    expect(run.entered.at(-1)).toBe('compensate.fail');
  });

  it('records a failed step and continues when its handler says continue', async () => {
    const { asl } = compiled('error-handling.json');

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byState: {
        send_receipt: () => {
          throw stewardError('Steward.Http4xx', 'no email');
        },
      },
    });

    expect(run.error).toBeUndefined();
    const steps = (run.output as { steps: Record<string, unknown> }).steps;
    expect(steps.send_receipt).toEqual({
      status: 'failed_continued',
      output: { Error: 'Steward.Http4xx', Cause: 'no email' },
    });
  });

  it('runs the map example once per item, at most five at a time, with item payloads', async () => {
    const { asl, report } = compiled('map.json');

    const run = await runAsl(asl, { input: executionInput(CONTEXT) });

    const reserve = run.calls.filter((c) => c.state === 'reserve_line');
    expect(reserve.map((c) => c.payload.item)).toEqual(CONTEXT.lines);
    expect(reserve.every((c) => JSON.stringify(c.payload.steps) === '{}')).toBe(true);
    const lines = (run.output as { steps: { reserve_lines: { output: unknown[] } } }).steps.reserve_lines.output;
    expect(lines).toHaveLength(3);
    expect(run.transitions).toBe(report.transitions.happy_path + 2 * report.transitions.per_map_item.reserve_lines!);
  });

  it('runs the sub-workflow example as a callback task with resolved input', async () => {
    const { asl, report } = compiled('sub-workflow.json');

    const run = await runAsl(asl, {
      input: executionInput(CONTEXT),
      byState: { validate_cart: () => ({ status: 'completed', output: { order_id: 'o9', amount: 12 } }) },
    });

    const child = run.calls.find((c) => c.kind === 'sub_workflow')!;
    expect(child.payload).toMatchObject({
      workflow: 'Order Fulfilment',
      version: '1.0.0',
      input: { order_id: 'o9', customer_id: 'c1', amount: 12 },
      task_token: 'token-1',
    });
    expect(run.transitions).toBe(report.transitions.happy_path);
  });
});

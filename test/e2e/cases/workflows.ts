/**
 * End-to-end: Steward's workflows through the REST API only, against local mode (default) or a deployed stack
 * (STEWARD_E2E_URL). Tests that need local-only control of the sample services run only against local mode.
 */
import { describe, expect, it } from 'vitest';
import { type E2E, eventually, isLocal, seedContext, waitForStatus } from '../support/steward.ts';

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function workflowCases(get: () => E2E): void {
  const e2e = new Proxy({} as E2E, { get: (_t, key) => get()[key as keyof E2E] });

  interface Execution {
    execution_id: string;
    status: string;
    correlation_id: string;
  }
  interface Steps {
    steps: Array<{ step: string; status: string; attempts?: number }>;
  }

  const start = async (workflowName: string, context: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const answer = await e2e.api<Execution>('POST', '/executions', {
      workflow_name: workflowName,
      correlation_id: crypto.randomUUID(),
      context,
      ...extra,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };

  const stepStatuses = async (id: string): Promise<Record<string, string>> => {
    const { body } = await e2e.api<Steps>('GET', `/executions/${id}/steps`);
    return Object.fromEntries(body.steps.map((s) => [s.step, s.status]));
  };

  describe('the seed workflow', () => {
    it('runs "Agent Task Execution" to completion when the agent reports agent.task_completed', async () => {
      const started = await start('Agent Task Execution', seedContext());

      const done = await waitForStatus(e2e, started.execution_id, ['completed', 'failed'], 60_000);

      expect(done.status).toBe('completed');
      expect(await stepStatuses(started.execution_id)).toEqual({
        task_preparation: 'completed',
        agent_assignment: 'completed',
        execution_monitoring: 'completed',
        result_processing: 'completed',
      });
      const events = await e2e.api<{ events: Array<{ type: string }> }>(
        'GET',
        `/correlations/${started.correlation_id}/events`,
      );
      expect(events.body.events.map((e) => e.type)).toContain('agent.task_completed');
    }, 90_000);

    it('starts at most one execution per idempotency key; another body under the key is refused', async () => {
      const key = crypto.randomUUID();
      const context = seedContext();
      const body = { workflow_name: 'Agent Task Execution', context, idempotency_key: key };

      const first = await e2e.api<Execution>('POST', '/executions', body);
      const again = await e2e.api<Execution>('POST', '/executions', body);
      const other = await e2e.api('POST', '/executions', { ...body, context: { ...context, task_id: 'other' } });

      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.body.execution_id).toBe(first.body.execution_id);
      expect(other.status).toBe(422);
    });
  });

  describe('the patterns of statemachines/', () => {
    const order = () => ({ order_id: `o-${crypto.randomUUID().slice(0, 8)}`, customer_id: 'c1', amount: 42 });
    const cases: Array<[string, string, () => Record<string, unknown>]> = [
      ['sequential', 'Order Fulfilment', order],
      ['parallel', 'Task Readiness Check', () => ({ task_id: crypto.randomUUID(), project_id: crypto.randomUUID() })],
      ['conditional', 'Priority Shipping', () => ({ ...order(), priority: 'high' })],
      [
        'map',
        'Bulk Reservation',
        () => ({
          ...order(),
          lines: [
            { sku: 'a', quantity: 1 },
            { sku: 'b', quantity: 2 },
          ],
        }),
      ],
      ['error handling (happy path)', 'Order Saga', order],
      ['sub-workflow', 'Checkout', () => ({ cart_id: `cart-${crypto.randomUUID().slice(0, 8)}`, customer_id: 'c1' })],
    ];

    it.each(cases)(
      'runs the %s pattern (%s) to completion',
      async (_pattern, workflow, context) => {
        const started = await start(workflow, context());

        const done = await waitForStatus(e2e, started.execution_id, ['completed', 'failed'], 60_000);

        expect(done.status, JSON.stringify(done.error_details)).toBe('completed');
      },
      90_000,
    );

    it('runs a DAG that is not series-parallel (Order Release) with joins released by the step runner', async () => {
      const started = await start('Order Release', order());

      const done = await waitForStatus(e2e, started.execution_id, ['completed', 'failed'], 60_000);

      expect(done.status, JSON.stringify(done.error_details)).toBe('completed');
      expect(await stepStatuses(started.execution_id)).toEqual({
        reserve_stock: 'completed',
        check_fraud: 'completed',
        pick_items: 'completed',
        charge_payment: 'completed',
        ship_order: 'completed',
      });
    }, 90_000);

    it('runs the event-based pattern (Dual Approval) once both events arrive', async () => {
      const project = crypto.randomUUID();
      const started = await start('Dual Approval', { project_id: project });
      await eventually('both waits to be registered', async () => {
        const steps = await stepStatuses(started.execution_id);
        return steps.wait_budget_approval && steps.wait_plan_approval ? steps : undefined;
      });

      await e2e.api('POST', '/events', {
        type: 'payments.budget_approved',
        source: 'e2e',
        data: { project_id: project },
      });
      await e2e.api('POST', '/events', {
        type: 'planning.plan_approved',
        source: 'e2e',
        data: { project_id: project, plan: `plan-${project}` },
      });

      expect((await waitForStatus(e2e, started.execution_id, ['completed', 'failed'], 60_000)).status).toBe(
        'completed',
      );
    }, 90_000);

    it('consumes events that arrive before their wait', async () => {
      const project = crypto.randomUUID();
      for (const [type, data] of [
        ['payments.budget_approved', { project_id: project }],
        ['planning.plan_approved', { project_id: project, plan: `plan-${project}` }],
      ] as const) {
        const sent = await e2e.api('POST', '/events', { type, source: 'e2e', data });
        expect(sent.status).toBe(202);
      }

      const started = await start('Dual Approval', { project_id: project });

      expect((await waitForStatus(e2e, started.execution_id, ['completed', 'failed'], 60_000)).status).toBe(
        'completed',
      );
    }, 90_000);
  });

  describe('steering executions', () => {
    it('pauses, resumes and cancels a run; an illegal command answers 409', async () => {
      const started = await start('Dual Approval', { project_id: crypto.randomUUID() });
      await waitForStatus(e2e, started.execution_id, ['running']);

      const paused = await e2e.api('PUT', `/executions/${started.execution_id}/pause`, { reason: 'e2e' });
      expect(paused.status, JSON.stringify(paused.body)).toBe(200);
      await waitForStatus(e2e, started.execution_id, ['paused']);
      expect((await e2e.api('PUT', `/executions/${started.execution_id}/pause`)).status).toBe(409);

      expect((await e2e.api('PUT', `/executions/${started.execution_id}/resume`)).status).toBe(200);
      await waitForStatus(e2e, started.execution_id, ['running']);

      expect((await e2e.api('PUT', `/executions/${started.execution_id}/cancel`, { reason: 'e2e' })).status).toBe(200);
      await waitForStatus(e2e, started.execution_id, ['cancelled']);
      expect((await e2e.api('PUT', `/executions/${started.execution_id}/resume`)).status).toBe(409);
    }, 60_000);

    it.runIf(isLocal)(
      'retries a failed step: the run continues from it, earlier steps are not called again',
      async () => {
        const commerce = 'http://127.0.0.1:4513';
        const context = { order_id: `o-${crypto.randomUUID().slice(0, 8)}`, customer_id: 'c1', amount: 7 };
        const shipments = `/orders/${context.order_id}/shipments`;
        // More failures than the step's attempts: the run fails at ship_order.
        await fetch(`${commerce}/__control/fail`, {
          method: 'POST',
          body: JSON.stringify({ path: shipments, times: 20 }),
        });
        const started = await start('Order Fulfilment', context);
        const failed = await waitForStatus(e2e, started.execution_id, ['failed', 'completed'], 60_000);
        expect(failed.status).toBe('failed');
        await fetch(`${commerce}/__control/fail`, {
          method: 'POST',
          body: JSON.stringify({ path: shipments, times: 0 }),
        });

        const retry = await e2e.api('POST', `/executions/${started.execution_id}/steps/ship_order/retry`);
        expect(retry.status, JSON.stringify(retry.body)).toBe(202);

        expect((await waitForStatus(e2e, started.execution_id, ['completed', 'failed'], 60_000)).status).toBe(
          'completed',
        );
        const calls = (await (await fetch(`${commerce}/__control/calls`)).json()) as { calls: Array<{ path: string }> };
        expect(calls.calls.filter((c) => c.path === `/orders/${context.order_id}/charges`)).toHaveLength(1);
        const retries = await e2e.api<{ retries: unknown[] }>(
          'GET',
          `/executions/${started.execution_id}/steps/ship_order/retries`,
        );
        expect(retries.status).toBe(200);
      },
      120_000,
    );
  });

  describe('Express workflows', () => {
    // Step Functions sends no status events for Express executions: their records end from the execution logs.
    const express = async (name: string, steps: unknown[]): Promise<string> => {
      const created = await e2e.api<{ id: string }>('POST', '/workflows', {
        name,
        execution_type: 'express',
        definition: { steps },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.id;
    };

    it('ends an Express run completed, and a failing one failed, from their execution logs', async () => {
      const suffix = crypto.randomUUID().slice(0, 8);
      const ok = await express(`Express Lookup ${suffix}`, [
        {
          name: 'load_order',
          step_type: 'service_call',
          service: 'inventory',
          endpoint: '/orders/{order_id}',
          method: 'GET',
        },
      ]);
      const bad = await express(`Express Failure ${suffix}`, [
        { name: 'give_up', step_type: 'fail', error: 'Steward.Rejected', cause: 'rejected on purpose' },
      ]);

      const [a, b] = await Promise.all(
        [ok, bad].map(async (workflow_id) => {
          const answer = await e2e.api<Execution>('POST', '/executions', {
            workflow_id,
            context: { order_id: crypto.randomUUID() },
          });
          expect(answer.status, JSON.stringify(answer.body)).toBe(201);
          return answer.body.execution_id;
        }),
      );

      expect((await waitForStatus(e2e, a!, ['completed', 'failed'], 60_000)).status).toBe('completed');
      expect((await waitForStatus(e2e, b!, ['completed', 'failed'], 60_000)).status).toBe('failed');
    }, 90_000);
  });

  describe('triggers of a workflow created over the API', () => {
    interface Listed {
      executions: Array<{ execution_id: string; correlation_id?: string; context: Record<string, unknown> }>;
    }
    const runsOf = async (workflowId: string) =>
      (await e2e.api<Listed>('GET', `/executions?workflow_id=${workflowId}&limit=100`)).body.executions ?? [];

    it('starts runs on every schedule tick and on a matching event; DELETE removes the triggers', async () => {
      const tag = crypto.randomUUID().slice(0, 8);
      const created = await e2e.api<{ id: string }>('POST', '/workflows', {
        name: `Triggered ${tag}`,
        version: '1',
        definition: { steps: [{ name: 'settle', step_type: 'wait', seconds: 1 }] },
        triggers: [
          { type: 'schedule', expression: 'rate(1 minute)', context: { origin: 'schedule' } },
          {
            type: 'event',
            pattern: { source: [`e2e.${tag}`], 'detail-type': ['e2e.poke'] },
            context: { poke_id: 'detail.data.poke_id' },
          },
        ],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id;

      // Several ticks of one rate(1 minute) schedule each start a run (local mode's clock is sped up).
      const ticks = await eventually(
        'three scheduled runs',
        async () => {
          const runs = (await runsOf(id)).filter((r) => r.context?.origin === 'schedule');
          return runs.length >= 3 ? runs : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 500 },
      );
      expect(new Set(ticks.map((r) => r.execution_id)).size).toBe(ticks.length);

      const poke = crypto.randomUUID();
      const sent = await e2e.api('POST', '/events', {
        type: 'e2e.poke',
        source: `e2e.${tag}`,
        data: { poke_id: poke },
      });
      expect(sent.status).toBe(202);
      const byEvent = await eventually('a run started by the event', async () =>
        (await runsOf(id)).find((r) => r.context?.poke_id === poke),
      );
      expect((await waitForStatus(e2e, byEvent.execution_id, ['completed', 'failed'], 30_000)).status).toBe(
        'completed',
      );

      const removed = await e2e.api('DELETE', `/workflows/${id}?force=true`);
      expect(removed.status, JSON.stringify(removed.body)).toBe(204);
      if (isLocal) {
        const schedules = e2e.local!.backend.services.schedules.list();
        expect(schedules.filter((s) => s.Name.includes(id.replace(/-/g, '')))).toEqual([]);
        const ops = e2e.local!.backend.services.eventBridge.operations();
        const rules = e2e.local!.wiring.eventBuses.flatMap(
          (bus) => (ops.ListRules!({ EventBusName: bus }) as { Rules: Array<{ Name: string }> }).Rules,
        );
        expect(rules.filter((r) => r.Name.includes(id.replace(/-/g, '')))).toEqual([]);
      }
    }, 120_000);
  });
}

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
/**
 * End-to-end: Steward's workflows through the REST API only, against local mode (default) or a deployed stack
 * (STEWARD_E2E_URL). Tests that need local-only control of the sample services run only against local mode.
 */

import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type E2E, E2E_LEDGER_TOKEN, eventually, isLocal, seedContext, waitForStatus } from '../support/steward.ts';

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

    // Whether the waits registered before the events arrive is up to timing here; the race itself is forced in
    // test/engine/routing.test.ts and test/engine/events-api.test.ts.
    it('completes when its events are sent right after the start, before or after its waits registered', async () => {
      const project = crypto.randomUUID();
      const started = await start('Dual Approval', { project_id: project });
      // Sent at once: the waits may not be registered yet; the events are kept for them (the run started first).
      for (const [type, data] of [
        ['payments.budget_approved', { project_id: project }],
        ['planning.plan_approved', { project_id: project, plan: `plan-${project}` }],
      ] as const) {
        const sent = await e2e.api('POST', '/events', { type, source: 'e2e', data });
        expect(sent.status).toBe(202);
      }

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
        const retries = await e2e.api<{ status: string; attempts: Array<{ attempt: number; status: string }> }>(
          'GET',
          `/executions/${started.execution_id}/steps/ship_order/retries`,
        );
        expect(retries.status).toBe(200);
        // The attempts that failed before the retry, then the one the retry made, which succeeded.
        const attempts = retries.body.attempts;
        expect(retries.body.status).toBe('completed');
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
        expect(attempts.at(-1)?.status).toBe('completed');
        expect(attempts.slice(0, -1).every((a) => a.status === 'failed')).toBe(true);
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

/**
 * Calls to services that demand authentication (the commerce sample's /secure routes, registered over the API with a
 * bearer token from a local secret and with SigV4), the standard headers they check, a throttled step runner, and the
 * rule for early events. Local mode only: they need the samples, the local secret and Lambda fault injection.
 */
export function serviceCallCases(get: () => E2E): void {
  const e2e = new Proxy({} as E2E, { get: (_t, key) => get()[key as keyof E2E] });
  const commerce = 'http://127.0.0.1:4513';
  const suffix = crypto.randomUUID().slice(0, 8);
  const workflow = `E2E Authenticated Calls ${suffix}`;

  interface Attempt {
    attempt: number;
    status: string;
    request: { headers?: Record<string, string> };
  }
  const attempts = async (id: string, step: string): Promise<Attempt[]> =>
    (await e2e.api<{ attempts: Attempt[] }>('GET', `/executions/${id}/steps/${step}/retries`)).body.attempts;
  const outputs = async (id: string): Promise<Record<string, Record<string, unknown>>> =>
    (await e2e.api<{ outputs: Record<string, Record<string, unknown>> }>('GET', `/executions/${id}/state`)).body
      .outputs;
  const start = async (name: string, context: Record<string, unknown>) => {
    const answer = await e2e.api<{ execution_id: string }>('POST', '/executions', {
      workflow_name: name,
      correlation_id: `corr-${crypto.randomUUID()}`,
      context,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.execution_id;
  };

  describe.runIf(isLocal)('authenticated service calls', () => {
    it("registers services with auth by reference; a secret outside Steward's prefix is refused naming the field", async () => {
      const bad = await e2e.api<{ error: { details?: Array<{ field: string }> } }>('POST', '/services', {
        name: `e2e-bad-${suffix}`,
        base_url: commerce,
        auth: { type: 'bearer', secret: 'secretsmanager:prod/other-team' },
      });
      const ledger = await e2e.api('POST', '/services', {
        name: `e2e-ledger-${suffix}`,
        base_url: commerce,
        auth: { type: 'bearer', secret: 'secretsmanager:steward/samples/ledger-token' },
      });
      const signed = await e2e.api('POST', '/services', {
        name: `e2e-signed-${suffix}`,
        base_url: commerce,
        auth: { type: 'aws_iam', service: 'execute-api' },
      });
      const defined = await e2e.api('POST', '/workflows', {
        name: workflow,
        definition: {
          steps: [
            {
              name: 'bearer_call',
              step_type: 'service_call',
              service: `e2e-ledger-${suffix}`,
              endpoint: '/secure/bearer/charge',
              headers: { 'X-Sample-Order': '${context.order_id}', 'X-Sample-Run': '${execution.id}' },
              body: { order: '${context.order_id}' },
              retry_policy: { max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 },
            },
            {
              name: 'signed_call',
              step_type: 'service_call',
              service: `e2e-signed-${suffix}`,
              endpoint: '/secure/sigv4/settle',
              depends_on: ['bearer_call'],
              body: { charge: '${steps.bearer_call.output.idempotency_key}' },
            },
          ],
        },
      });

      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain('body.auth.secret');
      expect(ledger.status, JSON.stringify(ledger.body)).toBe(201);
      expect(signed.status, JSON.stringify(signed.body)).toBe(201);
      expect(defined.status, JSON.stringify(defined.body)).toBe(201);
    }, 60_000);

    it('calls a bearer-token service and a SigV4 service; retries keep one Idempotency-Key; the samples check the headers', async () => {
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      await fetch(`${commerce}/__control/fail`, {
        method: 'POST',
        body: JSON.stringify({ path: '/secure/bearer/charge', times: 1 }),
      });

      const id = await start(workflow, { order_id: order });
      const done = await waitForStatus(e2e, id, ['completed', 'failed'], 60_000);

      expect(done.status, JSON.stringify(done.error_details)).toBe('completed');
      const out = await outputs(id);
      expect(out.bearer_call).toMatchObject({
        ok: true,
        auth: 'bearer',
        times_seen: 1,
        custom: { 'x-sample-order': order, 'x-sample-run': id },
      });
      expect(out.signed_call).toMatchObject({
        ok: true,
        auth: 'sigv4',
        received: { charge: out.bearer_call!.idempotency_key },
      });
      expect(out.bearer_call!.trace_id).toBe(id.replace(/-/g, ''));
      expect(out.signed_call!.trace_id).toBe(out.bearer_call!.trace_id);
      expect(out.signed_call!.idempotency_key).not.toBe(out.bearer_call!.idempotency_key);
      const tries = await attempts(id, 'bearer_call');
      expect(tries.map((a) => a.status)).toEqual(['failed', 'completed']);
      expect(new Set(tries.map((a) => a.request.headers?.['idempotency-key']))).toEqual(
        new Set([out.bearer_call!.idempotency_key]),
      );
    }, 90_000);

    it('does not fail the run when the step runner is throttled (Lambda.TooManyRequestsException), nor count it as an attempt', async () => {
      const stepRunner = e2e.local!.wiring.functions.find((f) => f.id === 'step-runner')!;
      e2e.local!.backend.services.stepFunctions.injectLambdaErrors(stepRunner.name, 2);

      const id = await start(workflow, { order_id: `o-${crypto.randomUUID().slice(0, 8)}` });
      const done = await waitForStatus(e2e, id, ['completed', 'failed'], 60_000);

      expect(done.status, JSON.stringify(done.error_details)).toBe('completed');
      expect((await attempts(id, 'bearer_call')).map((a) => a.attempt)).toEqual([1]);
    }, 90_000);

    it('leaves the secret value in no DynamoDB item, log line or event', async () => {
      const local = e2e.local!;
      const dynamodb = new DynamoDBClient({
        endpoint: local.urls.dynamodb,
        region: 'us-east-1',
        // The operator key local mode prints: a tool of the user's, signed like any AWS request.
        credentials: local.iam.operator,
      });
      const items: unknown[] = [];
      for (const table of local.wiring.tables) {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await dynamodb.send(
            new ScanCommand({ TableName: table.name, ExclusiveStartKey: start as never }),
          );
          items.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
      }
      dynamodb.destroy();
      const events = local.backend.recentEvents(100_000);
      const apiEvents = await e2e.api('GET', '/events?limit=100');

      expect(items.length).toBeGreaterThan(10);
      expect(e2e.logs.length).toBeGreaterThan(10);
      for (const [where, text] of [
        ['DynamoDB', JSON.stringify(items)],
        ['logs', e2e.logs.join('\n')],
        ['bus events', JSON.stringify(events)],
        ['GET /events', JSON.stringify(apiEvents.body)],
      ] as const) {
        expect(text.includes(E2E_LEDGER_TOKEN), `the secret value appears in ${where}`).toBe(false);
      }
      expect(JSON.stringify(items)).toContain('steward/samples/ledger-token');
    }, 60_000);
  });

  describe.runIf(isLocal)('early events', () => {
    it('an event received before a run started completes only a wait that opts in, and resumes each run once', async () => {
      const order = `o-${crypto.randomUUID().slice(0, 8)}`;
      const [a, b] = [`e2e.approved_${suffix}`, `e2e.packed_${suffix}`];
      const name = `E2E Early Events ${suffix}`;
      const wait = (step: string, type: string, since?: string) => ({
        name: step,
        step_type: 'event_wait',
        event_type: type,
        event_filter: { order_id: '${context.order_id}' },
        timeout: 3_600_000,
        ...(since ? { accept_events_since: since } : {}),
      });
      const defined = await e2e.api('POST', '/workflows', {
        name,
        definition: { steps: [wait('old_ok', a, '1h'), wait('fresh_only', b), wait('again', a, '1h')] },
      });
      expect(defined.status, JSON.stringify(defined.body)).toBe(201);
      const post = async (type: string) => {
        const sent = await e2e.api<{ event_id: string }>('POST', '/events', {
          type,
          source: 'e2e',
          data: { order_id: order },
        });
        expect(sent.status).toBe(202);
        return sent.body.event_id;
      };
      const staleA = await post(a);
      const staleB = await post(b);
      await new Promise((r) => setTimeout(r, 5)); // the run must start in a later millisecond than the events

      const id = await start(name, { order_id: order });
      const stepStatus = async (step: string) => {
        const { body } = await e2e.api<{ steps: Array<{ step: string; status: string }> }>(
          'GET',
          `/executions/${id}/state`,
        );
        return body.steps.find((s) => s.step === step)?.status;
      };
      await eventually('fresh_only to wait', async () =>
        (await stepStatus('fresh_only')) === 'running' ? true : undefined,
      );
      expect((await outputs(id)).old_ok?.id).toBe(staleA);
      const freshB = await post(b);
      await eventually('again to wait', async () => ((await stepStatus('again')) === 'running' ? true : undefined));
      const freshA = await post(a);
      const done = await waitForStatus(e2e, id, ['completed', 'failed'], 60_000);

      expect(done.status).toBe('completed');
      const out = await outputs(id);
      expect(out.fresh_only?.id).toBe(freshB);
      expect(out.fresh_only?.id).not.toBe(staleB);
      expect(out.again?.id).toBe(freshA);
    }, 120_000);
  });
}

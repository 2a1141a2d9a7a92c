// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
/**
 * Payload pruning: each step Task receives only the step results its templates read; the schema and validator
 * accept headers, `${execution.*}` templates and `accept_events_since`, and refuse what would break them.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflow, validateWorkflow } from '../../../lib/core/workflow/index.ts';
import type { WorkflowDocument } from '../../../lib/core/workflow/schema.ts';
import { executionInput, runAsl } from '../../support/asl-runner.ts';
import { arbitraryDag, type Dag, dagWorkflow } from './dag-generators.ts';

const call = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  step_type: 'service_call',
  service: 'svc',
  endpoint: `/${name}`,
  ...extra,
});

const doc = (steps: unknown[], error_handlers?: unknown[]): WorkflowDocument =>
  ({ name: 'w', definition: { steps, ...(error_handlers ? { error_handlers } : {}) } }) as WorkflowDocument;

type Task = { Parameters: { Payload: Record<string, unknown> }; Retry?: Array<{ ErrorEquals: string[] }> };
const payloadOf = (w: WorkflowDocument, state: string): Record<string, unknown> =>
  (compileWorkflow(w).asl.States[state] as unknown as Task).Parameters.Payload;

describe('payload pruning', () => {
  const chain = doc([
    call('a'),
    call('b', { depends_on: ['a'], body: { x: '${steps.a.output.x}' } }),
    call('c', { depends_on: ['b'], headers: { 'X-Order': 'o-${steps.b.output.id}' } }),
    call('d', { depends_on: ['c'] }),
    call('e', { depends_on: ['d'], endpoint: '/orders/{order_id}' }),
  ]);

  it('passes only the results a step reads, from body and header templates', () => {
    expect(payloadOf(chain, 'a').steps).toEqual({});
    expect(payloadOf(chain, 'b').steps).toEqual({ 'a.$': '$.steps.a' });
    expect(payloadOf(chain, 'c').steps).toEqual({ 'b.$': '$.steps.b' });
    expect(payloadOf(chain, 'd').steps).toEqual({});
    expect(payloadOf(chain, 'c')).not.toHaveProperty('steps.$');
  });

  it('passes every earlier result to a placeholder endpoint (it is filled from earlier outputs)', () => {
    expect(payloadOf(chain, 'e').steps).toEqual({
      'a.$': '$.steps.a',
      'b.$': '$.steps.b',
      'c.$': '$.steps.c',
      'd.$': '$.steps.d',
    });
  });

  it('gives a fallback step the results of the step it replaces, and a notify body its reads', () => {
    const w = doc(
      [call('a'), call('b', { depends_on: ['a'] })],
      [
        { step: 'b', on_error: { action: 'fallback', step: call('b2', { body: { v: '${steps.a.output.v}' } }) } },
        { step: 'a', on_error: { action: 'notify', target: 'n', endpoint: '/n', body: { r: '${context.x}' } } },
      ],
    );
    const states = compileWorkflow(w).asl.States as unknown as Record<string, Task>;
    const fallback = Object.values(states).find((s) => (s.Parameters?.Payload as { step?: string })?.step === 'b2');

    expect(fallback?.Parameters.Payload.steps).toEqual({ 'a.$': '$.steps.a' });
    expect(payloadOf(w, 'a').steps).toEqual({});
  });

  it('runs: a later step receives the small output it reads, not the large one before it', async () => {
    const big = 'x'.repeat(200_000);
    const w = doc([
      call('small'),
      call('large', { depends_on: ['small'] }),
      call('last', { depends_on: ['large'], body: { v: '${steps.small.output.v}' } }),
    ]);
    const { asl } = compileWorkflow(w);

    const run = await runAsl(asl, {
      input: executionInput(),
      byState: {
        small: () => ({ status: 'completed', output: { v: 1 } }),
        large: () => ({ status: 'completed', output: { blob: big } }),
      },
    });

    expect(run.error).toBeUndefined();
    const last = run.calls.find((c) => c.state === 'last')!;
    expect(last.payload.steps).toEqual({ small: { status: 'completed', output: { v: 1 } } });
    expect(JSON.stringify(last.payload).length).toBeLessThan(2_000);
  });

  it('keeps the pause retrier first and the Lambda retrier on every step Task, with or without a policy', () => {
    const w = doc([
      call('a'),
      call('b', { retry_policy: { max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 } }),
    ]);
    const states = compileWorkflow(w).asl.States as unknown as Record<string, Task>;

    for (const name of ['a', 'b']) {
      expect(states[name]!.Retry![0]!.ErrorEquals).toEqual(['Steward.Paused']);
      expect(states[name]!.Retry![1]!.ErrorEquals).toContain('Lambda.TooManyRequestsException');
    }
    expect(states.b!.Retry![2]!.ErrorEquals).not.toContain('Lambda.TooManyRequestsException');
    expect(states['a.paused']!.Retry![0]!.ErrorEquals).toContain('Lambda.ServiceException');
  });
});

describe('headers, execution templates and accept_events_since', () => {
  it('accepts templated headers and ${execution.*} reads, and passes headers in the request', () => {
    const w = doc([
      call('a', {
        headers: {
          'X-Run': '${execution.id}',
          'X-Started': '${execution.started_at}',
          'X-Corr': '${execution.correlation_id}',
        },
      }),
    ]);

    expect(validateWorkflow(w).ok).toBe(true);
    expect((payloadOf(w, 'a').request as { headers: unknown }).headers).toEqual({
      'X-Run': '${execution.id}',
      'X-Started': '${execution.started_at}',
      'X-Corr': '${execution.correlation_id}',
    });
  });

  it.each([
    [{ Authorization: 'Bearer x' }, 'headers.Authorization', /registered auth/],
    [{ 'Idempotency-Key': 'k' }, 'headers.Idempotency-Key', /set by Steward/],
    [{ traceparent: 'x' }, 'headers.traceparent', /set by Steward/],
    [{ 'bad name': 'x' }, 'headers.bad name', /token/],
    [{ 'X-A': 'a\r\nb' }, 'headers.X-A', /line breaks/],
    [{ 'X-A': '${execution.workflow}' }, 'headers.X-A', /execution\.<field>/],
    [{ 'X-A': '${steps.nope.output}' }, 'headers.X-A', /no step/],
  ])('refuses header %j at %s', (headers, field, message) => {
    const checked = validateWorkflow(doc([call('a', { headers })]));

    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.problems).toContainEqual({
        path: `definition.steps[0].${field}`,
        message: expect.stringMatching(message),
      });
    }
  });

  it.each([
    ['15m', 900],
    ['30s', 30],
    ['2h', 7200],
    ['1d', 86_400],
  ])('compiles accept_events_since %s to %i seconds in the waiter payload', (since, seconds) => {
    const w = doc([
      { name: 'w', step_type: 'event_wait', event_type: 'a.b', accept_events_since: since, timeout: 60_000 },
    ]);

    expect(payloadOf(w, 'w').accept_events_since_seconds).toBe(seconds);
  });

  it.each(['15', '0s', '-1m', '31d', 'PT15M', '1.5h'])('refuses accept_events_since %s', (since) => {
    const checked = validateWorkflow(
      doc([{ name: 'w', step_type: 'event_wait', event_type: 'a.b', accept_events_since: since }]),
    );

    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems[0]?.path).toBe('definition.steps[0].accept_events_since');
  });

  it('leaves accept_events_since out of the payload when the step does not opt in', () => {
    const w = doc([{ name: 'w', step_type: 'event_wait', event_type: 'a.b', timeout: 60_000 }]);

    expect(payloadOf(w, 'w')).not.toHaveProperty('accept_events_since_seconds');
  });
});

/** Transitive ancestors of every step of a DAG. */
function ancestorsOf(deps: Dag): Set<number>[] {
  const out: Set<number>[] = [];
  deps.forEach((d, j) => {
    out[j] = new Set(d.flatMap((i) => [i, ...out[i]!]));
  });
  return out;
}

/** A random DAG whose steps each read a random subset of their ancestors' outputs. */
const readingDag = arbitraryDag(20).chain((deps) =>
  fc.tuple(
    fc.constant(deps),
    fc.tuple(...deps.map((_, j) => fc.subarray([...ancestorsOf(deps)[j]!].sort((a, b) => a - b)))),
  ),
);

function readingWorkflow(deps: Dag, reads: number[][]): WorkflowDocument {
  const w = dagWorkflow(deps) as { definition: { steps: Array<Record<string, unknown>> } };
  w.definition.steps.forEach((step, j) => {
    step.body = Object.fromEntries(reads[j]!.map((i) => [`v${i}`, `\${steps.s${i}.output.s}`]));
  });
  return w as unknown as WorkflowDocument;
}

describe('payload pruning over random DAGs', () => {
  it('gives every step exactly the results it reads', () => {
    fc.assert(
      fc.property(readingDag, ([deps, reads]) => {
        const { asl } = compileWorkflow(readingWorkflow(deps, reads));
        const payloads = new Map<string, Record<string, unknown>>();
        const collect = (states: Record<string, unknown>): void => {
          for (const [name, st] of Object.entries(states) as Array<
            [
              string,
              {
                Type: string;
                Parameters?: { Payload?: Record<string, unknown> };
                Branches?: Array<{ States: Record<string, unknown> }>;
              },
            ]
          >) {
            if (st.Type === 'Task' && st.Parameters?.Payload?.kind === 'service_call')
              payloads.set(name, st.Parameters.Payload);
            for (const b of st.Branches ?? []) collect(b.States);
          }
        };
        collect(asl.States as Record<string, unknown>);
        deps.forEach((_, j) => {
          const expected = Object.fromEntries(reads[j]!.map((i) => [`s${i}.$`, `$.steps.s${i}`]));
          expect(payloads.get(`s${j}`)?.steps).toEqual(expected);
        });
      }),
      { numRuns: 80 },
    );
  });

  it('runs: no pruned payload names a missing result, and each read value arrives', async () => {
    await fc.assert(
      fc.asyncProperty(readingDag, async ([deps, reads]) => {
        const { asl } = compileWorkflow(readingWorkflow(deps, reads));
        const run = await runAsl(asl, {
          input: executionInput(),
          byKind: { service_call: (p) => ({ status: 'completed', output: { s: p.step } }) },
        });
        expect(run.error).toBeUndefined();
        // Joins carry the branch's whole `steps` (their result becomes it): only the steps' own payloads are pruned.
        const calls = run.calls.filter((c) => c.kind === 'service_call');
        expect(calls).toHaveLength(deps.length);
        for (const call of calls) {
          const j = Number(String(call.payload.step).slice(1));
          const steps = call.payload.steps as Record<string, unknown>;
          expect(Object.keys(steps).sort()).toEqual(reads[j]!.map((i) => `s${i}`).sort());
          for (const i of reads[j]!) expect(steps[`s${i}`]).toEqual({ status: 'completed', output: { s: `s${i}` } });
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});

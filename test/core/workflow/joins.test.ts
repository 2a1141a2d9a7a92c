// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Steward templates are literal `${…}` strings
/**
 * Exact DAGs with joins: the chain plan (unit and property), the compiled shape and report, and executions in
 * aws-local-stepfunctions where joins follow the waiter/step-runner protocol in memory (test/support/asl-runner.ts):
 * every step starts after its dependencies end and no later than their last end plus a small overhead; failures in
 * a joined branch; pause while a join waits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planChains, planProblems } from '../../../lib/core/workflow/chains.ts';
import {
  buildStepGraph,
  compileWorkflow,
  LAMBDA_RETRIER,
  type WorkflowDocument,
} from '../../../lib/core/workflow/index.ts';
import { seriesParallelize } from '../../../lib/core/workflow/sp.ts';
import { collectStates, executionInput, runAsl, sleep, stewardError } from '../../support/asl-runner.ts';
import { arbitraryDag, criticalPathOf, dagWorkflow } from './dag-generators.ts';
import { aslProblems, call, loadExample, workflowOf } from './helpers.ts';

/** The N-shape a→c, a→d, b→d: the smallest DAG that is not series-parallel. */
const N_SHAPE = [[], [], [0], [0, 1]];

const doc = (deps: number[][], extra: Record<string, unknown> = {}): WorkflowDocument =>
  ({ ...dagWorkflow(deps), ...extra }) as unknown as WorkflowDocument;

/** The DAG's workflow where step j's body reads the outputs of the steps `reads[j]`. */
function reading(deps: number[][], reads: Record<number, number[]>): WorkflowDocument {
  const w = doc(deps) as unknown as { definition: { steps: Array<Record<string, unknown>> } };
  for (const [j, read] of Object.entries(reads)) {
    w.definition.steps[Number(j)]!.body = Object.fromEntries(read.map((i) => [`v${i}`, `\${steps.s${i}.output}`]));
  }
  return w as unknown as WorkflowDocument;
}

const graphOf = (deps: number[][]) => buildStepGraph(doc(deps).definition.steps);
const isSeriesParallel = (deps: number[][]): boolean => seriesParallelize(graphOf(deps)).exact;

/** Scheduling overhead allowed between a step's last dependency ending and the step starting (loaded 2-core box). */
const OVERHEAD_MS = 120;

async function execute(deps: number[][], durations: number[], extra: Record<string, unknown> = {}) {
  const { asl, report } = compileWorkflow(doc(deps, extra));
  const run = await runAsl(asl, {
    byKind: {
      service_call: async (p) => {
        await sleep(durations[Number(String(p.step).slice(1))]!);
        return { status: 'completed', output: { s: p.step } };
      },
    },
  });
  const byStep = new Map(run.calls.filter((c) => c.kind === 'service_call').map((c) => [c.state, c]));
  return { asl, report, run, byStep };
}

describe('chain plans', () => {
  it('puts the N-shape into two chains with one join', () => {
    const graph = graphOf(N_SHAPE);

    const plan = planChains(graph, [0, 1, 2, 3]);

    expect(plan.chains.length).toBe(2);
    expect(plan.joins).toHaveLength(1);
    expect(planProblems(graph, [0, 1, 2, 3], plan)).toEqual([]);
  });

  it('covers every dependency of every prime part of random DAGs, along dependency paths only', () => {
    fc.assert(
      fc.property(arbitraryDag(30), (deps) => {
        const graph = graphOf(deps);
        const sp = seriesParallelize(graph, { primes: 'keep' });
        const primes: number[][] = [];
        const visit = (t: typeof sp.tree): void => {
          if (t.kind === 'prime') primes.push(t.nodes);
          else if (t.kind !== 'step') t.parts.forEach(visit);
        };
        visit(sp.tree);
        for (const nodes of primes) {
          const plan = planChains(graph, nodes);
          expect(planProblems(graph, nodes, plan)).toEqual([]);
          // A join per step at most, each waiting only for dependencies of that step.
          expect(new Set(plan.joins.map((j) => j.step)).size).toBe(plan.joins.length);
          for (const j of plan.joins) for (const d of j.waitsFor) expect(graph.preds[j.step]).toContain(d);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('compiling with joins', () => {
  it('compiles the N-shape to a Parallel of chains whose joining step waits in a join state', () => {
    const { asl, report } = compileWorkflow(doc(N_SHAPE));

    expect(aslProblems(asl)).toEqual([]);
    const parallel = asl.States[asl.StartAt]!;
    expect(parallel.Type).toBe('Parallel');
    expect(report.dag).toMatchObject({
      strategy: 'exact',
      joins: [{ list: 'definition.steps', step: 's3', waits_for: ['s0'] }],
      extra_transitions: 1,
      exact: { happy_path: 6, unit_makespan_ratio: 1, expected_makespan_ratio: 1 },
      phased: { happy_path: 6 },
    });
    expect(report.dag!.phased.expected_makespan_ratio).toBeGreaterThan(1);
    expect(report.parallelism.lists[0]).toMatchObject({ strategy: 'joins', exact: true, series_parallel: false });
  });

  it('keeps the phased schedule when the workflow opts out, and still reports both costs', () => {
    const { asl, report } = compileWorkflow(doc(N_SHAPE, { dag: 'phased' }));

    expect(JSON.stringify(asl)).not.toContain('"kind":"join"');
    expect(report.dag).toMatchObject({ strategy: 'phased', joins: [], extra_transitions: 0 });
    expect(report.dag!.exact!.happy_path).toBe(6);
    expect(report.parallelism.lists[0]).toMatchObject({ strategy: 'phased', exact: false });
  });

  it('an Express workflow keeps the phased schedule (joins are callbacks)', () => {
    const { report } = compileWorkflow(doc(N_SHAPE, { execution_type: 'express' }));

    expect(report.dag).toMatchObject({ strategy: 'phased', joins: [] });
  });

  it('adds at most one transition per joining step when every dependency is a service call', () => {
    fc.assert(
      fc.property(
        arbitraryDag(30).filter((d) => !isSeriesParallel(d)),
        (deps) => {
          const exact = compileWorkflow(doc(deps)).report;
          expect(exact.dag!.completion_states).toEqual([]);
          expect(exact.dag!.extra_transitions).toBe(exact.dag!.joins.length);
          const joinStates = exact.dag!.joins.length;
          const parallels = exact.transitions.happy_path - deps.length - joinStates;
          expect(parallels).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('follows a step that ends outside the step runner (an event wait) with a complete state', () => {
    const steps = [
      { name: 'a', step_type: 'event_wait', event_type: 'x.done', timeout: 60_000 },
      call('b'),
      call('c', { depends_on: ['a'] }),
      call('d', { depends_on: ['a', 'b'], body: { sku: '${steps.a.output.sku}' } } as never),
    ];
    const { asl, report } = compileWorkflow(workflowOf(steps) as unknown as WorkflowDocument);

    expect(aslProblems(asl)).toEqual([]);
    expect(report.dag).toMatchObject({ completion_states: ['a'], extra_transitions: 2 });
    expect(JSON.stringify(asl)).toContain('"a.complete"');
  });

  it("gives the join and complete tasks Lambda's transient-error retrier once, and keeps the pause retrier first", () => {
    const steps = [
      { name: 'a', step_type: 'event_wait', event_type: 'x.done', timeout: 60_000 },
      call('b'),
      call('c', { depends_on: ['a'] }),
      call('d', { depends_on: ['a', 'b'] }),
    ];
    const { asl } = compileWorkflow(workflowOf(steps) as unknown as WorkflowDocument);
    const states = collectStates(asl as never);

    for (const name of ['a.complete', 'd.join']) expect(states.get(name)?.Retry).toEqual([LAMBDA_RETRIER]);
    for (const name of ['a', 'b', 'c', 'd']) {
      const retry = states.get(name)!.Retry as Array<{ ErrorEquals: string[] }>;
      expect(retry[0]!.ErrorEquals).toEqual(['Steward.Paused']);
      expect(retry.filter((r) => r.ErrorEquals.includes('Lambda.ServiceException'))).toEqual([LAMBDA_RETRIER]);
    }
  });

  it('leaves series-parallel workflows exactly as before (no dag section)', () => {
    const { report } = compileWorkflow(doc([[], [0], [0], [1, 2]]));

    expect(report.dag).toBeUndefined();
  });
});

describe('executing exact DAGs', () => {
  it('runs the N-shape (a=100, b=300, c=300, d=100 ms) at its critical path', async () => {
    const { run, byStep } = await execute(N_SHAPE, [100, 300, 300, 100]);

    expect(run.error).toBeUndefined();
    const first = Math.min(...[...byStep.values()].map((c) => c.start));
    const makespan = Math.max(...[...byStep.values()].map((c) => c.end)) - first;
    expect(makespan).toBeGreaterThanOrEqual(400);
    expect(makespan).toBeLessThan(400 + OVERHEAD_MS);
    // c depends on a only: it starts when a ends, not when b does.
    expect(byStep.get('s2')!.start - byStep.get('s0')!.end).toBeLessThan(OVERHEAD_MS);
  });

  it('starts every step after its dependencies end, and no later than their last end plus a fixed overhead', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryDag(20).filter((d) => !isSeriesParallel(d)),
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 20, maxLength: 20 }),
        async (deps, durations) => {
          const { run, byStep, report } = await execute(deps, durations);
          expect(run.error).toBeUndefined();
          expect(report.dag?.strategy).toBe('exact');
          expect(byStep.size).toBe(deps.length);
          const origin = Math.min(...[...byStep.values()].map((c) => c.start));
          deps.forEach((d, j) => {
            const me = byStep.get(`s${j}`)!;
            const ready = Math.max(origin, ...d.map((i) => byStep.get(`s${i}`)!.end));
            for (const i of d) expect(me.start).toBeGreaterThanOrEqual(byStep.get(`s${i}`)!.end);
            expect(me.start - ready).toBeLessThan(OVERHEAD_MS);
          });
          const cp = criticalPathOf(deps, (i) => durations[i]!);
          const makespan = Math.max(...[...byStep.values()].map((c) => c.end)) - origin;
          expect(makespan).toBeGreaterThanOrEqual(cp - 1);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('fails the run when a step fails in another branch while a join waits for it', async () => {
    const { asl } = compileWorkflow(doc(N_SHAPE));

    const run = await runAsl(asl, {
      byState: {
        s0: async () => {
          await sleep(20);
          throw stewardError('Steward.Http5xx', 'boom');
        },
      },
    });

    expect(run.error?.name).toBe('Steward.Http5xx');
    const called = run.calls.map((c) => c.state);
    expect(called).toContain('s3.join');
    expect(called).not.toContain('s3');
  });

  it('fails the run when the joining step itself fails after its join was released', async () => {
    const { asl } = compileWorkflow(doc(N_SHAPE));

    const run = await runAsl(asl, {
      byState: {
        s3: () => {
          throw stewardError('Steward.Http4xx', 'bad');
        },
      },
    });

    expect(run.error?.name).toBe('Steward.Http4xx');
    expect(run.calls.map((c) => c.state)).toEqual(expect.arrayContaining(['s0', 's1', 's3.join', 's3']));
  });

  it('compensates steps completed in any branch when a joined step fails', async () => {
    const steps = [
      call('a', { compensation: { service: 'inventory', endpoint: '/undo/a' } } as never),
      call('b'),
      call('c', { depends_on: ['a'] }),
      call('d', { depends_on: ['a', 'b'], body: { sku: '${steps.a.output.sku}' } } as never),
    ];
    const wf = workflowOf(steps, {
      definition: { error_handlers: [{ step: 'd', on_error: { action: 'compensate' } }] },
    }) as unknown as WorkflowDocument;
    const { asl } = compileWorkflow(wf);
    expect(aslProblems(asl)).toEqual([]);

    const run = await runAsl(asl, {
      byState: {
        d: () => {
          throw stewardError('Steward.Http5xx', 'down');
        },
      },
      byKind: {
        load_compensations: () => ({
          items: [{ step: 'a', request: { service: 'inventory', endpoint: '/undo/a' }, output: null }],
        }),
      },
    });

    expect(run.error?.name).toBe('Steward.Http5xx');
    expect(run.calls.filter((c) => c.kind === 'compensate').map((c) => c.payload.step)).toEqual(['a']);
  });

  it('parks a joining step paused while its join waited, and runs it on resume', async () => {
    // s3 reads the output of s0, its dependency in the other branch: the join hands it over.
    const { asl } = compileWorkflow(reading(N_SHAPE, { 3: [0] }));
    let paused = true;

    const run = await runAsl(asl, {
      byState: {
        s0: async () => {
          await sleep(30);
          return { status: 'completed', output: 'a' };
        },
        // The run was paused while s3 waited in its join: the step runner's pause check refuses the first start.
        s3: (p) => {
          if (paused) throw stewardError('Steward.Paused', 'paused');
          return { status: 'completed', output: { joined: p.steps } };
        },
      },
      byKind: {
        park: async () => {
          await sleep(10);
          paused = false;
          return {};
        },
      },
    });

    expect(run.error).toBeUndefined();
    const order = run.calls.filter((c) => c.state.startsWith('s3')).map((c) => c.state);
    expect(order).toEqual(['s3.join', 's3', 's3.paused', 's3']);
    const out = run.output as { steps: Record<string, { output: unknown }> };
    expect(out.steps.s3!.output).toMatchObject({ joined: { s0: { status: 'completed', output: 'a' } } });
    expect(Object.keys(out.steps).sort()).toEqual(['s0', 's1', 's2', 's3']);
  });

  it('hands the joined dependency output to the step (exact-dag.json: charge_payment reads reserve_stock)', async () => {
    const { asl, report } = compileWorkflow(loadExample('exact-dag.json'));
    expect(report.dag?.joins).toEqual([
      { list: 'definition.steps', step: 'charge_payment', waits_for: ['reserve_stock'] },
    ]);

    const run = await runAsl(asl, {
      byKind: {
        service_call: async (p) => {
          await sleep(p.step === 'check_fraud' ? 5 : 40);
          return { status: 'completed', output: { reservation_id: `res-${String(p.step)}` } };
        },
      },
    });

    expect(run.error).toBeUndefined();
    expect(run.transitions).toBe(report.transitions.happy_path);
    const charge = run.calls.find((c) => c.state === 'charge_payment')!;
    expect((charge.payload.steps as Record<string, unknown>).reserve_stock).toEqual({
      status: 'completed',
      output: { reservation_id: 'res-reserve_stock' },
    });
  });

  it.each(['service_call', 'event_wait'])(
    'hands over results its chain reads from other branches beyond its dependencies (%s)',
    async (kind) => {
      // Chains [s0, s6, s7], [s1], [s3, s4], [s5]: s6 joins on s1 and s5; s7 runs after s6 and reads s3, an ancestor
      // (through s5) that neither s6's dependencies nor its branch's steps hold.
      const deps = [[], [], [], [], [3], [3], [0, 1, 5], [6]];
      const wf = reading(deps, { 6: [1], 7: [3] }) as unknown as {
        definition: { steps: Array<Record<string, unknown>> };
      };
      if (kind === 'event_wait') {
        wf.definition.steps[3] = { name: 's3', step_type: 'event_wait', event_type: 'x.ready', timeout: 60_000 };
      }
      const { asl, report } = compileWorkflow(wf as unknown as WorkflowDocument);
      expect(aslProblems(asl)).toEqual([]);
      expect(report.dag?.joins).toContainEqual({
        list: 'definition.steps',
        step: 's6',
        waits_for: ['s1', 's5'],
        delivers: ['s3'],
      });
      expect(report.dag?.completion_states).toEqual(kind === 'event_wait' ? ['s3'] : []);

      const run = await runAsl(asl, {
        byKind: {
          service_call: (p) => ({ status: 'completed', output: { s: p.step } }),
          event_wait: async () => {
            await sleep(20);
            return { status: 'completed', output: { s: 's3' } };
          },
        },
      });

      expect(run.error).toBeUndefined();

      const steps = (state: string) => run.calls.find((c) => c.state === state)!.payload.steps;
      expect(steps('s6')).toEqual({ s1: { status: 'completed', output: { s: 's1' } } });
      expect(steps('s7')).toEqual({ s3: { status: 'completed', output: { s: 's3' } } });
    },
  );

  it('runs an N-shape inside a map (joins per item) whose source is an event wait released by a complete state', async () => {
    const inner = [
      {
        name: 'a',
        step_type: 'event_wait',
        event_type: 'x.ready',
        event_filter: { sku: '${item.sku}' },
        timeout: 60_000,
      },
      call('b'),
      call('c', { depends_on: ['a'] }),
      call('d', { depends_on: ['a', 'b'], body: { sku: '${steps.a.output.sku}' } } as never),
    ];
    const wf = workflowOf([
      { name: 'lines', step_type: 'map', items: '${context.lines}', max_concurrency: 2, steps: inner },
    ]) as unknown as WorkflowDocument;
    const { asl, report } = compileWorkflow(wf);
    expect(aslProblems(asl)).toEqual([]);
    expect(report.dag).toMatchObject({ completion_states: ['a'], joins: [{ step: 'd', waits_for: ['a'] }] });

    const run = await runAsl(asl, {
      input: { ...executionInput({ lines: [{ sku: 'x' }, { sku: 'y' }] }) },
      byKind: {
        event_wait: async (p) => {
          await sleep(30);
          return { status: 'completed', output: { sku: (p.filter as { sku: string }).sku } };
        },
        service_call: (p) => ({ status: 'completed', output: { step: p.step, item: p.item } }),
      },
    });

    expect(run.error).toBeUndefined();
    const ds = run.calls.filter((c) => c.state === 'd');
    expect(ds).toHaveLength(2);
    // Each item's d reads its own item's a (joins are keyed by item).
    for (const d of ds) {
      const item = d.payload.item as { sku: string };
      expect((d.payload.steps as Record<string, { output: { sku: string } }>).a!.output.sku).toBe(item.sku);
    }
  });
});

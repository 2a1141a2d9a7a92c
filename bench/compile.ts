/**
 * Compiler benchmark: compile time for 10/100/1,000-step workflows, transitions and cost of every example, and the
 * makespan of non-series-parallel random DAGs executed in aws-local-stepfunctions (÷ critical path), with joins
 * (exact, the default) and phased, at step durations of 100–400 ms and 10–40 ms, and the N-shape.
 * Run: npx tsx bench/compile.ts [--dags 200]   Writes bench/results/compile.json.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { compileWorkflow, validateWorkflow, type WorkflowDocument } from '../lib/core/workflow/index.ts';
import { arbitraryDag, criticalPathOf, dagWorkflow } from '../test/core/workflow/dag-generators.ts';
import { runAsl, sleep } from '../test/support/asl-runner.ts';

const { values } = parseArgs({ options: { dags: { type: 'string', default: '200' } } });
const root = join(import.meta.dirname, '..');

function syntheticWorkflow(n: number, shape: 'chain' | 'layers'): WorkflowDocument {
  return {
    name: `Bench ${shape} ${n}`,
    definition: {
      steps: Array.from({ length: n }, (_, i) => ({
        name: `step_${i}`,
        step_type: 'service_call' as const,
        service: 'inventory',
        endpoint: `/items/${i}`,
        sequence: shape === 'chain' ? i : Math.floor(i / 5),
        retry_policy: { max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 },
      })),
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const compileTimes = [];
for (const n of [10, 100, 1000]) {
  for (const shape of ['chain', 'layers'] as const) {
    const wf = syntheticWorkflow(n, shape);
    const times: number[] = [];
    let states = 0;
    for (let r = 0; r < (n === 1000 ? 5 : 20); r++) {
      const t = performance.now();
      states = compileWorkflow(wf).report.states;
      times.push(performance.now() - t);
    }
    compileTimes.push({ steps: n, shape, median_ms: Math.round(median(times) * 10) / 10, states });
  }
}

const examples = readdirSync(join(root, 'statemachines'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const checked = validateWorkflow(JSON.parse(readFileSync(join(root, 'statemachines', file), 'utf8')));
    if (!checked.ok) throw new Error(`${file} is invalid`);
    const { report } = compileWorkflow(checked.workflow);
    return {
      file,
      states: report.states,
      happy_path: report.transitions.happy_path,
      worst_case: report.transitions.worst_case,
      standard_usd_per_million: report.cost_per_million_runs.standard_usd,
      express_usd_per_million: report.cost_per_million_runs.express_usd,
      express_possible: report.express_possible,
    };
  });

interface MakespanOptions {
  count: number;
  seriesParallel: boolean;
  durations: [number, number];
  dag?: 'exact' | 'phased';
  /** DAGs run at once (the engine mostly waits on timers; a few at a time keeps the benchmark short). */
  concurrency?: number;
}

/** Makespan ÷ critical path of random DAGs executed in aws-local-stepfunctions with stubs of known durations. */
async function makespanRatios(
  o: MakespanOptions,
): Promise<{ ratios: number[]; nominal: number[]; predicted: number[]; extra: number[] }> {
  const samples = fc.sample(
    arbitraryDag(30).filter((d) => d.length >= 10),
    { numRuns: o.count * 20, seed: 42 },
  );
  const [lo, hi] = o.durations;
  const random = fc.sample(fc.integer({ min: lo, max: hi }), { numRuns: 30 * o.count * 20, seed: 7 });
  const jobs: Array<{ deps: number[][]; durations: number[] }> = [];
  let k = 0;
  for (const deps of samples) {
    if (jobs.length >= o.count) break;
    const { report } = compileWorkflow(dagWorkflow(deps) as unknown as WorkflowDocument);
    if ((report.dag === undefined) !== o.seriesParallel) continue;
    jobs.push({ deps, durations: deps.map(() => random[k++ % random.length]!) });
  }
  const out = { ratios: [] as number[], nominal: [] as number[], predicted: [] as number[], extra: [] as number[] };
  const runOne = async ({ deps, durations }: (typeof jobs)[number]): Promise<void> => {
    const doc = { ...dagWorkflow(deps), ...(o.dag ? { dag: o.dag } : {}) } as unknown as WorkflowDocument;
    const { asl, report } = compileWorkflow(doc);
    const run = await runAsl(asl, {
      byKind: {
        service_call: async (p) => {
          await sleep(durations[Number(String(p.step).slice(1))]!);
          return { status: 'completed', output: null };
        },
      },
    });
    if (run.error) throw new Error(`run failed: ${run.error.name}`);
    const steps = run.calls.filter((c) => c.kind === 'service_call');
    const start = Math.min(...steps.map((c) => c.start));
    const makespan = Math.max(...steps.map((c) => c.end)) - start;
    // Timers fire late on a loaded machine: the critical path of the durations the stubs actually took measures the
    // idle time the schedule adds; the nominal one also counts timer lateness.
    const took = new Map(steps.map((c) => [c.state, c.end - c.start]));
    out.ratios.push(makespan / criticalPathOf(deps, (i) => took.get(`s${i}`)!));
    out.nominal.push(makespan / criticalPathOf(deps, (i) => durations[i]!));
    out.predicted.push(report.parallelism.lists[0]?.expected_makespan_ratio ?? 1);
    out.extra.push(report.dag?.extra_transitions ?? 0);
  };
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: o.concurrency ?? 1 }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await runOne(job);
    }),
  );
  return out;
}

const dagCount = Number(values.dags);
const stats = (xs: number[]) => ({
  count: xs.length,
  mean: Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000,
  max: Math.round(Math.max(...xs) * 1000) / 1000,
});

// The N-shape of the issue: a=100, b=300, c=300, d=100 ms (critical path 400 ms), exact and phased.
async function nShape(dag: 'exact' | 'phased'): Promise<number> {
  const durations = [100, 300, 300, 100];
  const doc = { ...dagWorkflow([[], [], [0], [0, 1]]), dag } as unknown as WorkflowDocument;
  const ratios: number[] = [];
  for (let r = 0; r < 5; r++) {
    const run = await runAsl(compileWorkflow(doc).asl, {
      byKind: {
        service_call: async (p) => {
          await sleep(durations[Number(String(p.step).slice(1))]!);
          return { status: 'completed', output: null };
        },
      },
    });
    const steps = run.calls.filter((c) => c.kind === 'service_call');
    const took = new Map(steps.map((c) => [c.state, c.end - c.start]));
    const cp = criticalPathOf([[], [], [0], [0, 1]], (i) => took.get(`s${i}`)!);
    ratios.push((Math.max(...steps.map((c) => c.end)) - Math.min(...steps.map((c) => c.start))) / cp);
  }
  return Math.round(median(ratios) * 1000) / 1000;
}

const nShapeExact = await nShape('exact');
const nShapePhased = await nShape('phased');
const slow = await makespanRatios({ count: dagCount, seriesParallel: false, durations: [100, 400], concurrency: 4 });
const slowPhased = await makespanRatios({
  count: Math.min(50, dagCount),
  seriesParallel: false,
  durations: [100, 400],
  dag: 'phased',
  concurrency: 4,
});
const fast = await makespanRatios({ count: dagCount, seriesParallel: false, durations: [10, 40] });
const fastPhased = await makespanRatios({ count: dagCount, seriesParallel: false, durations: [10, 40], dag: 'phased' });
const sp = await makespanRatios({ count: Math.min(50, dagCount), seriesParallel: true, durations: [10, 40] });

const results = {
  measured_at: new Date().toISOString(),
  node: process.version,
  compile_times: compileTimes,
  examples,
  makespan: {
    method:
      'random DAGs of 10–30 steps (edges i→j, up to 3 parents), run in aws-local-stepfunctions with stubbed service calls of the given durations; joins follow the waiter/step-runner protocol in memory (test/support/asl-runner.ts); makespan = last stub end − first stub start; ratio ÷ the critical path of the durations the stubs actually took (timer lateness excluded), `nominal` ÷ the critical path of the drawn durations',
    n_shape: { durations_ms: [100, 300, 300, 100], median_of: 5, exact: nShapeExact, phased: nShapePhased },
    non_series_parallel_100_400ms: {
      exact: { ...stats(slow.ratios), nominal: stats(slow.nominal), extra_transitions_mean: stats(slow.extra).mean },
      phased: {
        ...stats(slowPhased.ratios),
        nominal: stats(slowPhased.nominal),
        compiler_expected_mean: stats(slowPhased.predicted).mean,
      },
    },
    non_series_parallel_10_40ms: {
      exact: { ...stats(fast.ratios), nominal: stats(fast.nominal), extra_transitions_mean: stats(fast.extra).mean },
      phased: {
        ...stats(fastPhased.ratios),
        nominal: stats(fastPhased.nominal),
        compiler_expected_mean: stats(fastPhased.predicted).mean,
      },
    },
    series_parallel_control_10_40ms: stats(sp.ratios),
  },
};

console.table(compileTimes);
console.table(examples);
console.log('makespan ÷ critical path', JSON.stringify(results.makespan, null, 2));
writeFileSync(join(root, 'bench/results/compile.json'), `${JSON.stringify(results, null, 2)}\n`);

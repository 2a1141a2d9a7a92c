/**
 * Compiler benchmark: compile time for 10/100/1,000-step workflows, transitions and cost of every example, and the
 * makespan of non-series-parallel random DAGs executed in aws-local-stepfunctions (÷ critical path).
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

async function makespanRatios(count: number, wantExact: boolean): Promise<{ ratios: number[]; predicted: number[] }> {
  const ratios: number[] = [];
  const predicted: number[] = [];
  const samples = fc.sample(
    arbitraryDag(30).filter((d) => d.length >= 10),
    { numRuns: count * 20, seed: 42 },
  );
  const random = fc.sample(fc.integer({ min: 10, max: 40 }), { numRuns: 30 * count * 20, seed: 7 });
  let k = 0;
  for (const deps of samples) {
    if (ratios.length >= count) break;
    const { asl, report } = compileWorkflow(dagWorkflow(deps) as unknown as WorkflowDocument);
    if (report.parallelism.exact !== wantExact) continue;
    const durations = deps.map(() => random[k++ % random.length]!);
    const run = await runAsl(asl, {
      byKind: {
        service_call: async (p) => {
          await sleep(durations[Number(String(p.step).slice(1))]!);
          return { status: 'completed', output: null };
        },
      },
    });
    const start = Math.min(...run.calls.map((c) => c.start));
    const makespan = Math.max(...run.calls.map((c) => c.end)) - start;
    ratios.push(makespan / criticalPathOf(deps, (i) => durations[i]!));
    predicted.push(report.parallelism.lists[0]?.expected_makespan_ratio ?? 1);
  }
  return { ratios, predicted };
}

const dagCount = Number(values.dags);
const nonSp = await makespanRatios(dagCount, false);
const sp = await makespanRatios(Math.min(50, dagCount), true);
const stats = (xs: number[]) => ({
  count: xs.length,
  mean: Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000,
  max: Math.round(Math.max(...xs) * 1000) / 1000,
});

const results = {
  measured_at: new Date().toISOString(),
  node: process.version,
  compile_times: compileTimes,
  examples,
  makespan: {
    method:
      'random DAGs of 10–30 steps (edges i→j, up to 3 parents), step durations uniform 10–40 ms, run in aws-local-stepfunctions; makespan = last stub end − first stub start',
    non_series_parallel: { ...stats(nonSp.ratios), compiler_expected_mean: stats(nonSp.predicted).mean },
    series_parallel_control: stats(sp.ratios),
  },
};

console.table(compileTimes);
console.table(examples);
console.log('makespan ÷ critical path', results.makespan);
writeFileSync(join(root, 'bench/results/compile.json'), `${JSON.stringify(results, null, 2)}\n`);

/**
 * `steward test` speed: the seed workflow's 20-case file (statemachines/tests/agent-task-execution.cases.json) run
 * through the CLI's runner in this process, after one warm-up run (module loading and dynalite start excluded from the
 * timed runs, reported separately). Target: ≤ 2 s for the 20 cases.
 * Run: npx tsx bench/steward-test.ts   Writes bench/results/steward-test.json.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { runCasesFile } from '../lib/cli/test.ts';
import { median } from './support/local-steward.ts';

const root = join(import.meta.dirname, '..');
const workflow = join(root, 'statemachines/agent-task-execution.json');
const cases = join(root, 'statemachines/tests/agent-task-execution.cases.json');

async function once(): Promise<{ wallMs: number; cpuMs: number; cases: number; failed: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const outcome = await runCasesFile(workflow, cases);
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  if (!outcome.ok) throw new Error(outcome.problems.join('\n'));
  return {
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((used.user + used.system) / 1000),
    cases: outcome.report.results.length,
    failed: outcome.report.failed,
  };
}

const coldStart = performance.now();
const first = await once();
const cold = Math.round(performance.now() - coldStart);
const runs = [];
for (let r = 0; r < 5; r++) runs.push(await once());

const results = {
  measured_at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
  cases: first.cases,
  failed: first.failed,
  first_run_ms_including_start: cold,
  median_wall_ms: median(runs.map((r) => r.wallMs)),
  median_cpu_ms: median(runs.map((r) => r.cpuMs)),
  runs,
  target_ms: 2000,
};
console.log(results);
await import('node:fs').then((fs) =>
  fs.writeFileSync(join(root, 'bench/results/steward-test.json'), `${JSON.stringify(results, null, 2)}\n`),
);

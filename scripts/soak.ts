/**
 * The flake check: runs the whole test suite several times in a row while two CPU-bound processes keep both cores of
 * a 2-core machine busy, and reports every run's outcome and the slowest tests against their own timeouts.
 *
 * It passes when every run passes and no test took more than half its timeout in any run: a test that needs more
 * than that on a busy machine is one bad day away from failing CI.
 *
 * Usage: `npm run test:soak` (five runs, two busy processes) or `npm run test:soak -- --runs 3 --busy 1 [test filters]`.
 * Writes `.steward/soak/summary.json`; each run's per-test margins are in `.steward/soak/run-<n>.json`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TestMargin } from '../test/support/margin-reporter.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.steward', 'soak');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    busy: { type: 'string', default: '2' },
  },
});
const runs = Number(values.runs);
const busy = Number(values.busy);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(busy) || busy < 0) {
  console.error('usage: npm run test:soak -- [--runs N (>= 1)] [--busy N (>= 0)] [test file filters]');
  process.exit(2);
}

/** A process that spins one core until killed. */
function burner(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) { Math.sqrt(Math.random()); }'], { stdio: 'ignore' });
}

interface RunOutcome {
  readonly run: number;
  readonly exitCode: number;
  readonly seconds: number;
  readonly tests: number;
  readonly failed: readonly string[];
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const burners = Array.from({ length: busy }, burner);
const stopBurners = (): void => {
  for (const b of burners) b.kill('SIGKILL');
};
process.on('exit', stopBurners);
process.on('SIGINT', () => process.exit(130));

const outcomes: RunOutcome[] = [];
const margins = new Map<string, { worst: TestMargin; runs: number }>();
for (let run = 1; run <= runs; run++) {
  const file = join(out, `run-${run}.json`);
  const started = performance.now();
  console.log(`\n=== soak run ${run} of ${runs} (${busy} busy processes beside it) ===`);
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--reporter=dot',
      '--reporter=./test/support/margin-reporter.ts',
      ...positionals,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, STEWARD_MARGINS: file } },
  );
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  let tests: TestMargin[] = [];
  try {
    tests = JSON.parse(readFileSync(file, 'utf8')) as TestMargin[];
  } catch {
    // The run died before its reporter wrote: counted as failed below through its exit code.
  }
  for (const t of tests) {
    const key = `${t.file} > ${t.name}`;
    const seen = margins.get(key);
    if (!seen || t.ratio > seen.worst.ratio) margins.set(key, { worst: t, runs: (seen?.runs ?? 0) + 1 });
    else seen.runs++;
  }
  const failed = tests.filter((t) => t.state === 'failed').map((t) => `${t.file} > ${t.name}`);
  outcomes.push({ run, exitCode: result.status ?? 1, seconds, tests: tests.length, failed });
  console.log(`run ${run}: exit ${result.status}, ${tests.length} tests, ${failed.length} failed, ${seconds} s`);
}
stopBurners();

const slowest = [...margins.values()]
  .map((m) => m.worst)
  .sort((a, b) => b.ratio - a.ratio)
  .slice(0, 15);
const overHalf = [...margins.values()].map((m) => m.worst).filter((t) => t.ratio > 0.5);
const passedRuns = outcomes.filter((o) => o.exitCode === 0).length;
const summary = { runs, busy, passedRuns, outcomes, slowest, overHalfTimeout: overHalf };
writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);

console.log(`\nSoak: ${passedRuns} of ${runs} runs passed with ${busy} busy processes beside the suite.`);
console.log('Slowest tests, worst run (duration / timeout):');
for (const t of slowest) {
  console.log(
    `  ${(t.ratio * 100).toFixed(0).padStart(3)} %  ${(t.durationMs / 1000).toFixed(1).padStart(6)} s / ${t.timeoutMs / 1000} s  ${t.file} > ${t.name}`,
  );
}
if (overHalf.length > 0) console.log(`${overHalf.length} test(s) took more than half their timeout.`);
process.exit(passedRuns === runs && overHalf.length === 0 ? 0 : 1);

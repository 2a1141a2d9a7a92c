/**
 * The cost of IAM enforcement in local mode (TARGETS.md: seed workflow end to end with enforcement ÷ without,
 * target ≤ 1.2). Starts `steward local` with `--iam off`, then with enforcement on (the default), runs the seed
 * workflow end to end several times in each (event delay aside: the agent's event is sent as soon as the waiter is
 * registered), and compares the medians. Every run with enforcement signs and authorizes each AWS call; decisions
 * are cached per (role, action, resource, context).
 * Usage: npx tsx bench/iam.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, median, root, seedRun, startSteward, stopSteward } from './support/local-steward.ts';

const RUNS = 9;

async function measure(iam: 'on' | 'off'): Promise<{ runs: number[]; decisions?: unknown }> {
  const { child } = await startSteward(['--iam', iam]);
  try {
    await seedRun(); // the first run warms every function on the path; it is not counted
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await seedRun());
    const state = await api<{ decisions?: unknown; denials?: unknown[] }>('GET', '/local/iam');
    if ((state.body.denials ?? []).length > 0)
      throw new Error(`calls were refused: ${JSON.stringify(state.body.denials)}`);
    return { runs, decisions: state.body.decisions };
  } finally {
    await stopSteward(child);
  }
}

async function main(): Promise<void> {
  const off = await measure('off');
  const on = await measure('on');
  const ratio = median(on.runs) / median(off.runs);
  const results = {
    measured_at: new Date().toISOString(),
    seed_end_to_end_ms_iam_off: { median: Math.round(median(off.runs)), runs: off.runs.map(Math.round) },
    seed_end_to_end_ms_iam_on: { median: Math.round(median(on.runs)), runs: on.runs.map(Math.round) },
    ratio_on_over_off: Number(ratio.toFixed(3)),
    ratio_target: 1.2,
    decisions_with_iam_on: on.decisions,
  };
  console.log(
    `seed workflow end to end: ${results.seed_end_to_end_ms_iam_on.median} ms with IAM enforced, ${results.seed_end_to_end_ms_iam_off.median} ms without: ratio ${results.ratio_on_over_off} (target ≤ 1.2)`,
  );
  console.log(`IAM decisions: ${JSON.stringify(on.decisions)}`);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'iam.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * What one run costs in DynamoDB requests: local mode (without the samples) runs one 2-step workflow (two calls to a
 * service registered over the API, the workflow of `bench/local.ts --load`), with `STEWARD_DYNAMODB_LOG` set, and the
 * requests made between the start and the end of the run's work (its events routed, its status settled) are counted
 * per function and operation. Each request costs the calling function's SDK, the DynamoDB thread and IAM evaluation,
 * so this count is what bounds local mode's runs per second.
 * A run is counted on its own (a router's routes cache is cold for the first event of each type) and as one of 20
 * started together (`burst`: the requests of all 20, divided by 20), as under load.
 * Usage: npx tsx bench/requests.ts   (writes bench/results/requests.json; add --log to print every request)
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  api,
  benchService,
  root,
  sleep,
  startSteward,
  stopSteward,
  twoStepWorkflow,
  waitFor,
} from './support/local-steward.ts';

interface LoggedRequest {
  at: number;
  caller: string;
  operation: string;
  table: string;
  key?: unknown;
  keyCondition?: string;
  values?: unknown;
}

/** Runs started together in the burst phase. */
const BURST_RUNS = 20;

const dir = mkdtempSync(join(tmpdir(), 'steward-requests-'));
const log = join(dir, 'dynamodb.jsonl');
process.env.STEWARD_DYNAMODB_LOG = log;
const { child } = await startSteward(['--no-samples']);
let service: Awaited<ReturnType<typeof benchService>> | undefined;
/** The requests of the counted lone run, and of the burst's runs together. */
let lines: LoggedRequest[] = [];
let burstLines: LoggedRequest[] = [];
try {
  service = await benchService();
  const workflowId = await twoStepWorkflow(service.name, 'bench/requests.ts');
  // A first run warms every function on the path, so the counted run has no first-call lookups in it. The burst
  // shows a run among others: the routers' routes cache is warm there, as it is under load.
  for (const [phase, runs] of [
    ['warm-up', 1],
    ['counted', 1],
    ['burst', BURST_RUNS],
  ] as const) {
    await sleep(1_000);
    appendFileSync(log, `${JSON.stringify({ mark: `${phase} start` })}\n`);
    const started = await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        api<{ execution_id: string }>('POST', '/executions', {
          workflow_id: workflowId,
          context: { run: `${phase}-${i}` },
        }),
      ),
    );
    const refused = started.find((s) => s.status !== 201);
    if (refused) throw new Error(`start failed: ${JSON.stringify(refused.body)}`);
    // No polling while the runs work (a poll is a request too): they are over, their events routed and their status
    // settled, once the log has been quiet for a second.
    let size = -1;
    await waitFor(
      async () => {
        const now = readFileSync(log, 'utf8').length;
        const quiet = now === size;
        size = now;
        return quiet ? true : undefined;
      },
      60_000,
      1_000,
    );
    appendFileSync(log, `${JSON.stringify({ mark: `${phase} end` })}\n`);
    for (const s of started) {
      const run = await api<{ status: string }>('GET', `/executions/${s.body.execution_id}`);
      if (run.body.status !== 'completed') throw new Error(`a ${phase} run ended ${run.body.status}`);
    }
  }
  const all = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LoggedRequest & { mark?: string });
  const between = (phase: string) =>
    all.slice(
      all.findIndex((l) => l.mark === `${phase} start`) + 1,
      all.findIndex((l) => l.mark === `${phase} end`),
    );
  lines = between('counted');
  burstLines = between('burst');
} finally {
  service?.close();
  await stopSteward(child, false);
  rmSync(dir, { recursive: true, force: true });
}

/** Requests per function, and per function and operation, divided by the runs they served. */
function counts(requests: readonly LoggedRequest[], runs: number) {
  const byCaller = new Map<string, number>();
  const byOperation = new Map<string, number>();
  for (const l of requests) {
    const fn = l.caller.replace(/^StewardDev-/, '').replace(/Role[0-9A-F]{8}$/, '');
    byCaller.set(fn, (byCaller.get(fn) ?? 0) + 1);
    const op = `${fn} ${l.operation}`;
    byOperation.set(op, (byOperation.get(op) ?? 0) + 1);
  }
  const sorted = (m: Map<string, number>): Record<string, number> =>
    Object.fromEntries(
      [...m]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => [k, Math.round((n / runs) * 10) / 10]),
    );
  return { by_function: sorted(byCaller), by_function_and_operation: sorted(byOperation) };
}
if (process.argv.includes('--log')) for (const l of lines) console.log(JSON.stringify(l));
const lone = counts(lines, 1);
const burst = counts(burstLines, BURST_RUNS);
const figures = {
  requests_per_run: lines.length,
  ...lone,
  burst: {
    runs: BURST_RUNS,
    requests_per_run: Math.round((burstLines.length / BURST_RUNS) * 10) / 10,
    ...burst,
  },
};
for (const [title, total, ops] of [
  ['one 2-step run on its own', figures.requests_per_run, lone.by_function_and_operation],
  [`a run among ${BURST_RUNS} started together`, figures.burst.requests_per_run, burst.by_function_and_operation],
] as const) {
  console.log(`${title}: ${total} DynamoDB requests`);
  for (const [op, n] of Object.entries(ops)) console.log(`  ${String(n).padStart(4)}  ${op}`);
}
const out = join(root, 'bench', 'results', 'requests.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ measured_at: new Date().toISOString(), ...figures }, null, 2)}\n`);

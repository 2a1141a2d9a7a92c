/**
 * What one run costs in DynamoDB requests: local mode (without the samples) runs one 2-step workflow (two calls to a
 * service registered over the API, the workflow of `bench/local.ts --load`), with `STEWARD_DYNAMODB_LOG` set, and the
 * requests made between the start and the end of the run's work (its events routed, its status settled) are counted
 * per function and operation. Each request costs the calling function's SDK, the DynamoDB thread and IAM evaluation,
 * so this count is what bounds local mode's runs per second.
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

const dir = mkdtempSync(join(tmpdir(), 'steward-requests-'));
const log = join(dir, 'dynamodb.jsonl');
process.env.STEWARD_DYNAMODB_LOG = log;
const { child } = await startSteward(['--no-samples']);
let service: Awaited<ReturnType<typeof benchService>> | undefined;
let lines: LoggedRequest[] = [];
try {
  service = await benchService();
  const workflowId = await twoStepWorkflow(service.name, 'bench/requests.ts');
  // A first run warms every function on the path, so the counted run has no first-call lookups in it.
  for (const phase of ['warm-up', 'counted']) {
    await sleep(1_000);
    appendFileSync(log, `${JSON.stringify({ mark: `${phase} start` })}\n`);
    const started = await api<{ execution_id: string }>('POST', '/executions', {
      workflow_id: workflowId,
      context: { run: phase },
    });
    if (started.status !== 201) throw new Error(`start failed: ${JSON.stringify(started.body)}`);
    // No polling while the run works (a poll is a request too): the run is over, its events routed and its status
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
    const run = await api<{ status: string }>('GET', `/executions/${started.body.execution_id}`);
    if (run.body.status !== 'completed') throw new Error(`the ${phase} run ended ${run.body.status}`);
  }
  const all = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LoggedRequest & { mark?: string });
  const from = all.findIndex((l) => l.mark === 'counted start');
  const to = all.findIndex((l) => l.mark === 'counted end');
  lines = all.slice(from + 1, to);
} finally {
  service?.close();
  await stopSteward(child, false);
  rmSync(dir, { recursive: true, force: true });
}

const byCaller = new Map<string, number>();
const byOperation = new Map<string, number>();
for (const l of lines) {
  const fn = l.caller.replace(/^StewardDev-/, '').replace(/Role[0-9A-F]{8}$/, '');
  byCaller.set(fn, (byCaller.get(fn) ?? 0) + 1);
  const op = `${fn} ${l.operation}`;
  byOperation.set(op, (byOperation.get(op) ?? 0) + 1);
}
if (process.argv.includes('--log')) for (const l of lines) console.log(JSON.stringify(l));
const sorted = (m: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
const figures = {
  requests_per_run: lines.length,
  by_function: sorted(byCaller),
  by_function_and_operation: sorted(byOperation),
};
console.log(`one 2-step run: ${lines.length} DynamoDB requests`);
for (const [op, n] of Object.entries(figures.by_function_and_operation))
  console.log(`  ${String(n).padStart(3)}  ${op}`);
const out = join(root, 'bench', 'results', 'requests.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ measured_at: new Date().toISOString(), ...figures }, null, 2)}\n`);

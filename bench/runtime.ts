/**
 * Runtime benchmark: event routing time per event against the number of waiting executions, step-runner overhead
 * per call, and bundle size + cold import time of every Lambda handler. Prints the figures and writes
 * bench/results/runtime.json. Run: npx tsx bench/runtime.ts (`--handlers` for the handler figures only).
 *
 * Handlers are bundled exactly as deployed (lib/constructs/bundling.ts: minified, code splitting), the baseline too.
 * "Import" is a fresh Node process with source maps on (as deployed) importing the bundle's entry, which loads the
 * chunks it imports statically; the chunks behind `import()` load on first use and are not in the figure. Each
 * handler's import is paired with an import of the baseline just before it, and its ratio is the median over the
 * rounds of handler ÷ that baseline: on a shared machine the load moves within seconds, and a pair sees the same
 * load far more often than two medians.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { request } from 'undici';
import { bundleFiles, bundleHandler, startupFiles } from '../lib/constructs/bundling.ts';
import { ENV } from '../lib/core/env.ts';
import { FUNCTIONS } from '../lib/core/functions.ts';
import { useFreshTables } from '../test/support/tables.ts';

const ROOT = resolve(import.meta.dirname, '..');
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function startDynalite(): Promise<() => void> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'bench';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  process.env.EVENT_BUS_NAME = 'bench-bus';
  return () => server.close();
}

/** Routing time per event (ms) with `waiting` waiters of one event type, each on its own task id. */
async function routing(
  route: typeof import('../lambdas/event-router/route.ts'),
  events: typeof import('../lambdas/shared/repositories/events.ts'),
  waiters: typeof import('../lambdas/shared/repositories/waiters.ts'),
  filters: typeof import('../lib/core/routing/filters.ts'),
  waiting: number,
): Promise<number> {
  const type = `bench.done_${waiting}`;
  const now = Date.now();
  await waiters.addRoute(type, ['task_id'], now);
  const wait = (n: number, token: string) => {
    const filter = { task_id: `t${n}` };
    return waiters.putWaiter({
      event_type: type,
      filter_hash: filters.filterHash(filter),
      filter,
      execution_id: `exec-${n}`,
      workflow_id: 'wf',
      correlation_id: 'c',
      step: 'wait',
      task_token: token,
      registered_at: new Date().toISOString(),
      expires_at: Math.ceil(now / 1000) + 3600,
    });
  };
  for (let i = 0; i < waiting; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, waiting - i) }, (_, j) => wait(i + j, `tok-${i + j}`)));
  }
  const samples: number[] = [];
  for (let k = 0; k < 60; k++) {
    const event = {
      id: randomUUID(),
      type,
      source: 'bench',
      timestamp: new Date().toISOString(),
      data: { task_id: `t${(k * 7919) % waiting}` },
    };
    const { event: stored } = await events.putEvent(event, new Date());
    const t = performance.now();
    const { matched } = await route.routeEvent(stored);
    const dt = performance.now() - t;
    if (matched !== 1) throw new Error(`expected one match, got ${matched}`);
    if (k >= 10) samples.push(dt); // the first ten warm up connections and the JIT
    await wait((k * 7919) % waiting, `tok-again-${k}`); // the same execution waits again (new token)
  }
  return median(samples);
}

async function stepOverhead(): Promise<{ raw_ms: number; runner_ms: number; overhead_ms: number }> {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = new DynamoDBClient({});
  const svc = randomUUID();
  await admin.send(
    new PutItemCommand({
      TableName: process.env[ENV.registryTable],
      Item: marshall({
        pk: `SVC#${svc}`,
        sk: 'META',
        name: 'bench-svc',
        base_url: url,
        gsi1pk: 'SERVICES',
        gsi1sk: 'bench-svc',
      }),
    }),
  );
  const execution = randomUUID();
  await admin.send(
    new PutItemCommand({
      TableName: process.env[ENV.historyTable],
      Item: marshall({ pk: `EXEC#${execution}`, sk: 'META', status: 'running', seq: 1 }),
    }),
  );
  const { runStep } = await import('../lambdas/step-runner/handler.ts');
  const raw: number[] = [];
  const runner: number[] = [];
  for (let i = 0; i < 220; i++) {
    let t = performance.now();
    const res = await request(`${url}/tasks/${i}`, { method: 'POST', body: '{}' });
    await res.body.text();
    if (i >= 20) raw.push(performance.now() - t);
    t = performance.now();
    await runStep({
      kind: 'service_call',
      execution_id: execution,
      workflow_id: 'wf',
      correlation_id: 'c',
      context: { task_id: String(i) },
      steps: {},
      step: `s${i}`,
      request: { service: 'bench-svc', method: 'POST', endpoint: '/tasks/{task_id}', body: {}, timeout_ms: 2000 },
      max_attempts: 1,
    });
    if (i >= 20) runner.push(performance.now() - t);
  }
  server.close();
  const r = median(raw);
  const s = median(runner);
  return { raw_ms: r, runner_ms: s, overhead_ms: s - r };
}

const ROUNDS = 11;
const bytesOf = (files: string[]): number => files.reduce((n, f) => n + statSync(f).size, 0);

/** Bundles `entry` as deployed into `outdir`; bytes loaded at start (entry + static chunks) and in all. */
async function bundle(entry: string, outdir: string): Promise<{ file: string; bytes: number; total_bytes: number }> {
  await bundleHandler(entry, outdir);
  const file = join(outdir, 'index.mjs');
  return { file, bytes: bytesOf(startupFiles(file)), total_bytes: bytesOf(bundleFiles(file)) };
}

function importOnce(file: string): number {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: 'us-east-1' };
  for (const name of Object.values(ENV)) env[name] = env[name] ?? `bench-${name.toLowerCase()}`;
  env[ENV.historyRetentionDays] = '30';
  const node = join(ROOT, 'node_modules/.bin/node');
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});console.log(performance.now()-t)`;
  // With source maps on, as deployed (StewardFunction sets NODE_OPTIONS=--enable-source-maps): Node then reads and
  // parses the map of every file a cold start loads.
  return Number(
    execFileSync(node, ['--enable-source-maps', '--input-type=module', '-e', script], { env, encoding: 'utf8' }).trim(),
  );
}

async function handlers(): Promise<{ rows: Array<Record<string, unknown>>; load: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'steward-bench-'));
  // esbuild resolves packages from the entry's directory: build the baseline from inside the repository.
  const bareEntry = join(ROOT, 'bench', '.bare-dynamodb.ts');
  writeFileSync(
    bareEntry,
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const c = new DynamoDBClient({});\n",
  );
  const built: Array<{ id: string; file?: string; bytes?: number; total_bytes?: number; error?: string }> = [];
  try {
    built.push({ id: '(bare DynamoDB client)', ...(await bundle(bareEntry, join(dir, 'bare'))) });
  } finally {
    rmSync(bareEntry, { force: true });
  }
  for (const fn of FUNCTIONS) {
    const entry = join(ROOT, fn.entry);
    if (!existsSync(entry)) continue;
    try {
      built.push({ id: fn.id, ...(await bundle(entry, join(dir, fn.id))) });
    } catch (error) {
      built.push({ id: fn.id, error: (error as Error).message.split('\n')[0] });
    }
  }
  const times = new Map<string, number[]>(built.map((b) => [b.id, []]));
  const ratios = new Map<string, number[]>(built.map((b) => [b.id, []]));
  const [baseline, ...measured] = built;
  const load = [loadavg()[0]!];
  for (let round = 0; round < ROUNDS; round++) {
    for (const b of measured) {
      if (!b.file) continue;
      const base = importOnce(baseline!.file!);
      const ms = importOnce(b.file);
      times.get(baseline!.id)!.push(base);
      times.get(b.id)!.push(ms);
      ratios.get(b.id)!.push(ms / base);
    }
  }
  load.push(loadavg()[0]!);
  ratios.set(baseline!.id, [1]);
  const rows = built.map(({ file: _file, ...b }) =>
    b.error
      ? b
      : {
          ...b,
          import_ms: median(times.get(b.id)!),
          import_ms_min: Math.min(...times.get(b.id)!),
          import_ratio: median(ratios.get(b.id)!),
        },
  );
  rmSync(dir, { recursive: true, force: true });
  return { rows, load };
}

function printHandlers(rows: Array<Record<string, unknown>>, load: number[]): void {
  for (const r of rows) {
    if (r.error) console.log(`${String(r.id).padEnd(24)} bundle failed: ${r.error}`);
    else
      console.log(
        `${String(r.id).padEnd(24)} ${((r.bytes as number) / 1024).toFixed(0).padStart(5)} KB at start (${((r.total_bytes as number) / 1024).toFixed(0)} KB in all)  import ${(r.import_ms as number).toFixed(1)} ms  ÷ bare ${(r.import_ratio as number).toFixed(2)}`,
      );
  }
  console.log(`load average (1 min) before/after the imports: ${load.map((l) => l.toFixed(1)).join(' / ')}`);
}

async function main(): Promise<void> {
  const resultFile = join(ROOT, 'bench/results/runtime.json');
  if (process.argv.includes('--handlers')) {
    // Handler figures only: the other figures of the last full run are kept.
    const { rows, load } = await handlers();
    printHandlers(rows, load);
    const previous = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : {};
    const result = { ...previous, handlers_measured_at: new Date().toISOString(), node: process.version };
    writeFileSync(
      resultFile,
      `${JSON.stringify({ ...result, handlers: rows, handlers_load_average: load }, null, 2)}\n`,
    );
    process.exit(0);
  }
  // The stand-in service answers on this machine, as in local mode (the outbound policy refuses loopback elsewhere).
  process.env[ENV.outboundLoopback] = 'allow';
  const stop = await startDynalite();
  await useFreshTables(new DynamoDBClient({}));
  mockClient(SFNClient).on(SendTaskSuccessCommand).resolves({});
  mockClient(EventBridgeClient).on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  const route = await import('../lambdas/event-router/route.ts');
  const events = await import('../lambdas/shared/repositories/events.ts');
  const waiters = await import('../lambdas/shared/repositories/waiters.ts');
  const filters = await import('../lib/core/routing/filters.ts');

  const perEvent: Record<string, number> = {};
  for (const n of [10, 1000, 10000]) {
    perEvent[n] = await routing(route, events, waiters, filters, n);
    console.log(`routing: ${n} waiting → ${perEvent[n]!.toFixed(2)} ms per event`);
  }
  const ratio = perEvent[10000]! / perEvent[10]!;
  console.log(`routing ratio 10,000 ÷ 10 = ${ratio.toFixed(3)} (target ≤ 1.2)`);

  const overhead = await stepOverhead();
  console.log(
    `step runner: raw HTTP ${overhead.raw_ms.toFixed(2)} ms, runner ${overhead.runner_ms.toFixed(2)} ms, overhead ${overhead.overhead_ms.toFixed(2)} ms per call`,
  );
  stop();

  const { rows, load } = await handlers();
  printHandlers(rows, load);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const result = {
    measured_at: new Date().toISOString(),
    node: process.version,
    routing_ms_per_event: perEvent,
    routing_ratio_10000_over_10: ratio,
    step_runner: overhead,
    handlers_measured_at: new Date().toISOString(),
    handlers: rows,
    handlers_load_average: load,
    targets: { routing_ratio: 1.2, bundle_kb: 400, import_ratio: 1.3 },
  };
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}

await main();

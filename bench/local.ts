/**
 * Local mode's figures (TARGETS.md "Local mode"):
 * - `npm start` to ready: a spawned `steward local` until it prints "ready", cold (no cached synthesis or bundles)
 *   and warm (inputs unchanged since the last start);
 * - the seed workflow end to end, event delay aside: the agent's event is sent as soon as the waiter is registered;
 * - 50 concurrent runs of a 5-step workflow (created over the API): all complete, none lost; executions per second.
 * Usage: npx tsx bench/local.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_GAPS } from '../test/support/iam-known-gaps.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORTS = { api: 4600, aws: 4601, dynamodb: 4602 };
const API = `http://127.0.0.1:${PORTS.api}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(API + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** Spawns `steward local`; resolves with the process and the ms until it printed that it is ready. */
async function startSteward(): Promise<{ child: ChildProcess; readyMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/steward.ts',
      'local',
      '--port',
      String(PORTS.api),
      '--aws-port',
      String(PORTS.aws),
      '--dynamodb-port',
      String(PORTS.dynamodb),
      ...KNOWN_GAPS.createTime.flatMap((id) => ['--accept-finding', id]),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => {
    errors += d.toString();
  });
  const readyMs = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Steward local is ready')) resolve(performance.now() - started);
    });
    child.once('exit', (code) => reject(new Error(`steward local exited with ${code}:\n${errors.slice(-2000)}`)));
  });
  return { child, readyMs };
}

async function portFree(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`).then(
    () => false,
    () => true,
  );
}

async function stopSteward(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  // The next start needs the sample services' ports back.
  await waitFor(async () => ((await portFree(4510)) && (await portFree(4511)) ? true : undefined), 20_000, 200);
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
  throw new Error('timed out');
}

/** One seed run: start → (waiter registered → event) → completed; returns ms. */
async function seedRun(): Promise<number> {
  const context = { project_id: crypto.randomUUID(), task_id: crypto.randomUUID(), agent_id: crypto.randomUUID() };
  const t0 = performance.now();
  const { body } = await api<{ execution_id: string }>('POST', '/executions', {
    workflow_name: 'Agent Task Execution',
    context,
  });
  const id = body.execution_id;
  await waitFor(async () => {
    const steps = await api<{ steps: Array<{ step: string }> }>('GET', `/executions/${id}/steps`);
    return steps.body.steps.some((s) => s.step === 'execution_monitoring') ? true : undefined;
  }, 30_000);
  await api('POST', '/events', {
    type: 'agent.task_completed',
    source: 'bench',
    data: { task_id: context.task_id, agent_id: context.agent_id, result: { ok: true } },
  });
  await waitFor(async () => {
    const e = await api<{ status: string }>('GET', `/executions/${id}`);
    if (e.body.status === 'failed') throw new Error(`seed run ${id} failed`);
    return e.body.status === 'completed' ? true : undefined;
  }, 30_000);
  return performance.now() - t0;
}

/** 50 concurrent runs of a 5-step workflow created over the API. */
async function concurrentRuns(
  n: number,
): Promise<{ completed: number; distinct: number; seconds: number; perSecond: number }> {
  const steps = [1, 2, 3, 4, 5].map((i) => ({
    name: `step_${i}`,
    step_type: 'service_call',
    service: 'inventory',
    endpoint: `/bench/{run}/step${i}`,
    sequence: i,
  }));
  const created = await api<{ id: string }>('POST', '/workflows', {
    name: `Bench Five Steps ${Date.now()}`,
    description: 'bench/local.ts: five sequential service calls',
    version: '1.0.0',
    definition: { steps },
  });
  if (created.status !== 201) throw new Error(`could not create the bench workflow: ${JSON.stringify(created.body)}`);
  const t0 = performance.now();
  const starts = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      api<{ execution_id: string }>('POST', '/executions', { workflow_id: created.body.id, context: { run: `r${i}` } }),
    ),
  );
  const ids = starts.map((s) => s.body.execution_id);
  const done = new Set<string>();
  await waitFor(
    async () => {
      await Promise.all(
        ids
          .filter((id) => !done.has(id))
          .map(async (id) => {
            const e = await api<{ status: string }>('GET', `/executions/${id}`);
            if (e.body.status === 'completed' || e.body.status === 'failed') done.add(id);
          }),
      );
      return done.size === ids.length ? true : undefined;
    },
    180_000,
    200,
  );
  const seconds = (performance.now() - t0) / 1000;
  const statuses = await Promise.all(ids.map((id) => api<{ status: string }>('GET', `/executions/${id}`)));
  const completed = statuses.filter((s) => s.body.status === 'completed').length;
  return { completed, distinct: new Set(ids).size, seconds, perSecond: completed / seconds };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  // Cold: no cached templates or bundles, as on a fresh clone.
  rmSync(join(root, '.steward', 'cache'), { recursive: true, force: true });
  rmSync(join(root, '.steward', 'build'), { recursive: true, force: true });
  const cold = await startSteward();
  await stopSteward(cold.child);
  const warm = await startSteward();
  try {
    const seed: number[] = [];
    for (let i = 0; i < 5; i++) seed.push(await seedRun());
    const runs = await concurrentRuns(50);
    const results = {
      measured_at: new Date().toISOString(),
      ready_ms_cold: Math.round(cold.readyMs),
      ready_ms_warm: Math.round(warm.readyMs),
      ready_target_ms: 10_000,
      seed_end_to_end_ms: {
        median: Math.round(median(seed)),
        max: Math.round(Math.max(...seed)),
        runs: seed.map(Math.round),
      },
      seed_target_ms: 1_000,
      concurrent_runs: {
        started: 50,
        distinct_executions: runs.distinct,
        completed: runs.completed,
        lost: 50 - runs.completed,
        seconds: Number(runs.seconds.toFixed(2)),
        executions_per_second: Number(runs.perSecond.toFixed(2)),
      },
    };
    console.log(
      `npm start to ready: ${results.ready_ms_cold} ms cold, ${results.ready_ms_warm} ms warm (target ≤ 10000)`,
    );
    console.log(
      `seed workflow end to end: median ${results.seed_end_to_end_ms.median} ms, max ${results.seed_end_to_end_ms.max} ms (target ≤ 1000)`,
    );
    console.log(
      `50 concurrent 5-step runs: ${runs.completed} completed, ${50 - runs.completed} lost, ${results.concurrent_runs.seconds} s, ${results.concurrent_runs.executions_per_second} executions/s`,
    );
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'local.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await stopSteward(warm.child);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

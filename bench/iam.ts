/**
 * The cost of IAM enforcement in local mode (TARGETS.md: seed workflow end to end with enforcement ÷ without,
 * target ≤ 1.2). Starts `steward local` with `--iam off`, then with enforcement on (the default), runs the seed
 * workflow end to end several times in each (event delay aside: the agent's event is sent as soon as the waiter is
 * registered), and compares the medians. Every run with enforcement signs and authorizes each AWS call; decisions
 * are cached per (role, action, resource, context).
 * Usage: npx tsx bench/iam.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_GAPS } from '../test/support/iam-known-gaps.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORTS = { api: 4600, aws: 4601, dynamodb: 4602 };
const API = `http://127.0.0.1:${PORTS.api}`;
const RUNS = 9;
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

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
  throw new Error('timed out');
}

async function startSteward(iam: 'on' | 'off'): Promise<ChildProcess> {
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
      '--iam',
      iam,
      ...KNOWN_GAPS.createTime.flatMap((id) => ['--accept-finding', id]),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (d: Buffer) => {
    errors += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Steward local is ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`steward local exited with ${code}:\n${errors.slice(-2000)}`)));
  });
  return child;
}

async function stopSteward(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  const free = async (port: number): Promise<boolean> =>
    fetch(`http://127.0.0.1:${port}/health`).then(
      () => false,
      () => true,
    );
  await waitFor(
    async () => ((await free(4510)) && (await free(4511)) && (await free(PORTS.api)) ? true : undefined),
    20_000,
    200,
  );
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

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(iam: 'on' | 'off'): Promise<{ runs: number[]; decisions?: unknown }> {
  const child = await startSteward(iam);
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

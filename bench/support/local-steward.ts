/**
 * What the local-mode benchmarks share: a spawned `steward local` on fixed ports (4600–4602) with the samples, its
 * REST API, polling, and the seed workflow run end to end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_GAPS } from '../../test/support/iam-known-gaps.ts';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PORTS = { api: 4600, aws: 4601, dynamodb: 4602 };
const API = `http://127.0.0.1:${PORTS.api}`;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function api<T = Record<string, unknown>>(
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
export async function startSteward(extra: string[] = []): Promise<{ child: ChildProcess; readyMs: number }> {
  const started = performance.now();
  const profile = process.env.STEWARD_BENCH_PROFILE;
  const child = spawn(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []),
      ...(process.env.STEWARD_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
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
      ...extra,
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

export async function portFree(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`).then(
    () => false,
    () => true,
  );
}

/** Stops a spawned `steward local` and waits until its ports are free again. */
export async function stopSteward(child: ChildProcess, samples = true): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  // The next start needs the API's port back, and the sample services' ports when it ran them.
  const ports = samples ? [PORTS.api, 4510, 4511] : [PORTS.api];
  await waitFor(async () => ((await Promise.all(ports.map(portFree))).every(Boolean) ? true : undefined), 20_000, 200);
}

export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
  throw new Error('timed out');
}

/** One seed run: start → (waiter registered → event) → completed; returns ms. */
export async function seedRun(): Promise<number> {
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

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A service that answers every call at once, registered over the API like any other. */
export async function benchService(): Promise<{ name: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const name = `bench-echo-${port}`;
  const registered = await api('POST', '/services', { name, base_url: `http://127.0.0.1:${port}` });
  if (registered.status !== 201)
    throw new Error(`could not register the bench service: ${JSON.stringify(registered.body)}`);
  return { name, close: () => server.close() };
}

/** Creates, over the API, a workflow of two sequential calls to `service`; returns its id. */
export async function twoStepWorkflow(service: string, createdBy: string): Promise<string> {
  const created = await api<{ id: string }>('POST', '/workflows', {
    name: `Bench Two Steps ${Date.now()}`,
    description: `${createdBy}: two sequential service calls`,
    version: '1.0.0',
    definition: {
      steps: [1, 2].map((i) => ({
        name: `step_${i}`,
        step_type: 'service_call',
        service,
        endpoint: `/bench/{run}/step${i}`,
        sequence: i,
      })),
    },
  });
  if (created.status !== 201) throw new Error(`could not create the 2-step workflow: ${JSON.stringify(created.body)}`);
  return created.body.id;
}

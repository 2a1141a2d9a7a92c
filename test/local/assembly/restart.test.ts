/**
 * `steward local --data DIR` keeps what it promised across a SIGKILL: local mode runs in a child process, 20 runs
 * wait on an event, the process is killed, and a new one started on the same folder must answer every run's
 * history, continue the waiting runs (an event still completes them) and start API-created workflows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const RUNS = 20;

interface Local {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `steward local` in a child process on system-picked ports; resolves once it printed its API URL. */
async function startLocal(dataDir: string): Promise<Local> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/steward.ts',
      'local',
      ...['--port', '0', '--aws-port', '0', '--dynamodb-port', '0'],
      ...['--no-samples', '--speed', '10', '--data', dataDir, '--logs', join(dataDir, '..', 'local.log')],
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      const match = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearInterval(timer);
        done(match[1]);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(new Error(`steward local exited with ${code}:\n${out.slice(-3000)}`));
    });
  });
  return { child, url, output: () => out };
}

async function kill(local: Local, signal: NodeJS.Signals): Promise<void> {
  if (local.child.exitCode !== null || local.child.signalCode !== null) return;
  const exited = new Promise((r) => local.child.once('exit', r));
  local.child.kill(signal);
  await exited;
}

async function call<T = Record<string, unknown>>(
  local: Local,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(local.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface HistoryBody {
  entries?: Array<{ kind: string; state?: string; error?: string; cause?: string }>;
}
const historyKinds = (body: HistoryBody): string[] => (body.entries ?? []).map((e) => e.kind);

describe('local mode with --data across a SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-restart-'));
  const dataDir = join(dir, 'data');
  const running: Local[] = [];
  afterAll(async () => {
    for (const local of running) await kill(local, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('continues the runs that waited on an event, answers every history and starts API-created workflows', async () => {
    // Arrange: 20 runs of an API-created workflow wait on an event, plus one finished run.
    const first = await startLocal(dataDir);
    running.push(first);
    const created = await call<{ id: string }>(first, 'POST', '/workflows', {
      name: `Restart Wait ${Date.now()}`,
      description: 'waits for test.go, then succeeds',
      version: '1.0.0',
      definition: {
        steps: [
          {
            name: 'wait_go',
            step_type: 'event_wait',
            event_type: 'test.go',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template, resolved by Steward
            event_filter: { run: '${context.run}' },
            timeout: 3_600_000,
          },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const workflowId = created.body.id;
    const starts = await Promise.all(
      Array.from({ length: RUNS + 1 }, (_, i) =>
        call<{ execution_id: string }>(first, 'POST', '/executions', {
          workflow_id: workflowId,
          context: { run: `r${i}` },
        }),
      ),
    );
    for (const s of starts) expect(s.status, JSON.stringify(s.body)).toBe(201);
    const ids = starts.map((s) => s.body.execution_id);
    const finished = ids.pop() as string;
    // Every waiter has its token (TaskSubmitted), and one run is finished before the kill.
    for (const id of [...ids, finished]) {
      await until(`run ${id} waiting`, async () => {
        const h = await call<HistoryBody>(first, 'GET', `/executions/${id}/history`);
        return historyKinds(h.body).includes('TaskSubmitted') ? true : undefined;
      });
    }
    const sent = await call(first, 'POST', '/events', { type: 'test.go', source: 'test', data: { run: `r${RUNS}` } });
    expect(sent.status).toBeLessThan(300);
    await until('the finished run', async () => {
      const e = await call<{ status: string }>(first, 'GET', `/executions/${finished}`);
      return e.body.status === 'completed' ? true : undefined;
    });

    // Act: SIGKILL, then start again on the same folder.
    await kill(first, 'SIGKILL');
    const second = await startLocal(dataDir);
    running.push(second);

    // Assert: every history answers, the finished run's included.
    for (const id of [...ids, finished]) {
      const h = await call<HistoryBody>(second, 'GET', `/executions/${id}/history`);
      expect(h.status, JSON.stringify(h.body)).toBe(200);
      expect(historyKinds(h.body)).toContain('ExecutionStarted');
    }
    const done = await call<{ status: string }>(second, 'GET', `/executions/${finished}`);
    expect(done.body.status).toBe('completed');
    expect(second.output()).toContain(`${RUNS} run(s) continued where they were, 0 failed`);
    // The API-created workflow still starts.
    const again = await call<{ execution_id: string; status: string }>(second, 'POST', '/executions', {
      workflow_id: workflowId,
      context: { run: 'after' },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.status).toBe('running');
    // Events still complete the waiting runs, and only them.
    for (let i = 0; i < RUNS; i++) {
      const event = await call(second, 'POST', '/events', { type: 'test.go', source: 'test', data: { run: `r${i}` } });
      expect(event.status).toBeLessThan(300);
    }
    for (const id of ids) {
      const record = await until(`run ${id} to end`, async () => {
        const e = await call<{ status: string }>(second, 'GET', `/executions/${id}`);
        return e.body.status === 'running' ? undefined : e.body;
      });
      expect(record.status).toBe('completed');
    }
    const after = await call<{ status: string }>(second, 'GET', `/executions/${again.body.execution_id}`);
    expect(after.body.status).toBe('running');
  }, 400_000);
});

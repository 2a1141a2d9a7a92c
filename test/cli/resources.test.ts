/**
 * The resource commands (`steward runs|workflows|services|events|alerts …`) and the CLI's conventions: requests they
 * send, tables and JSON they print, `--watch`, exit codes (0 done, 1 the API said no, 2 a usage mistake), errors on
 * stderr in one line. The API here is a stand-in that records requests; the commands talk to it as to local mode.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alerts, events, runs, services, workflows } from '../../lib/cli/resources.ts';
import type { Io } from '../../lib/cli/workflow-file.ts';
import { restartServiceResponse, serviceStatusPage } from '../../lib/core/api/schemas/responses/services.ts';

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

const seen: Seen[] = [];
let answer: (req: Seen) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
let server: Server;
let previousUrl: string | undefined;

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text === '' ? undefined : JSON.parse(text);
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const request = { method: req.method ?? '', url: req.url ?? '', body: await bodyOf(req) };
    seen.push(request);
    const { status, body } = answer(request);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  previousUrl = process.env.STEWARD_URL;
  process.env.STEWARD_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (previousUrl === undefined) delete process.env.STEWARD_URL;
  else process.env.STEWARD_URL = previousUrl;
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  answer = () => ({ status: 200, body: {} });
});

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

const RUN = {
  execution_id: 'e-1',
  workflow_name: 'Agent Task Execution',
  status: 'running',
  current_step: 'agent_execution',
  started_at: '2026-11-25T10:00:00Z',
  correlation_id: 'c-1',
};

describe('steward runs', () => {
  it('lists runs as a table, with the filters as query parameters', async () => {
    answer = () => ({ status: 200, body: { executions: [RUN], count: 1, next_token: null } });
    const io = capture();

    const code = await runs.run(['list', '--status', 'running', '--correlation-id', 'c-1', '--limit', '5'], io);

    expect(code).toBe(0);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/executions?status=running&correlation_id=c-1&limit=5' });
    const [header, row] = io.stdout().trimEnd().split('\n');
    expect(header).toMatch(/^EXECUTION\s+WORKFLOW\s+STATUS\s+CURRENT STEP\s+STARTED\s+CORRELATION$/);
    expect(row).toMatch(/^e-1\s+Agent Task Execution\s+running\s+agent_execution\s+2026-11-25T10:00:00Z\s+c-1$/);
  });

  it('prints the API answer as JSON with --json', async () => {
    answer = () => ({ status: 200, body: { executions: [RUN], count: 1, next_token: null } });
    const io = capture();

    expect(await runs.run(['list', '--json'], io)).toBe(0);

    expect(JSON.parse(io.stdout())).toEqual({ executions: [RUN], count: 1, next_token: null });
  });

  it('starts a run with its context, idempotency key and correlation id', async () => {
    answer = () => ({ status: 201, body: RUN });
    const io = capture();

    const code = await runs.run(
      [
        'start',
        'Agent Task Execution',
        '--context',
        '{"task_id":"t1"}',
        '--idempotency-key',
        'k1',
        '--correlation-id',
        'c-1',
      ],
      io,
    );

    expect(code).toBe(0);
    expect(seen[0]).toEqual({
      method: 'POST',
      url: '/executions',
      body: {
        workflow_name: 'Agent Task Execution',
        context: { task_id: 't1' },
        idempotency_key: 'k1',
        correlation_id: 'c-1',
      },
    });
    expect(io.stdout()).toMatch(/execution_id\s+e-1/);
  });

  it.each(['pause', 'resume', 'cancel'])('sends %s with the reason', async (command) => {
    answer = () => ({ status: 200, body: { execution_id: 'e-1', status: command } });

    expect(await runs.run([command, 'e-1', '--reason', 'maintenance'], capture())).toBe(0);

    expect(seen[0]).toEqual({ method: 'PUT', url: `/executions/e-1/${command}`, body: { reason: 'maintenance' } });
  });

  it('retries a step of a run, encoding the path', async () => {
    answer = () => ({ status: 200, body: { execution_id: 'e 1', status: 'running' } });

    expect(await runs.run(['retry', 'e 1', 'agent_execution'], capture())).toBe(0);

    expect(seen[0]).toMatchObject({ method: 'POST', url: '/executions/e%201/steps/agent_execution/retry' });
  });

  it('follows a run with --watch until it ends, one JSON line per change', async () => {
    let reads = 0;
    answer = (req) => {
      if (req.url.endsWith('/steps')) return { status: 200, body: { steps: [] } };
      reads++;
      return { status: 200, body: { ...RUN, status: reads < 3 ? 'running' : 'completed' } };
    };
    const io = capture();

    const code = await runs.run(['show', 'e-1', '--watch', '--json', '--interval', '0.01'], io);

    expect(code).toBe(0);
    const lines = io
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string });
    expect(lines.map((l) => l.status)).toEqual(['running', 'completed']);
    expect(reads).toBe(3);
  });

  it('says what the API refused, from its error envelope, on stderr with exit 1', async () => {
    answer = () => ({
      status: 409,
      body: { error: { code: 'Conflict', message: 'the run is completed: it cannot be paused', problems: [] } },
    });
    const io = capture();

    expect(await runs.run(['pause', 'e-1'], io)).toBe(1);

    expect(io.stderr()).toBe('steward runs pause: the run is completed: it cannot be paused (HTTP 409)\n');
    expect(io.stdout()).toBe('');
  });

  it.each([
    [['show'], 'expected EXECUTION_ID'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
    [['list', '--watch', '--interval', 'soon'], '--interval must be a number of seconds'],
    [['start', 'W', '--context', '{oops'], '--context is not valid JSON'],
    [['explode'], 'unknown verb "explode"'],
  ])('answers the usage mistake %j with one line on stderr and exit 2', async (argv, message) => {
    const io = capture();

    expect(await runs.run(argv, io)).toBe(2);

    expect(io.stderr()).toContain(message);
    expect(io.stdout()).toBe('');
    expect(seen).toEqual([]);
  });
});

describe('steward workflows, services, events, alerts', () => {
  it('deploys a new workflow, or a new version when one of that name exists', async () => {
    const file = 'statemachines/sequential.json';
    answer = (req) =>
      req.method === 'GET'
        ? { status: 200, body: { workflows: [], next_token: null } }
        : { status: 201, body: { id: 'w-1', name: 'x' } };
    expect(await workflows.run(['deploy', file], capture())).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url.split('?')[0]}`)).toEqual(['GET /workflows', 'POST /workflows']);

    seen.length = 0;
    const name = (JSON.parse(await (await import('node:fs/promises')).readFile(file, 'utf8')) as { name: string }).name;
    const id = '0b6a7a4e-1c55-4c36-9f0e-5a8f3f1f2b11';
    answer = (req) =>
      req.method === 'GET'
        ? { status: 200, body: { workflows: [{ id, name }], next_token: null } }
        : { status: 201, body: { id, name, version: '2' } };
    expect(await workflows.run(['deploy', file], capture())).toBe(0);
    expect(seen.map((s) => `${s.method} ${s.url.split('?')[0]}`)).toEqual([
      'GET /workflows',
      `POST /workflows/${id}/versions`,
    ]);
  });

  it('lists services from /services/status', async () => {
    // The answer is held to the route's response schema, so the CLI reads fields the API really returns.
    const body = serviceStatusPage.parse({
      services: [
        {
          id: 'svc-1',
          name: 'orders',
          status: 'online',
          statusCode: 200,
          timestamp: '2026-01-01T00:00:00.000Z',
          lifecycle: 'active',
          health: 'healthy',
          maintenance: { active: false },
          restarts: {
            in_window: 2,
            crashes_in_window: 0,
            max_restarts: 10,
            window_seconds: 300,
            last_restart_at: null,
            last_crash: null,
            budget_exhausted: false,
            failed_reason: null,
            crash_looping: false,
          },
        },
      ],
      timestamp: '2026-01-01T00:00:01.000Z',
    });
    answer = () => ({ status: 200, body });
    const io = capture();

    expect(await services.run(['list'], io)).toBe(0);

    expect(seen[0]).toMatchObject({ method: 'GET', url: '/services/status' });
    expect(io.stdout()).toMatch(/svc-1\s+orders\s+online\s+healthy\s+2\s+2026-01-01T00:00:00.000Z/);
  });

  it('restarts a service with a reason and shows what was done and the budget left', async () => {
    const body = restartServiceResponse.parse({
      service_id: 'svc-1',
      name: 'orders',
      restarted: true,
      restarted_at: '2026-01-01T00:00:00.000Z',
      action: 'force_new_deployment',
      detail: 'force new deployment',
      attempt: 1,
      reason: 'stuck',
      budget_left: 9,
      restarts: {
        in_window: 1,
        crashes_in_window: 0,
        max_restarts: 10,
        window_seconds: 300,
        last_restart_at: '2026-01-01T00:00:00.000Z',
        last_crash: null,
        budget_exhausted: false,
        failed_reason: null,
        crash_looping: false,
      },
    });
    answer = () => ({ status: 200, body });
    const io = capture();

    expect(await services.run(['restart', 'svc-1', '--reason', 'stuck'], io)).toBe(0);

    expect(seen[0]).toMatchObject({ method: 'POST', url: '/services/svc-1/restart', body: { reason: 'stuck' } });
    expect(io.stdout()).toMatch(/budget_left\s+9/);
    expect(io.stdout()).toMatch(/restarts\s+1 in 300 s/);
  });

  it('sends an event with its data and correlation id', async () => {
    answer = () => ({ status: 202, body: { id: 'ev-1', matched: 0 } });

    const code = await events.run(
      ['send', 'agent.task_completed', '--data', '{"task_id":"t1"}', '--correlation-id', 'c-1'],
      capture(),
    );

    expect(code).toBe(0);
    expect(seen[0]).toEqual({
      method: 'POST',
      url: '/events',
      body: { type: 'agent.task_completed', source: 'steward.cli', data: { task_id: 't1' }, correlation_id: 'c-1' },
    });
  });

  it('acknowledges an alert with a note', async () => {
    answer = () => ({ status: 200, body: { id: 'a-1', status: 'acknowledged' } });

    expect(await alerts.run(['ack', 'a-1', '--note', 'on it'], capture())).toBe(0);

    expect(seen[0]).toEqual({ method: 'PUT', url: '/alerts/a-1/acknowledge', body: { note: 'on it' } });
  });
});

describe('the steward command', () => {
  const steward = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/steward.ts', ...args], { encoding: 'utf8' });

  it('prints its version', () => {
    const result = steward('--version');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^steward \d+\.\d+\.\d+\n$/);
  });

  it('answers a bad option with one line and exit 2, not a stack trace', () => {
    const result = steward('compile', '--nope', 'statemachines/map.json');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("steward compile: Unknown option '--nope'");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

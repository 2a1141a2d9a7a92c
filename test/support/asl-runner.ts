/**
 * Runs a compiled state machine in aws-local-stepfunctions with every Task stubbed, and records what happened:
 * each stub call (state, kind, payload, start/end time), the states entered (the transition count Step Functions
 * bills), retries and catches. Shared by the compiler tests, benchmarks and anyone testing ASL locally.
 *
 * Stubs are chosen by state name first, then by payload `kind` (service_call, event_wait, park, notify,
 * load_compensations, compensate, sub_workflow), then a default. `lambda:invoke` results are wrapped as
 * `{ Payload, StatusCode }` like the real integration; `.waitForTaskToken` tasks have no callback semantics here,
 * so their stub's return value is the task's result (what SendTaskSuccess would send).
 *
 * Joins (exact DAGs) follow the protocol of the waiter and the step runner in memory: a step whose payload names
 * `release` (or a `complete` task) records that it ended, and a `join` task resolves once every dependency it waits for
 * has ended, with the branch's `steps` plus their results. Tests may override `join`/`complete` by kind or state.
 */
import { StateMachine } from 'aws-local-stepfunctions';

/** One call to a stubbed Task. */
export interface StubCall {
  state: string;
  kind: string;
  payload: Record<string, unknown>;
  /** ms since the run started. */
  start: number;
  end: number;
  /** 1 for the first call of this state, 2 for the next… */
  attempt: number;
  error?: string;
}

/** What a stub receives besides the payload. */
export interface StubInfo {
  state: string;
  attempt: number;
}

/** A stub: returns the task's result or throws (`stewardError`) to fail it. */
export type Stub = (payload: Record<string, unknown>, info: StubInfo) => unknown;

/** Options of `runAsl`. */
export interface RunAslOptions {
  input?: unknown;
  byState?: Record<string, Stub>;
  byKind?: Record<string, Stub>;
  /** Milliseconds to sleep in every Wait state (default 0). */
  waitMs?: number;
  /** Milliseconds between retries (default 0). */
  retryMs?: number;
}

/** The outcome of a run. */
export interface RunAslResult {
  output?: unknown;
  error?: { name: string; cause: string };
  calls: StubCall[];
  /** Names of states entered, in order (nested states included). */
  entered: string[];
  /** StateEntered events: the transition count, retries excluded. */
  transitions: number;
  retries: number;
  durationMs: number;
}

/** An Error whose `name` is matched by Retry/Catch `ErrorEquals`. */
export function stewardError(name: string, message = name): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** Sleeps; for stubs that model a step's duration. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A latch for stubs that must overlap: `wait()` resolves once `open()` has been called, and rejects after
 * `timeoutMs` (a state machine that never lets the other side run would otherwise hang the test). Tests that prove
 * concurrency with latches hold on any machine, where sleeps of different lengths only hold on an idle one.
 */
export interface Latch {
  open(): void;
  wait(): Promise<void>;
}

/** Makes a {@link Latch} whose `wait()` gives up after `timeoutMs`, naming `what`. */
export function latch(what: string, timeoutMs = 10_000): Latch {
  let opened = false;
  const waiting: Array<() => void> = [];
  return {
    open() {
      opened = true;
      for (const resolve of waiting.splice(0)) resolve();
    },
    wait() {
      if (opened) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`never happened: ${what}`)), timeoutMs);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** The execution input the start handler builds (ExecutionInput of the runtime contract). */
export function executionInput(context: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    execution: {
      id: 'exec-1',
      workflow_id: 'wf-1',
      workflow_name: 'test',
      workflow_version: '1.0.0',
      correlation_id: 'corr-1',
      started_at: '2026-01-01T00:00:00.000Z',
    },
    context,
    steps: {},
  };
}

/** In-memory join board: which steps ended (by step and map item) and which joins wait for them. */
class JoinBoard {
  private readonly ended = new Map<string, unknown>();
  private readonly waiting: Array<{ keys: string[]; release: () => void }> = [];

  private static key(step: string, item: unknown): string {
    return item === undefined ? step : `${step}@${JSON.stringify(item)}`;
  }

  end(step: string, item: unknown, result: unknown): void {
    this.ended.set(JoinBoard.key(step, item), result ?? null);
    for (const w of [...this.waiting]) {
      if (w.keys.every((k) => this.ended.has(k))) {
        this.waiting.splice(this.waiting.indexOf(w), 1);
        w.release();
      }
    }
  }

  join(payload: Record<string, unknown>): Promise<unknown> {
    const deps = payload.dependencies as string[];
    const keys = deps.map((d) => JoinBoard.key(d, payload.item));
    const output = (): unknown => {
      const steps = { ...(payload.steps as Record<string, unknown>) };
      deps.forEach((d, k) => {
        const r = this.ended.get(keys[k]!);
        if (r !== null && r !== undefined) steps[d] = r;
      });
      return steps;
    };
    return new Promise((resolve) => {
      const release = (): void => resolve(output());
      if (keys.every((k) => this.ended.has(k))) release();
      else this.waiting.push({ keys, release });
    });
  }
}

const DEFAULT_STUBS: Record<string, Stub> = {
  service_call: (p) => ({ status: 'completed', output: { step: p.step } }),
  event_wait: (p) => ({ status: 'completed', output: { event_type: p.event_type, filter: p.filter } }),
  sub_workflow: (p) => ({ status: 'completed', output: { workflow: p.workflow } }),
  park: () => ({}),
  notify: () => ({ status: 'completed', output: null }),
  compensate: () => ({ status: 'completed', output: null }),
  load_compensations: () => ({ items: [] }),
};

const FAKE_ARNS: Record<string, string> = {
  StepRunnerArn: 'arn:aws:lambda:us-east-1:123456789012:function:steward-step-runner',
  WaiterArn: 'arn:aws:lambda:us-east-1:123456789012:function:steward-waiter',
};

type AnyState = Record<string, unknown> & { Type: string };

/** Every state of a definition (nested included) by name. */
export function collectStates(def: { States: Record<string, AnyState> }): Map<string, AnyState> {
  const out = new Map<string, AnyState>();
  const visit = (states: Record<string, AnyState>): void => {
    for (const [name, s] of Object.entries(states)) {
      out.set(name, s);
      if (s.Type === 'Parallel')
        for (const b of s.Branches as Array<{ States: Record<string, AnyState> }>) visit(b.States);
      if (s.Type === 'Map') visit((s.ItemProcessor as { States: Record<string, AnyState> }).States);
    }
  };
  visit(def.States);
  return out;
}

/** Runs an ASL definition (with `${…}` substitutions replaced by fake ARNs) with stubbed Tasks. */
export async function runAsl(asl: unknown, options: RunAslOptions = {}): Promise<RunAslResult> {
  const text = JSON.stringify(asl).replace(/\$\{(\w+)\}/g, (m, k: string) => FAKE_ARNS[k] ?? m);
  const definition = JSON.parse(text) as { States: Record<string, AnyState> };
  const states = collectStates(definition);
  const calls: StubCall[] = [];
  const attempts = new Map<string, number>();
  const board = new JoinBoard();
  const joinStubs: Record<string, Stub> = {
    join: (p) => board.join(p),
    complete: (p) => {
      board.end(String(p.step), p.item, p.result);
      return { status: 'completed', output: null };
    },
  };
  const t0 = performance.now();
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryOverrides: Record<string, number> = {};
  const waitOverrides: Record<string, number> = {};
  for (const [name, s] of states) {
    if (s.Retry) retryOverrides[name] = options.retryMs ?? 0;
    if (s.Type === 'Wait') waitOverrides[name] = options.waitMs ?? 0;
    if (s.Type !== 'Task') continue;
    const callback = String(s.Resource).endsWith('.waitForTaskToken');
    handlers[name] = async (input: unknown) => {
      const payload = ((input as { Payload?: unknown }).Payload ?? input) as Record<string, unknown>;
      const kind = String(payload.kind ?? 'unknown');
      const attempt = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, attempt);
      const call: StubCall = { state: name, kind, payload, start: performance.now() - t0, end: 0, attempt };
      calls.push(call);
      const stub = options.byState?.[name] ?? options.byKind?.[kind] ?? joinStubs[kind] ?? DEFAULT_STUBS[kind];
      try {
        const result = stub ? await stub(payload, { state: name, attempt }) : {};
        // The step runner releases joins once the step has ended (completed, or failed and continued). A `complete`
        // task has recorded the step's own result already: its answer is not the step's result.
        if (kind !== 'complete' && Array.isArray(payload.release))
          board.end(String(payload.step), payload.item, result);
        return callback ? result : { Payload: result, StatusCode: 200 };
      } catch (e) {
        call.error = (e as Error).name;
        throw e;
      } finally {
        call.end = performance.now() - t0;
      }
    };
  }
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run((options.input ?? executionInput()) as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: retryOverrides,
      waitTimeOverrides: waitOverrides,
    },
    context: {
      Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:test:exec-1', Name: 'exec-1' },
      Task: { Token: 'token-1' },
    },
  });
  const entered: string[] = [];
  let retries = 0;
  const logging = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as { type: string; state?: { name: string } };
      if (e.type === 'StateEntered' && e.state) entered.push(e.state.name);
      if (e.type === 'StateRetried') retries++;
    }
  })();
  let output: unknown;
  let error: RunAslResult['error'];
  try {
    output = await execution.result;
  } catch (e) {
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    error = { name: cause?.name ?? (e as Error).name, cause: cause?.message ?? (e as Error).message };
  }
  await logging;
  return {
    ...(error ? { error } : { output }),
    calls,
    entered,
    transitions: entered.length,
    retries,
    durationMs: performance.now() - t0,
  };
}

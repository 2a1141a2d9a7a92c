import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type MessagePort, Worker } from 'node:worker_threads';
import { threadExecArgv } from '../thread-flags.ts';
import { TSX_API } from '../ts-worker.ts';
import type { InvokeResult, LocalFunction } from './types.ts';
import { workerSource } from './worker-source.ts';

interface Pending {
  id: number;
  resolve: (result: InvokeResult) => void;
  timer: NodeJS.Timeout;
}

/**
 * One execution environment: a worker thread with the function's own `process.env`, its handler module loaded
 * once. Lambda gives an environment one invocation at a time; the runner may give it several at once (local mode
 * does, see {@link LambdaRunnerOptions.invocationsPerEnvironment}), each answered by its id. A crash terminates it;
 * a timeout retires it: it takes nothing new and is terminated once its other invocations have ended (with one
 * invocation at a time, at once, as Lambda discards an environment that timed out).
 */
export class WorkerSlot {
  private readonly worker: Worker;
  private readonly ready: Promise<InvokeResult | undefined>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** False once the worker is terminated or crashed: the pool drops the slot. */
  alive = true;
  /** True once an invocation timed out here: no new invocations, terminated when the running ones end. */
  retiring = false;

  constructor(
    private readonly fn: LocalFunction,
    entryUrl: string,
    env: Record<string, string>,
    slot: number,
    onLog: (line: string) => void,
    private readonly onDead: (slot: WorkerSlot) => void,
    /** Ports to local mode's endpoints by origin, for the SDK's requests (lambdas/shared/clients/local-transport.ts). */
    awsPorts: Record<string, MessagePort> = {},
  ) {
    this.worker = new Worker(workerSource(TSX_API), {
      eval: true,
      env,
      // Not local mode's Node flags (a thread inherits them by default): under `npm start` they load tsx's hooks,
      // which a bundle does not need, in every environment. Measured: 8 % less CPU to load every handler.
      execArgv: threadExecArgv(),
      stdout: true,
      stderr: true,
      workerData: {
        entryUrl,
        entry: fn.entry,
        functionName: fn.name,
        arn: fn.arn,
        memoryMb: fn.memoryMb,
        slot,
        nice: fn.nice ?? 0,
        threadName: threadName(fn.name),
        awsPorts,
      },
      transferList: Object.values(awsPorts),
      // A small young generation: a handler's garbage is short-lived, and V8's default let each worker's resident
      // memory grow by tens of MB under load (measured 983 → 875 MB peak for 100 concurrent runs, no more CPU).
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, fn.memoryMb), maxYoungGenerationSizeMb: 8 },
    });
    pipeLines(this.worker.stdout, onLog);
    pipeLines(this.worker.stderr, onLog);
    this.ready = new Promise((resolve) => {
      const onMessage = (msg: { type: string; errorType?: string; errorMessage?: string; trace?: string[] }): void => {
        if (msg.type === 'ready') {
          this.worker.off('message', onMessage);
          resolve(undefined);
        } else if (msg.type === 'init-error') {
          this.worker.off('message', onMessage);
          resolve({
            ok: false,
            errorType: msg.errorType ?? 'Runtime.Error',
            errorMessage: msg.errorMessage ?? '',
            trace: msg.trace,
          });
          void this.terminate();
        }
      };
      this.worker.on('message', onMessage);
    });
    this.worker.on('message', (msg: { type: string; id?: number } & Record<string, unknown>) => {
      const pending = msg.type === 'result' ? this.pending.get(msg.id ?? 0) : undefined;
      if (!pending) return;
      this.pending.delete(pending.id);
      const { resolve, timer } = pending;
      clearTimeout(timer);
      this.retireIfDone();
      if (msg.ok) resolve({ ok: true, payload: JSON.parse(String(msg.payload)) });
      else
        resolve({
          ok: false,
          errorType: String(msg.errorType),
          errorMessage: String(msg.errorMessage),
          trace: msg.trace as string[],
        });
    });
    this.worker.on('error', (error) => this.die('Runtime.ExitError', error.message));
    this.worker.on('exit', (code) => this.die('Runtime.ExitError', `RequestId: worker exited with code ${code}`));
  }

  /** True while an invocation is running on this slot. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Runs one invocation; resolves with the handler's result or a Lambda-shaped error. */
  async invoke(payload: unknown): Promise<InvokeResult> {
    const initError = await this.ready;
    if (initError) return initError;
    if (!this.alive)
      return { ok: false, errorType: 'Runtime.ExitError', errorMessage: 'execution environment stopped' };
    const id = this.nextId++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        // Like Lambda: the environment that timed out is discarded, not reused.
        this.pending.delete(id);
        resolve({
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
        });
        this.retiring = true;
        this.retireIfDone();
      }, timeoutMs);
      this.pending.set(id, { id, resolve, timer });
      this.worker.postMessage({
        id,
        payload: JSON.stringify(payload ?? null),
        deadline: Date.now() + timeoutMs,
        requestId: randomUUID(),
      });
    });
  }

  /** Waits for the handler module to load (used to warm functions up). */
  async warm(): Promise<void> {
    await this.ready;
  }

  /** Stops the worker. */
  async terminate(): Promise<void> {
    if (!this.alive) return;
    this.die('Runtime.ExitError', 'execution environment stopped');
    await this.worker.terminate();
  }

  private retireIfDone(): void {
    if (this.retiring && this.pending.size === 0) void this.terminate();
  }

  private die(errorType: string, errorMessage: string): void {
    const wasAlive = this.alive;
    this.alive = false;
    for (const { resolve, timer } of this.pending.values()) {
      clearTimeout(timer);
      resolve({ ok: false, errorType, errorMessage });
    }
    this.pending.clear();
    if (wasAlive) this.onDead(this);
  }
}

/** A thread name (15 bytes at most on Linux) from a function name: `steward-dev-step-runner` → `step-runner`. */
export function threadName(functionName: string): string {
  return functionName.replace(/^steward-[a-z0-9]+-/, '').slice(0, 15);
}

function pipeLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (line.length > 0) onLine(line);
  });
}

import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { AwsError, LOCAL_REGION } from '../aws/errors.ts';
import type { InvokeResult, LocalFunction } from './types.ts';
import { WorkerSlot } from './worker-slot.ts';

/** Options of {@link LambdaRunner}. */
export interface LambdaRunnerOptions {
  functions: LocalFunction[];
  /** Every stdout/stderr line of every function (Powertools JSON logs, EMF blobs). */
  onLog?: (functionName: string, line: string) => void;
  /** An async invocation that failed all its attempts (the function's DLQ / on-failure destination). */
  onAsyncFailure?: (functionName: string, payload: unknown, error: InvokeResult & { ok: false }) => void;
  /** Concurrent execution environments per function. @default 4 */
  maxConcurrency?: number;
  /**
   * Invocations one environment serves at once. Lambda's is 1 (the default). Local mode gives each environment
   * several: Steward's handlers spend most of an invocation waiting on DynamoDB and HTTP, so a few environments
   * carry a burst that would otherwise need one worker thread (tens of MB, about a second of CPU to start) per
   * concurrent invocation. @default 1
   */
  invocationsPerEnvironment?: number;
  /**
   * Per-function overrides of `maxConcurrency` and `invocationsPerEnvironment` (each function has its own
   * concurrency on Lambda too). @default none
   */
  concurrencyOf?: (fn: LocalFunction) => { environments?: number; invocationsPerEnvironment?: number } | undefined;
  /** Delays before the two retries of a failed async invoke (Lambda waits ~1 min then ~2 min). @default [1000, 2000] */
  asyncRetryDelaysMs?: number[];
  /**
   * Ports to local mode's endpoints for a new environment, by endpoint origin: its SDK's requests to them go over the
   * ports rather than HTTP (lambdas/shared/clients/local-transport.ts). @default none (HTTP)
   */
  connectAws?: () => Record<string, MessagePort>;
  /** Base directory of relative entries. @default process.cwd() */
  rootDir?: string;
  /**
   * Longest a background function's invocation (one with a `nice` above 0) is held while invocations of a function
   * that answers a waiting caller (`nice` 0) queue for room. 0 holds nothing. @default 0
   */
  yieldMs?: number;
}

interface Pool {
  fn: LocalFunction;
  /** Environments at most, and invocations each serves at once. */
  environments: number;
  room: number;
  slots: WorkerSlot[];
  /** Synchronous invocations waiting for room: served before {@link waitingAsync}. */
  waiting: Array<(slot: WorkerSlot) => void>;
  /**
   * Asynchronous invocations (event invokes, retries) waiting for room. A caller of a synchronous invoke is waiting
   * on the answer (an API request, a state machine's task); an async one was acknowledged already.
   */
  waitingAsync: Array<(slot: WorkerSlot) => void>;
  invocations: number;
  errors: number;
  slotCounter: number;
}

/** A background function (`nice` above 0): it yields to the functions whose callers wait (`yieldMs`). */
const yieldsToUrgent = (fn: LocalFunction): boolean => (fn.nice ?? 0) > 0;

/** Per-function counters for the status page. */
export interface FunctionStats {
  name: string;
  invocations: number;
  errors: number;
  environments: number;
}

/**
 * Runs Steward's Lambda handlers locally. Each function gets its own pool of worker threads (its own
 * `process.env`, so module-scope configuration never collides), started lazily on first invoke and kept warm.
 * A pool grows to `maxConcurrency` environments; further invocations queue.
 */
export class LambdaRunner {
  private readonly pools = new Map<string, Pool>();
  private readonly byArn = new Map<string, string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Invocations handed to each environment and not yet released. */
  private readonly load = new WeakMap<WorkerSlot, number>();
  /** Invocations of the functions background ones yield to, queued for room. */
  private urgentQueued = 0;
  /** Background invocations held until {@link urgentQueued} is back to 0 (or their hold time is up). */
  private held: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: LambdaRunnerOptions) {
    for (const fn of options.functions) this.addFunction(fn);
  }

  /** Registers (or replaces) a function. */
  addFunction(fn: LocalFunction): void {
    const own = this.options.concurrencyOf?.(fn);
    this.pools.set(fn.name, {
      fn,
      environments: own?.environments ?? this.options.maxConcurrency ?? 4,
      room: own?.invocationsPerEnvironment ?? this.options.invocationsPerEnvironment ?? 1,
      slots: [],
      waiting: [],
      waitingAsync: [],
      invocations: 0,
      errors: 0,
      slotCounter: 0,
    });
    this.byArn.set(fn.arn, fn.name);
  }

  /** The function a name, ARN, qualified ARN or partial ARN designates; undefined when unknown. */
  resolve(nameOrArn: string): LocalFunction | undefined {
    const direct = this.pools.get(nameOrArn) ?? this.pools.get(this.byArn.get(nameOrArn) ?? '');
    if (direct) return direct.fn;
    // arn:aws:lambda:region:account:function:name[:qualifier] or account:function:name
    const match = /(?:^|:)function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
    return match ? this.pools.get(match[1] ?? '')?.fn : undefined;
  }

  /** Names of the registered functions. */
  functionNames(): string[] {
    return [...this.pools.keys()];
  }

  /**
   * Invokes a function. Synchronous invokes resolve with the handler's result or its error; `async: true` resolves
   * at once with `{ ok: true, payload: null }` and runs the invocation in the background, retried twice on failure,
   * then handed to `onAsyncFailure`. Throws `ResourceNotFoundException` for an unknown function.
   */
  async invoke(nameOrArn: string, payload: unknown, options: { async?: boolean } = {}): Promise<InvokeResult> {
    const fn = this.resolve(nameOrArn);
    if (!fn) throw new AwsError('ResourceNotFoundException', `Function not found: ${nameOrArn}`, 404);
    if (this.closed) throw new AwsError('ServiceException', 'the local Lambda runner is closed', 500);
    if (!options.async) return this.run(fn.name, payload);
    const background = this.runAsync(fn.name, payload);
    this.inFlight.add(background);
    void background.finally(() => this.inFlight.delete(background));
    return { ok: true, payload: null };
  }

  /**
   * Starts environments now (eager warm-up) until each named function has `environments` of them (at most
   * `maxConcurrency`), resolving when their handler modules are loaded.
   */
  async warm(names: string[] = this.functionNames(), environments = 1): Promise<void> {
    const starting: Promise<void>[] = [];
    for (const name of names) {
      const pool = this.pools.get(name);
      if (!pool) continue;
      while (pool.slots.length < Math.min(environments, pool.environments) && !this.closed)
        starting.push(this.startSlot(pool).warm());
    }
    await Promise.all(starting);
  }

  /** Counters per function. */
  stats(): FunctionStats[] {
    return [...this.pools.values()].map((p) => ({
      name: p.fn.name,
      invocations: p.invocations,
      errors: p.errors,
      environments: p.slots.length,
    }));
  }

  /** Waits for background (async) invocations to settle; for tests and orderly shutdown. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const go of this.held.splice(0)) go();
    await Promise.all([...this.pools.values()].flatMap((p) => p.slots.map((s) => s.terminate())));
  }

  private async runAsync(name: string, payload: unknown): Promise<void> {
    const delays = this.options.asyncRetryDelaysMs ?? [1000, 2000];
    let result = await this.run(name, payload, true);
    for (const delay of delays) {
      if (result.ok || this.closed) return;
      await new Promise((r) => setTimeout(r, delay));
      result = await this.run(name, payload, true);
    }
    if (!result.ok) this.options.onAsyncFailure?.(name, payload, result);
  }

  private async run(name: string, payload: unknown, background = false): Promise<InvokeResult> {
    const pool = this.pools.get(name);
    if (!pool) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    pool.invocations++;
    if (yieldsToUrgent(pool.fn) && this.urgentQueued > 0 && (this.options.yieldMs ?? 0) > 0) {
      await this.yieldTurn();
      // Closed while it waited: no environment may start any more (an error result, as for a failed invocation, so
      // an event invoke does not reject in the background).
      if (this.closed)
        return { ok: false, errorType: 'ServiceException', errorMessage: 'the local Lambda runner is closed' };
    }
    const slot = await this.acquire(pool, background);
    try {
      const result = await slot.invoke(payload);
      if (!result.ok) pool.errors++;
      return result;
    } finally {
      this.release(pool, slot);
    }
  }

  /** Waits until no urgent invocation queues, for at most `yieldMs`. */
  private yieldTurn(): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const go = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.held = this.held.filter((h) => h !== go);
        go();
      }, this.options.yieldMs);
      this.held.push(go);
    });
  }

  private acquire(pool: Pool, background: boolean): Promise<WorkerSlot> {
    // Queued synchronous invocations go first: a new async one does not take the room they wait for.
    const slot = background && pool.waiting.length > 0 ? undefined : this.pick(pool);
    if (slot) return Promise.resolve(slot);
    const urgent = !yieldsToUrgent(pool.fn);
    if (urgent) this.urgentQueued++;
    return new Promise((resolve) =>
      (background ? pool.waitingAsync : pool.waiting).push(
        urgent
          ? (granted) => {
              this.urgentQueued--;
              if (this.urgentQueued === 0) for (const go of this.held.splice(0)) go();
              resolve(granted);
            }
          : resolve,
      ),
    );
  }

  /**
   * Claims the least-loaded live environment with room for one more invocation; else starts one (below
   * `maxConcurrency`); else undefined (the caller queues).
   */
  private pick(pool: Pool): WorkerSlot | undefined {
    const room = pool.room;
    let best: WorkerSlot | undefined;
    let bestLoad = room;
    for (const slot of pool.slots) {
      const load = this.load.get(slot) ?? 0;
      if (slot.alive && !slot.retiring && load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    if (!best && pool.slots.length < pool.environments) best = this.startSlot(pool);
    if (best) this.load.set(best, (this.load.get(best) ?? 0) + 1);
    return best;
  }

  private release(pool: Pool, slot: WorkerSlot): void {
    this.load.set(slot, Math.max(0, (this.load.get(slot) ?? 0) - 1));
    // The released environment, or another (a fresh one when it died or retired), goes to the next waiter:
    // synchronous invocations first.
    while (pool.waiting.length + pool.waitingAsync.length > 0) {
      const next = this.pick(pool);
      if (!next) return;
      (pool.waiting.shift() ?? pool.waitingAsync.shift())?.(next);
    }
  }

  private startSlot(pool: Pool): WorkerSlot {
    const { fn } = pool;
    const entry = isAbsolute(fn.entry) ? fn.entry : resolvePath(this.options.rootDir ?? process.cwd(), fn.entry);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...fn.env,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    };
    const slot = new WorkerSlot(
      fn,
      pathToFileURL(entry).href,
      env,
      ++pool.slotCounter,
      (line) => this.options.onLog?.(fn.name, line),
      (dead) => {
        pool.slots = pool.slots.filter((s) => s !== dead);
      },
      this.options.connectAws?.(),
    );
    pool.slots.push(slot);
    return slot;
  }
}

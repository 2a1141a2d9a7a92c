/**
 * Local mode's figures (TARGETS.md "Local mode"):
 * - `npm start` to ready: a spawned `steward local` until it prints "ready", cold (no cached synthesis or bundles)
 *   and warm (inputs unchanged since the last start);
 * - the seed workflow end to end, event delay aside: the agent's event is sent as soon as the waiter is registered;
 * - 50 concurrent runs of a 5-step workflow (created over the API): all complete, none lost; executions per second;
 * - load: 200 concurrent starts of a 2-step workflow (two calls to a service registered over the API): latency of
 *   each start request (p50/p99/max), runs completed per second, and the peak resident memory of local mode (the
 *   process with its worker threads; its child processes counted separately); a first burst right after "ready",
 *   then more on the same local mode: the second, and the sustained figures of the later ones (see {@link loadBursts}).
 *   Each burst also reports its starts' phase: until the last start answered, and the CPU a start cost meanwhile,
 *   and the machine's speed just after it (bench/support/machine-speed.ts).
 * - restart: with `--data`, 20 runs wait on an event, local mode is SIGKILLed and started again: how many of them
 *   are recoverable (continued, or failed at their step and retried), and completed by their events.
 * Usage: npx tsx bench/local.ts              (everything; writes bench/results/local.json)
 *        npx tsx bench/local.ts --load [N]   (the load figures only; with N = 200, merged into local.json)
 *        add --bursts K to either for K bursts in a row (default 5)
 *        npx tsx bench/local.ts --restart    (the restart figure only, merged into local.json)
 *        npx tsx bench/local.ts --ready      (the ready figures only, merged into local.json)
 * Set STEWARD_BENCH_PROFILE=DIR to run local mode under `node --cpu-prof --cpu-prof-dir DIR` (its figures are then not
 * written), STEWARD_BENCH_NODE_ARGS="--flag …" to give local mode's Node (and V8) more flags, STEWARD_DYNAMODB_LOG=FILE
 * to log its DynamoDB requests.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  api,
  benchService,
  median,
  root,
  seedRun,
  startSteward,
  stopSteward,
  twoStepWorkflow,
  waitFor,
} from './support/local-steward.ts';
import { machineReferenceMs } from './support/machine-speed.ts';

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

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

/** Resident memory (kB) of a process, 0 when it is gone. */
function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(match?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The fields of a /proc `stat` file after the command name (which may hold spaces), the state first. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU seconds of a process's or thread's stat fields (clock ticks, 100 Hz). */
const cpuOf = (fields: string[]): number => (Number(fields[11]) + Number(fields[12])) / 100;

/** CPU seconds (user + system, every thread) a process and its descendants (managed services' containers) used. */
function cpuSeconds(pid: number): number {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      total += cpuOf(statFields(`/proc/${p}/stat`));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/**
 * CPU seconds so far per thread group of local mode's process tree: `main` (the event loop thread), each Lambda
 * function's worker threads by the names local mode gives them, `v8` (V8's helper threads: garbage collection,
 * compilation) and `libuv` (the thread pool: file system, DNS, zlib); a child process (a managed service's
 * container) under its name, its helper threads as `<name>:v8`.
 */
function cpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of [pid, ...descendants(pid)]) {
    let tids: string[] = [];
    let own = 'main';
    try {
      tids = readdirSync(`/proc/${p}/task`);
      if (p !== pid) own = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    const helper = (name: string): string => (p === pid ? name : `${own}:${name}`);
    for (const tid of tids) {
      try {
        const comm = readFileSync(`/proc/${p}/task/${tid}/comm`, 'utf8').trim();
        const fields = statFields(`/proc/${p}/task/${tid}/stat`);
        const name =
          Number(tid) === p
            ? own
            : comm.startsWith('libuv')
              ? helper('libuv')
              : comm === 'node' || comm.startsWith('Delayed')
                ? helper('v8')
                : comm;
        out.set(name, (out.get(name) ?? 0) + cpuOf(fields));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

/** Every descendant of a process (Linux /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(`/proc/${entry}/stat`)[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const child of parents.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** Samples the peak resident memory of local mode (with its worker threads) and of its child processes. */
function memoryPeaks(pid: number): { stop: () => { processMb: number; withChildrenMb: number } } {
  let processKb = 0;
  let totalKb = 0;
  const sample = (): void => {
    const own = rssKb(pid);
    processKb = Math.max(processKb, own);
    totalKb = Math.max(totalKb, own + descendants(pid).reduce((n, p) => n + rssKb(p), 0));
  };
  sample();
  const timer = setInterval(sample, 250);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { processMb: Math.round(processKb / 1024), withChildrenMb: Math.round(totalKb / 1024) };
    },
  };
}

/** Runs of a workflow in a status, through GET /executions (paginated). */
async function countRuns(workflowId: string, status: string): Promise<number> {
  let count = 0;
  let token: string | null | undefined;
  do {
    const page = await api<{ count: number; next_token: string | null }>(
      'GET',
      `/executions?workflow_id=${workflowId}&status=${status}&limit=100${token ? `&next_token=${encodeURIComponent(token)}` : ''}`,
    );
    if (page.status !== 200) throw new Error(`listing runs failed: ${JSON.stringify(page.body)}`);
    count += page.body.count;
    token = page.body.next_token;
  } while (token);
  return count;
}

/**
 * Whether runs of a workflow are still running: read from the running runs' partition (GET /executions?status=running),
 * which shrinks as runs end. One run of it (`limit=1`) is enough to say yes, so a poll reads one item while the
 * burst works; only when another workflow's run is listed first are the running runs read whole and counted by
 * workflow. A listing by workflow and status would read every run of the workflow at each poll, and reading the
 * whole partition at each poll cost about a twentieth of a burst's CPU: the observer's load, not the runs'.
 */
async function stillRunning(workflowId: string): Promise<boolean> {
  const list = (query: string) =>
    api<{ executions: Array<{ workflow_id: string }>; next_token: string | null }>('GET', `/executions?${query}`);
  const first = await list('status=running&limit=1');
  if (first.status !== 200) throw new Error(`listing runs failed: ${JSON.stringify(first.body)}`);
  if (first.body.executions.length === 0) return false;
  if (first.body.executions[0]?.workflow_id === workflowId) return true;
  let token: string | null | undefined;
  do {
    const page = await list(`status=running&limit=100${token ? `&next_token=${encodeURIComponent(token)}` : ''}`);
    if (page.status !== 200) throw new Error(`listing runs failed: ${JSON.stringify(page.body)}`);
    if (page.body.executions.some((e) => e.workflow_id === workflowId)) return true;
    token = page.body.next_token;
  } while (token);
  return false;
}

/** Figures of {@link loadRuns}. */
interface LoadFigures {
  started: number;
  completed: number;
  failed_starts: number;
  start_latency_ms: { p50: number; p99: number; max: number };
  seconds: number;
  runs_per_second: number;
  rss_mb_peak: number;
  rss_mb_peak_with_child_processes: number;
  /**
   * CPU time local mode used per run (all threads): other processes' load does not count in it, but the host's speed
   * does (see {@link LoadFigures.machine_reference_ms}).
   */
  cpu_ms_per_run: number;
  /** The same, per thread group (see {@link cpuByThread}): where the time goes. */
  cpu_ms_per_run_by_thread: Record<string, number>;
  /**
   * Until the last start answered: how long, and the CPU per start by thread group over that time (the starts' own
   * work and whatever background work was not held back; the runs' work is the rest).
   */
  starts_phase: { seconds: number; cpu_ms_per_start: number; cpu_ms_per_start_by_thread: Record<string, number> };
  /**
   * The machine's speed just after the burst: ms of a fixed single-core workload (bench/support/machine-speed.ts),
   * lower is faster. Figures taken at different moments compare only beside it.
   */
  machine_reference_ms: number;
}

/** `n` concurrent starts of a 2-step workflow; every run must complete. */
async function loadRuns(n: number, pid: number): Promise<LoadFigures> {
  const service = await benchService();
  try {
    const workflowId = await twoStepWorkflow(service.name, 'bench/local.ts');
    const memory = memoryPeaks(pid);
    const cpu0 = cpuSeconds(pid);
    const threads0 = cpuByThread(pid);
    const t0 = performance.now();
    const starts = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const s0 = performance.now();
        const answer = await api<{ execution_id: string }>('POST', '/executions', {
          workflow_id: workflowId,
          context: { run: `l${i}` },
        });
        return { ms: performance.now() - s0, status: answer.status, id: answer.body.execution_id };
      }),
    );
    // The starts' phase: until the last start has answered (the API's functions, with background work held back).
    const startsSeconds = (performance.now() - t0) / 1000;
    const threadsAtStarts = cpuByThread(pid);
    const ok = starts.filter((s) => s.status === 201);
    // Watched through the running runs' listing (one item a poll), not run by run: 200 polls every interval would load
    // local mode more than the runs themselves. Every start has answered, so no run is `created`.
    await waitFor(async () => ((await stillRunning(workflowId)) ? undefined : true), 300_000, 250);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const completed = await countRuns(workflowId, 'completed');
    // Threads that ended during the load (a retired environment) are missing here: their CPU is in `cpu` only.
    const perRun = (from: Map<string, number>, to: Map<string, number>) =>
      [...to]
        .map(([name, seconds]) => [name, Math.round(((seconds - (from.get(name) ?? 0)) * 1000) / n)] as const)
        .filter(([, ms]) => ms > 0)
        .sort((a, b) => b[1] - a[1]);
    const byThread = perRun(threads0, cpuByThread(pid));
    const startsByThread = perRun(threads0, threadsAtStarts);
    if (process.env.STEWARD_BENCH_FUNCTIONS) {
      const fns = await api<unknown>('GET', '/local/functions');
      console.log(JSON.stringify(fns.body));
    }
    const peaks = memory.stop();
    // After the burst, not before: the first burst stays right after "ready".
    const reference = machineReferenceMs();
    if (completed < ok.length) {
      const failed = await api<{ executions: Array<{ error_details?: unknown }> }>(
        'GET',
        `/executions?workflow_id=${workflowId}&status=failed&limit=3`,
      );
      console.log(`failed runs, e.g.: ${JSON.stringify(failed.body.executions.map((e) => e.error_details))}`);
    }
    const ms = starts.map((s) => s.ms);
    return {
      started: n,
      completed,
      failed_starts: n - ok.length,
      start_latency_ms: {
        p50: Math.round(percentile(ms, 50)),
        p99: Math.round(percentile(ms, 99)),
        max: Math.round(Math.max(...ms)),
      },
      seconds: Number(seconds.toFixed(2)),
      runs_per_second: Number((completed / seconds).toFixed(2)),
      rss_mb_peak: peaks.processMb,
      rss_mb_peak_with_child_processes: peaks.withChildrenMb,
      cpu_ms_per_run: Math.round((cpu * 1000) / n),
      cpu_ms_per_run_by_thread: Object.fromEntries(byThread),
      starts_phase: {
        seconds: Number(startsSeconds.toFixed(2)),
        cpu_ms_per_start: startsByThread.reduce((sum, [, ms]) => sum + ms, 0),
        cpu_ms_per_start_by_thread: Object.fromEntries(startsByThread),
      },
      machine_reference_ms: reference,
    };
  } finally {
    service.close();
  }
}

/** Figures of {@link restartRecovery}. */
interface RestartFigures {
  runs: number;
  recoverable: number;
  continued: number;
  failed_at_step_and_retried: number;
  histories_answered: number;
  completed_by_events: number;
  api_workflow_starts_after_restart: boolean;
}

/**
 * `--data`: `n` runs wait on an event, local mode is killed (SIGKILL) and started again on the same folder. A run
 * is recoverable when it continued (still running) or failed at its step and a retry was accepted; then an event
 * per run must complete it.
 */
async function restartRecovery(n: number): Promise<RestartFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-bench-data-'));
  const args = ['--no-samples', '--data', dataDir];
  let steward = await startSteward(args);
  try {
    const created = await api<{ id: string }>('POST', '/workflows', {
      name: `Bench Restart ${Date.now()}`,
      description: 'bench/local.ts: waits for bench.go',
      version: '1.0.0',
      definition: {
        steps: [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template, resolved by Steward
          { name: 'wait_go', step_type: 'event_wait', event_type: 'bench.go', event_filter: { run: '${context.run}' } },
        ],
      },
    });
    if (created.status !== 201)
      throw new Error(`could not create the restart workflow: ${JSON.stringify(created.body)}`);
    const ids = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const s = await api<{ execution_id: string }>('POST', '/executions', {
          workflow_id: created.body.id,
          context: { run: `k${i}` },
        });
        return s.body.execution_id;
      }),
    );
    for (const id of ids) {
      await waitFor(
        async () => {
          const h = await api<{ entries?: Array<{ kind: string }> }>('GET', `/executions/${id}/history`);
          return h.body.entries?.some((e) => e.kind === 'TaskSubmitted') ? true : undefined;
        },
        60_000,
        100,
      );
    }
    const killed = new Promise((r) => steward.child.once('exit', r));
    steward.child.kill('SIGKILL');
    await killed;
    steward = await startSteward(args);
    let histories = 0;
    let continued = 0;
    let retried = 0;
    for (const id of ids) {
      if ((await api('GET', `/executions/${id}/history`)).status === 200) histories++;
      const e = await api<{ status: string; error_details?: { step?: string } }>('GET', `/executions/${id}`);
      if (e.body.status === 'running') continued++;
      else if (e.body.status === 'failed' && e.body.error_details?.step) {
        const retry = await api('POST', `/executions/${id}/steps/${e.body.error_details.step}/retry`);
        if (retry.status === 200) retried++;
      }
    }
    const again = await api('POST', '/executions', { workflow_id: created.body.id, context: { run: 'after' } });
    for (let i = 0; i < n; i++)
      await api('POST', '/events', { type: 'bench.go', source: 'bench', data: { run: `k${i}` } });
    let completed = 0;
    await waitFor(
      async () => {
        completed = await countRuns(created.body.id, 'completed');
        return completed >= n ? true : undefined;
      },
      60_000,
      250,
    ).catch(() => undefined);
    return {
      runs: n,
      recoverable: continued + retried,
      continued,
      failed_at_step_and_retried: retried,
      histories_answered: histories,
      completed_by_events: completed,
      api_workflow_starts_after_restart: again.status === 201,
    };
  } finally {
    await stopSteward(steward.child, false);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function printRestart(r: RestartFigures): void {
  console.log(
    `--data, SIGKILL with ${r.runs} runs waiting, restarted: ${r.recoverable} of ${r.runs} recoverable (${r.continued} continued, ${r.failed_at_step_and_retried} failed at their step and retried), ${r.histories_answered} histories answered, ${r.completed_by_events} completed by their events, API-created workflow starts: ${r.api_workflow_starts_after_restart}`,
  );
}

const LOAD_TARGETS = { start_p99_ms: 2_000, runs_per_second: 25, rss_mb: 1_024 };
const RESULTS = join(root, 'bench', 'results', 'local.json');

/** Puts one part's figures into bench/results/local.json, keeping the others (each says when it was measured). */
function mergeResults(part: Record<string, unknown>): void {
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>;
  } catch {
    // no results yet
  }
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ ...current, ...part }, null, 2)}\n`);
}

/** `name ms` pairs of a CPU breakdown, in the order given. */
const listed = (ms: Record<string, number>): string =>
  Object.entries(ms)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function printLoad(load: LoadFigures, label = 'first burst after start'): void {
  console.log(
    `${load.started} concurrent starts of a 2-step workflow (${label}): start p50 ${load.start_latency_ms.p50} ms, p99 ${load.start_latency_ms.p99} ms, max ${load.start_latency_ms.max} ms (target p99 ≤ 2000); ${load.completed} completed in ${load.seconds} s = ${load.runs_per_second} runs/s (target ≥ 25); peak RSS ${load.rss_mb_peak} MB (target ≤ 1024), ${load.rss_mb_peak_with_child_processes} MB with child processes; ${load.cpu_ms_per_run} ms of CPU per run (${listed(load.cpu_ms_per_run_by_thread)}); the starts answered within ${load.starts_phase.seconds} s, ${load.starts_phase.cpu_ms_per_start} ms of CPU a start meanwhile (${listed(load.starts_phase.cpu_ms_per_start_by_thread)}); machine reference ${load.machine_reference_ms} ms`,
  );
}

/** Starts local mode cold (no cached templates or bundles, as on a fresh clone), stops it, starts it warm. */
async function readyTimes(): Promise<{
  cold: Awaited<ReturnType<typeof startSteward>>;
  warm: Awaited<ReturnType<typeof startSteward>>;
}> {
  rmSync(join(root, '.steward', 'cache'), { recursive: true, force: true });
  rmSync(join(root, '.steward', 'build'), { recursive: true, force: true });
  const cold = await startSteward();
  await stopSteward(cold.child);
  return { cold, warm: await startSteward() };
}

/** Bursts a load run makes: the first and second are reported on their own, the rest as the sustained figures. */
const DEFAULT_BURSTS = 5;

/** The load figures of {@link loadBursts}. */
interface Bursts {
  first: LoadFigures;
  second: LoadFigures;
  /** Bursts three and later, in order. */
  later: LoadFigures[];
}

/**
 * `count` bursts of `n` starts, one after another, on a fresh local mode without the samples (the service is the
 * bench's own): the first right after "ready", when every function's code still runs unoptimized and loads what it
 * uses on first call; the second once the first has completed; the later ones show where a local mode in use
 * settles (V8 keeps optimizing for a few bursts) and whether its memory keeps growing with the data it holds. All
 * are reported, the first against the targets.
 */
async function loadBursts(n: number, count: number): Promise<Bursts> {
  const steward = await startSteward(['--no-samples']);
  try {
    const pid = steward.child.pid ?? 0;
    const first = await loadRuns(n, pid);
    printLoad(first);
    const second = await loadRuns(n, pid);
    printLoad(second, 'second burst, same local mode');
    const later: LoadFigures[] = [];
    for (let i = 3; i <= count; i++) {
      later.push(await loadRuns(n, pid));
      printLoad(later[later.length - 1] as LoadFigures, `burst ${i}, same local mode`);
    }
    return { first, second, later };
  } finally {
    await stopSteward(steward.child, false);
  }
}

/** Bursts three and later in one line each, and together: the slowest p99, the median rate, the peak memory. */
function sustained(later: LoadFigures[]) {
  if (later.length === 0) return undefined;
  return {
    bursts: later.length,
    runs: later.reduce((sum, b) => sum + b.completed, 0),
    start_p99_ms_max: Math.max(...later.map((b) => b.start_latency_ms.p99)),
    runs_per_second_median: Number(median(later.map((b) => b.runs_per_second)).toFixed(2)),
    cpu_ms_per_run_median: Math.round(median(later.map((b) => b.cpu_ms_per_run))),
    rss_mb_peak: Math.max(...later.map((b) => b.rss_mb_peak)),
    machine_reference_ms_median: Math.round(median(later.map((b) => b.machine_reference_ms))),
    per_burst: later.map((b) => ({
      start_p99_ms: b.start_latency_ms.p99,
      runs_per_second: b.runs_per_second,
      cpu_ms_per_run: b.cpu_ms_per_run,
      rss_mb_peak: b.rss_mb_peak,
      machine_reference_ms: b.machine_reference_ms,
    })),
  };
}

/** The load figures as local.json keeps them. */
const loadResults = (bursts: Bursts) => ({
  load_two_step: { ...bursts.first, targets: LOAD_TARGETS },
  load_two_step_second_burst: { ...bursts.second, targets: LOAD_TARGETS },
  load_two_step_sustained: { ...sustained(bursts.later), targets: LOAD_TARGETS },
});

/** `--bursts K` (default {@link DEFAULT_BURSTS}, at least 2). */
const burstCount = (): number => {
  const at = process.argv.indexOf('--bursts');
  return Math.max(2, at >= 0 ? Number(process.argv[at + 1]) || DEFAULT_BURSTS : DEFAULT_BURSTS);
};

async function main(): Promise<void> {
  if (process.argv.includes('--load')) {
    const n = Number(process.argv[process.argv.indexOf('--load') + 1]) || 200;
    const bursts = await loadBursts(n, burstCount());
    const later = sustained(bursts.later);
    if (later) {
      console.log(
        `bursts 3 to ${later.bursts + 2} (${later.runs} runs): p99 at most ${later.start_p99_ms_max} ms, median ${later.runs_per_second_median} runs/s, ${later.cpu_ms_per_run_median} ms of CPU per run, peak RSS ${later.rss_mb_peak} MB`,
      );
    }
    // A profiled run is several times slower: its figures are not the benchmark's.
    if (n === 200 && !process.env.STEWARD_BENCH_PROFILE)
      mergeResults({ load_measured_at: new Date().toISOString(), ...loadResults(bursts) });
    return;
  }
  if (process.argv.includes('--restart')) {
    const restart = await restartRecovery(20);
    printRestart(restart);
    mergeResults({ restart_with_data: { measured_at: new Date().toISOString(), ...restart } });
    return;
  }
  const { cold, warm } = await readyTimes();
  if (process.argv.includes('--ready')) {
    await stopSteward(warm.child);
    const ready = { ready_ms_cold: Math.round(cold.readyMs), ready_ms_warm: Math.round(warm.readyMs) };
    console.log(`npm start to ready: ${ready.ready_ms_cold} ms cold, ${ready.ready_ms_warm} ms warm (target ≤ 10000)`);
    mergeResults({ ...ready, ready_measured_at: new Date().toISOString() });
    return;
  }
  try {
    const seed: number[] = [];
    for (let i = 0; i < 5; i++) seed.push(await seedRun());
    const runs = await concurrentRuns(50);
    await stopSteward(warm.child);
    const bursts = await loadBursts(200, burstCount());
    const restart = await restartRecovery(20);
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
      ...loadResults(bursts),
      restart_with_data: restart,
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
    printRestart(restart);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'local.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    if (warm.child.exitCode === null && warm.child.signalCode === null) await stopSteward(warm.child);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * A run page's first requests, started the moment the page is opened rather than one after another as its parts
 * mount: the run at once (the execution id is in the URL), then the workflow's graph and the run's steps together as
 * soon as the run names its workflow and version. The parts then take the answer already on its way instead of asking
 * again. The steps wait for the run on purpose: the graph is the longest path either way, and the steps (the same
 * function as the run, 200 records for a long run) would only slow the run's own answer where one environment serves
 * both, as in local mode.
 */
type Query = Record<string, string | number | undefined>;

/** Reads one API path (the console's `api.get`). */
export type Getter = <T>(path: string, query?: Query) => Promise<T>;

/** What a run page's graph request needs from the run. */
export interface RunRef {
  workflow_id: string;
  workflow_version: string;
}

const keyOf = (path: string, query?: Query): string =>
  query
    ? `${path}?${Object.entries(query)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}=${v}`)
        .join('&')}`
    : path;

/** Requests started ahead of their readers; each answer is taken once, and only while it is fresh. */
export class Preloads {
  private readonly entries = new Map<string, { promise: Promise<unknown>; at: number }>();

  constructor(
    private readonly get: Getter,
    private readonly now: () => number = Date.now,
    /** An answer older than this is not handed out: the reader asks again. */
    private readonly maxAgeMs = 5_000,
  ) {}

  /** Starts reading `path` unless a fresh read of it is already under way; returns that read. */
  start<T>(path: string, query?: Query): Promise<T> {
    const key = keyOf(path, query);
    const held = this.entries.get(key);
    if (held && this.now() - held.at <= this.maxAgeMs) return held.promise as Promise<T>;
    // Answers nobody took (the page was left first) go once they are stale.
    for (const [k, e] of this.entries) if (this.now() - e.at > this.maxAgeMs) this.entries.delete(k);
    const promise = this.get<T>(path, query);
    // Nobody may take it (the reader unmounted first): a failure must not become an unhandled rejection.
    promise.catch(() => {});
    this.entries.set(key, { promise, at: this.now() });
    return promise;
  }

  /** The read started ahead for `path`, once; otherwise `read()` (every poll after the first). */
  take<T>(path: string, query: Query | undefined, read: () => Promise<T>): Promise<T> {
    const key = keyOf(path, query);
    const held = this.entries.get(key);
    this.entries.delete(key);
    return held && this.now() - held.at <= this.maxAgeMs ? (held.promise as Promise<T>) : read();
  }
}

/** The paths a run page reads first. */
export const runPaths = {
  run: (id: string): string => `/executions/${encodeURIComponent(id)}`,
  steps: (id: string): string => `/executions/${encodeURIComponent(id)}/steps`,
  graph: (run: RunRef): [string, Query] => [
    `/workflows/${encodeURIComponent(run.workflow_id)}/graph`,
    { version: run.workflow_version },
  ],
};

/** Starts a run page's first three reads: the run now, its graph and steps when it arrives. */
export function preloadRun(preloads: Preloads, id: string): void {
  preloads
    .start<RunRef>(runPaths.run(id))
    .then((r) => {
      preloads.start(...runPaths.graph(r));
      preloads.start(runPaths.steps(id));
    })
    .catch(() => {});
}

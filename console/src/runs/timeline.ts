/**
 * A run's timeline as Gantt rows: one row per step with its span and each attempt inside it, on a time axis from the
 * run's start to its end (or now, while it runs). Sorting once makes it O(n log n) in the number of steps.
 */

/** A step record's timing facts. */
export interface TimelineStep {
  step: string;
  status: string;
  started_at?: string | undefined;
  completed_at?: string | undefined;
  attempts?: number | undefined;
}

/** One attempt, as the run's history lists it (`step_attempt` entries). */
export interface TimelineAttempt {
  step: string;
  attempt: number;
  status: string;
  at: string;
  duration_ms?: number | undefined;
}

/** One bar segment: offsets in milliseconds from the axis start. */
export interface Span {
  from: number;
  to: number;
}

/** One row of the chart. */
export interface TimelineRow extends Span {
  step: string;
  status: string;
  /** Still going: the bar ends at "now". */
  open: boolean;
  attempts: Array<Span & { attempt: number; status: string }>;
  /** Attempts the step record counts (history pages may not all be loaded). */
  attemptCount: number;
}

/** A labelled tick of the time axis. */
export interface Tick {
  at: number;
  label: string;
}

/** The chart: rows, axis length and ticks. */
export interface Timeline {
  /** Epoch milliseconds of the axis start (the run's start). */
  origin: number;
  /** Axis length in milliseconds (at least 1). */
  length: number;
  rows: TimelineRow[];
  ticks: Tick[];
}

const time = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

/**
 * Builds the timeline of a run. `now` ends the bars of steps still running (and the axis of a run still going).
 * Steps that never started have no row.
 */
export function buildTimeline(
  run: { started_at: string; completed_at?: string | undefined },
  steps: readonly TimelineStep[],
  attempts: readonly TimelineAttempt[],
  now: number,
): Timeline {
  const started = steps.filter((s) => time(s.started_at) !== undefined);
  const runStart = time(run.started_at) ?? now;
  const origin = Math.min(runStart, ...started.map((s) => time(s.started_at)!));
  const runEnd = time(run.completed_at);
  const byStep = new Map<string, TimelineAttempt[]>();
  for (const a of attempts) {
    const list = byStep.get(a.step);
    if (list) list.push(a);
    else byStep.set(a.step, [a]);
  }
  let end = runEnd ?? now;
  const rows: TimelineRow[] = started.map((s) => {
    const from = time(s.started_at)! - origin;
    const done = time(s.completed_at);
    const open = done === undefined && (s.status === 'running' || s.status === 'waiting');
    const stop = done ?? (open ? (runEnd ?? now) : time(s.started_at)!);
    end = Math.max(end, stop);
    const own = (byStep.get(s.step) ?? []).slice().sort((a, b) => a.attempt - b.attempt);
    return {
      step: s.step,
      status: s.status,
      from,
      to: Math.max(from, stop - origin),
      open,
      attemptCount: Math.max(s.attempts ?? 0, own.length),
      attempts: own.map((a) => {
        const at = (time(a.at) ?? origin) - origin;
        const to = a.duration_ms !== undefined ? at + a.duration_ms : at;
        return { attempt: a.attempt, status: a.status, from: at, to };
      }),
    };
  });
  rows.sort((a, b) => a.from - b.from || a.step.localeCompare(b.step));
  const length = Math.max(1, end - origin);
  return { origin, length, rows, ticks: ticks(length) };
}

const STEPS = [1, 2, 5];

/** About six ticks at a round interval (1, 2 or 5 × a power of ten milliseconds). */
export function ticks(length: number, want = 6): Tick[] {
  const raw = length / want;
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const interval = (STEPS.find((s) => s * power >= raw) ?? 10) * power;
  const out: Tick[] = [];
  for (let at = 0; at <= length + 1e-9; at += interval) out.push({ at, label: formatDuration(at) });
  return out;
}

/** A duration in the largest unit that keeps it short: 850 ms, 1.5 s, 2 min 5 s, 1 h 3 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(s < 10 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  const m = Math.floor(s / 60);
  if (m < 60) {
    const rest = Math.round(s - m * 60);
    return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
  }
  const h = Math.floor(m / 60);
  const rest = m - h * 60;
  return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
}

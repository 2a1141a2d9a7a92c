/**
 * Maps Step Functions' execution history (GetExecutionHistory events) and Steward's step attempt records to one
 * readable list of entries, ordered by time.
 */

/** The parts of a Step Functions history event the mapping reads (structurally typed: no SDK import here). */
export interface SfnHistoryEvent {
  timestamp?: Date | string;
  type?: string;
  id?: number;
  previousEventId?: number;
  [details: string]: unknown;
}

/** A step attempt as the step runner records it. */
export interface AttemptRecord {
  step: string;
  attempt: number;
  status: string;
  started_at: string;
  completed_at?: string;
  duration_ms?: number;
  error?: unknown;
}

/** One readable history entry. */
export interface HistoryEntry {
  at: string;
  source: 'step_functions' | 'steward';
  /** `ExecutionStarted`, `TaskStateEntered`, … or `step_attempt`. */
  kind: string;
  /** The state or step the entry is about. */
  state?: string;
  event_id?: number;
  attempt?: number;
  status?: string;
  duration_ms?: number;
  error?: string;
  cause?: string;
}

const toIso = (t: Date | string | undefined): string =>
  t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : new Date(0).toISOString();

function detailsOf(event: SfnHistoryEvent): Record<string, unknown> | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as Record<string, unknown>;
  }
  return undefined;
}

/** Maps one Step Functions history event to an entry: state name, error and cause when the event has them. */
export function mapSfnEvent(event: SfnHistoryEvent): HistoryEntry {
  const details = detailsOf(event);
  const entry: HistoryEntry = { at: toIso(event.timestamp), source: 'step_functions', kind: event.type ?? 'Unknown' };
  if (event.id !== undefined) entry.event_id = event.id;
  if (typeof details?.name === 'string') entry.state = details.name;
  if (typeof details?.error === 'string') entry.error = details.error;
  if (typeof details?.cause === 'string') entry.cause = details.cause;
  return entry;
}

/** Maps a step attempt record to an entry. */
export function mapAttempt(attempt: AttemptRecord): HistoryEntry {
  const entry: HistoryEntry = {
    at: attempt.started_at,
    source: 'steward',
    kind: 'step_attempt',
    state: attempt.step,
    attempt: attempt.attempt,
    status: attempt.status,
  };
  if (attempt.duration_ms !== undefined) entry.duration_ms = attempt.duration_ms;
  if (attempt.error !== undefined) {
    const e = attempt.error as { name?: unknown; message?: unknown; error?: unknown };
    entry.error = String(e.name ?? e.error ?? (typeof attempt.error === 'string' ? attempt.error : 'error'));
    if (typeof e.message === 'string') entry.cause = e.message;
  }
  return entry;
}

/** Merges both sources into one list ordered by time (stable: Step Functions first on equal times). */
export function mergeHistory(sfn: readonly SfnHistoryEvent[], attempts: readonly AttemptRecord[]): HistoryEntry[] {
  const entries = [...sfn.map(mapSfnEvent), ...attempts.map(mapAttempt)];
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.at < b.e.at ? -1 : a.e.at > b.e.at ? 1 : a.i - b.i))
    .map(({ e }) => e);
}

/**
 * The step a failed run failed at, from its history: the state of the last `TaskFailed`/`LambdaFunctionFailed`
 * (or any failed event), read from the `TaskStateEntered` it belongs to. Events are given oldest first.
 */
export function failedStepFromHistory(events: readonly SfnHistoryEvent[]): string | undefined {
  let lastEntered: string | undefined;
  let failedAt: string | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    const details = detailsOf(event);
    if (type.endsWith('StateEntered') && typeof details?.name === 'string') lastEntered = details.name;
    if (type !== 'ExecutionFailed' && type.endsWith('Failed') && lastEntered) failedAt = lastEntered;
  }
  return failedAt;
}

/** One event of GetExecutionHistory, in the AWS shape (`type`, `id`, `previousEventId`, `<type>EventDetails`). */
export interface HistoryEvent {
  timestamp: number;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** The history event that closes an execution, by the status it closes in (a later `ExecutionRedriven` opens it again). */
export const CLOSING_EVENT = {
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
} as const;

const CLOSED_IN = new Map(Object.entries(CLOSING_EVENT).map(([status, type]) => [type as string, status]));

/** The status an event of this type closes an execution in, or undefined when it closes none. */
export const closingStatus = (type: string): keyof typeof CLOSING_EVENT | undefined =>
  CLOSED_IN.get(type) as keyof typeof CLOSING_EVENT | undefined;

/**
 * Whether a history takes an event of `type`, `closed` saying whether it holds its closing event: a closed one takes
 * only `ExecutionRedriven` (which opens the execution again), as on AWS, where nothing follows
 * `ExecutionAborted`/`ExecutionFailed`/… but a redrive.
 */
export const takesEvent = (closed: boolean, type: string): boolean => !closed || type === 'ExecutionRedriven';

/** Whether an execution is closed after an event of `type` it took, `closed` saying whether it was before. */
export const closedAfter = (closed: boolean, type: string): boolean =>
  closingStatus(type) !== undefined || (closed && type !== 'ExecutionRedriven');

/** Whether these events leave the execution closed (a closing event not followed by `ExecutionRedriven`). */
export const closes = (events: readonly HistoryEvent[]): boolean =>
  events.reduce((closed, event) => closedAfter(closed, event.type), false);

/**
 * Appends AWS-shaped history events with ids in order. Once the execution's closing event is recorded, nothing more
 * is (neither here nor in the journal) until a redrive's `ExecutionRedriven`: a task that was in flight when the run
 * was stopped, or a token answered just before the stop, ends after the execution did and leaves no trace.
 */
export class HistoryRecorder {
  private closed: boolean;

  /**
   * @param events the history so far (an execution restored from the data folder)
   * @param onEvent sees every event pushed (the data folder's journal)
   */
  constructor(
    readonly events: HistoryEvent[] = [],
    private readonly onEvent?: (event: HistoryEvent) => void,
  ) {
    this.closed = closes(events);
  }

  /**
   * Records an event, unless the execution is closed (see the class comment); says whether it was recorded.
   * `details` lands under `<camelCaseType>EventDetails` (e.g. `taskScheduledEventDetails`), the key the SDK
   * deserializes for that type.
   */
  push(type: string, details?: Record<string, unknown>, detailsKey?: string): boolean {
    if (!takesEvent(this.closed, type)) return false;
    this.closed = closedAfter(this.closed, type);
    const id = this.events.length + 1;
    const event: HistoryEvent = { timestamp: Date.now() / 1000, type, id, previousEventId: id - 1 };
    if (details) event[detailsKey ?? `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`] = details;
    this.events.push(event);
    this.onEvent?.(event);
    return true;
  }
}

/** `TaskStateEntered` → `stateEnteredEventDetails`; the details key of the state events. */
export function stateEventType(stateType: string, suffix: 'Entered' | 'Exited'): { type: string; key: string } {
  return {
    type: `${stateType}State${suffix}`,
    key: suffix === 'Entered' ? 'stateEnteredEventDetails' : 'stateExitedEventDetails',
  };
}

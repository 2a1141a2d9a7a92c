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

/** Appends AWS-shaped history events with ids in order. */
export class HistoryRecorder {
  /**
   * @param events the history so far (an execution restored from the data folder)
   * @param onEvent sees every event pushed (the data folder's journal)
   */
  constructor(
    readonly events: HistoryEvent[] = [],
    private readonly onEvent?: (event: HistoryEvent) => void,
  ) {}

  /**
   * Records an event. `details` lands under `<camelCaseType>EventDetails` (e.g. `taskScheduledEventDetails`), the
   * key the SDK deserializes for that type.
   */
  push(type: string, details?: Record<string, unknown>, detailsKey?: string): void {
    const id = this.events.length + 1;
    const event: HistoryEvent = { timestamp: Date.now() / 1000, type, id, previousEventId: id - 1 };
    if (details) event[detailsKey ?? `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`] = details;
    this.events.push(event);
    this.onEvent?.(event);
  }
}

/** `TaskStateEntered` → `stateEnteredEventDetails`; the details key of the state events. */
export function stateEventType(stateType: string, suffix: 'Entered' | 'Exited'): { type: string; key: string } {
  return {
    type: `${stateType}State${suffix}`,
    key: suffix === 'Entered' ? 'stateEnteredEventDetails' : 'stateExitedEventDetails',
  };
}

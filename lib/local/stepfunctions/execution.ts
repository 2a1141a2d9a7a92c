import { StateMachine } from 'aws-local-stepfunctions';
import { type AslDefinition, allStates, prepareDefinition } from './definition.ts';
import { CLOSING_EVENT, type HistoryRecorder, stateEventType } from './history.ts';
import { type ResumedWait, type TaskDeps, taskHandler } from './tasks.ts';

/** Execution statuses, as Step Functions reports them. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One execution and everything DescribeExecution / GetExecutionHistory / RedriveExecution need. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  stateMachineName: string;
  name: string;
  roleArn: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: Date;
  /** StateEntered events so far (all runs, redrives included): Standard workflows bill per transition. */
  transitions: number;
  history: HistoryRecorder;
  /** The definition this execution runs (the version's, when started on a version or alias). */
  definition: AslDefinition;
  /** The last top-level state entered and its input: where a redrive starts. */
  lastTopLevel?: { name: string; input: unknown };
  abort?: () => void;
  /** Settles when the current run ends. */
  done: Promise<void>;
}

/** Engine-wide settings. */
export interface EngineOptions extends TaskDeps {
  /** Wait states (`Seconds`) and Retry intervals run this many times faster. @default 1 */
  speed: number;
  /** Called on every status change with the EventBridge entry of "Step Functions Execution Status Change". */
  onStatusChange(record: ExecutionRecord): void;
  /** Keeps each new task token of an execution (the data folder's journal). */
  recordToken?: (executionArn: string, token: string, state: string) => void;
}

/**
 * Where a run (re)starts: a redrive from the last top-level state, or a run continued after local mode restarted.
 * `continues` says the state was already entered (its StateEntered is in the history, not recorded twice);
 * `resumed` waits on the token the state had handed out; `waitMs` is what remains of a Wait state's time.
 */
export interface RunStart {
  startAt: string;
  input: unknown;
  continues?: boolean;
  resumed?: ResumedWait;
  waitMs?: number;
}

const TOKEN_PLACEHOLDER = 'steward-local:task-token';

/**
 * Runs (or redrives) an execution on aws-local-stepfunctions. `startAt`/`input` override where the run begins
 * (redrive). Resolves when the run has ended and the record holds its final status.
 */
export function runExecution(record: ExecutionRecord, engine: EngineOptions, from?: RunStart): Promise<void> {
  const original = record.definition;
  const definition = prepareDefinition(original);
  if (from) definition.StartAt = from.startAt;
  const topLevel = new Set(Object.keys(original.States));
  const placeholder = `${TOKEN_PLACEHOLDER}:${record.executionArn}`;
  const scope = {
    executionArn: record.executionArn,
    tokenPlaceholder: placeholder,
    history: record.history,
    speed: engine.speed,
    recordToken: engine.recordToken
      ? (token: string, state: string) => engine.recordToken?.(record.executionArn, token, state)
      : undefined,
  };
  const overrides = buildOverrides(original, engine, scope, from);
  // Validated at CreateStateMachine; a redrive's StartAt may leave earlier states unreachable, which is fine here.
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  const input = from ? from.input : JSON.parse(record.input);
  const run = machine.run(input, {
    overrides: overrides as never,
    context: {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        RoleArn: record.roleArn,
        RedriveCount: record.redriveCount,
      },
      StateMachine: { Id: record.stateMachineArn, Name: record.stateMachineName },
      Task: { Token: placeholder },
    },
  });
  record.abort = run.abort;
  const consumed = consumeEvents(run.eventLogs, record, topLevel, from?.continues ? from.startAt : undefined);
  return (async () => {
    let outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string };
    try {
      const output = await run.result;
      outcome = { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) };
    } catch (error) {
      outcome = outcomeOf(error);
    }
    await consumed;
    engine.tokens.cancelExecution(record.executionArn);
    if (record.status !== 'RUNNING') return; // StopExecution already recorded ABORTED
    finish(record, outcome);
    engine.onStatusChange(record);
  })();
}

function outcomeOf(error: unknown): { status: ExecutionStatus; error?: string; cause?: string } {
  const err = error as Error & { cause?: { name?: string; message?: string; cause?: unknown } };
  if (err?.name === 'ExecutionTimeoutError')
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'Execution timed out' };
  if (err?.name === 'ExecutionAbortedError') return { status: 'ABORTED' };
  const inner = err?.cause;
  const cause = inner?.cause !== undefined && typeof inner.cause === 'string' ? inner.cause : inner?.message;
  return { status: 'FAILED', error: inner?.name ?? 'States.Runtime', cause: cause ?? err?.message };
}

/** Records a terminal status and its history event. */
export function finish(
  record: ExecutionRecord,
  outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string },
): void {
  record.status = outcome.status;
  record.stopDate = new Date();
  record.output = outcome.output;
  record.error = outcome.error;
  record.cause = outcome.cause;
  if (outcome.status === 'RUNNING') return;
  record.history.push(
    CLOSING_EVENT[outcome.status],
    outcome.status === 'SUCCEEDED' ? { output: outcome.output } : { error: outcome.error, cause: outcome.cause },
  );
}

function buildOverrides(
  definition: AslDefinition,
  engine: EngineOptions,
  scope: Parameters<typeof taskHandler>[3],
  from: RunStart | undefined,
): Record<string, Record<string, unknown>> {
  const taskResourceLocalHandlers: Record<string, unknown> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number[]> = {};
  for (const [name, state] of allStates(definition)) {
    // Overrides are keyed by state name (a library constraint): the first Task of a name wins.
    if (state.Type === 'Task' && !(name in taskResourceLocalHandlers)) {
      taskResourceLocalHandlers[name] = taskHandler(name, state, engine, scope, from?.resumed);
    }
    if (engine.speed !== 1 && state.Type === 'Wait' && typeof state.Seconds === 'number') {
      waitTimeOverrides[name] = (state.Seconds * 1000) / engine.speed;
    }
    if (engine.speed !== 1 && Array.isArray(state.Retry)) {
      retryIntervalOverrides[name] = state.Retry.map((r) => ((r.IntervalSeconds ?? 1) * 1000) / engine.speed);
    }
  }
  if (from?.waitMs !== undefined) {
    // The library reads a Wait state's override each time the state runs: the continued wait gets what remained of
    // its time once, later visits (loops) the state's own time again.
    const later = waitTimeOverrides[from.startAt];
    let remaining: number | undefined = from.waitMs;
    Object.defineProperty(waitTimeOverrides, from.startAt, {
      enumerable: true,
      get: () => {
        const value = remaining ?? later;
        remaining = undefined;
        return value;
      },
    });
  }
  return { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides };
}

type LibraryEvent = {
  type: string;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  index?: number;
  parentState?: { name: string };
  Error?: string;
  Cause?: unknown;
};

async function consumeEvents(
  events: AsyncGenerator<unknown>,
  record: ExecutionRecord,
  topLevel: Set<string>,
  alreadyEntered?: string,
): Promise<void> {
  const h = record.history;
  let skip = alreadyEntered;
  for await (const raw of events) {
    const event = raw as LibraryEvent;
    if (event.type === 'StateEntered' && skip !== undefined) {
      const continued = event.state?.name === skip;
      skip = undefined;
      // A continued state: its StateEntered was recorded before local mode stopped.
      if (continued) continue;
    }
    if (event.type === 'StateEntered' && event.state) {
      record.transitions++;
      if (topLevel.has(event.state.name)) record.lastTopLevel = { name: event.state.name, input: event.state.input };
      const { type, key } = stateEventType(event.state.type, 'Entered');
      h.push(type, { name: event.state.name, input: JSON.stringify(event.state.input ?? null) }, key);
    } else if (event.type === 'StateExited' && event.state) {
      const { type, key } = stateEventType(event.state.type, 'Exited');
      h.push(type, { name: event.state.name, output: JSON.stringify(event.state.output ?? null) }, key);
    } else if (event.type.startsWith('MapIteration') && event.parentState) {
      h.push(event.type, { name: event.parentState.name, index: event.index ?? 0 });
    }
  }
}

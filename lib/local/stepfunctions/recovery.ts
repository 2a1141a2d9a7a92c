/**
 * Executions read back from the data folder: the record rebuilt from its history, and, for a run that was still
 * running when local mode stopped, where it continues.
 */
import { type AslDefinition, type AslState, NO_TASK_TIMEOUT_SECONDS } from './definition.ts';
import type { ExecutionRecord } from './execution.ts';
import { closingStatus, type HistoryEvent, HistoryRecorder } from './history.ts';
import type { StoredExecution, StoredToken } from './store.ts';

/** Error of runs that could not continue after a restart. */
export const LOCAL_MODE_STOPPED = 'Steward.LocalModeStopped';

const detailsOf = (event: HistoryEvent): Record<string, unknown> => {
  const key = Object.keys(event).find((k) => k.endsWith('EventDetails'));
  return ((key ? event[key] : undefined) ?? {}) as Record<string, unknown>;
};

const parse = (text: unknown): unknown => {
  try {
    return JSON.parse(String(text));
  } catch {
    return null;
  }
};

/**
 * The record of a stored execution: status, output, redrive count and where a redrive starts are replayed from the
 * history events, as they were set while it ran.
 */
export function restoreRecord(
  stored: StoredExecution,
  onEvent: (event: HistoryEvent) => void,
): Omit<ExecutionRecord, 'done'> {
  const definition = JSON.parse(stored.definition) as AslDefinition;
  const topLevel = new Set(Object.keys(definition.States));
  const s = stored.start;
  const record: Omit<ExecutionRecord, 'done'> = {
    executionArn: s.executionArn,
    stateMachineArn: s.stateMachineArn,
    stateMachineVersionArn: s.stateMachineVersionArn,
    stateMachineAliasArn: s.stateMachineAliasArn,
    stateMachineName: s.stateMachineName,
    name: s.name,
    roleArn: s.roleArn,
    status: 'RUNNING',
    startDate: new Date(s.startDate),
    input: s.input,
    redriveCount: 0,
    transitions: 0,
    history: new HistoryRecorder(stored.events, onEvent),
    definition,
  };
  for (const event of stored.events) {
    const d = detailsOf(event);
    const at = new Date(event.timestamp * 1000);
    const end = (status: ExecutionRecord['status']): void => {
      record.status = status;
      record.stopDate = at;
      record.output = d.output === undefined ? undefined : String(d.output);
      record.error = d.error === undefined ? undefined : String(d.error);
      record.cause = d.cause === undefined ? undefined : String(d.cause);
    };
    const closing = closingStatus(event.type);
    if (event.type.endsWith('StateEntered')) {
      record.transitions++;
      if (typeof d.name === 'string' && topLevel.has(d.name))
        record.lastTopLevel = { name: d.name, input: parse(d.input) };
    } else if (closing) end(closing);
    else if (event.type === 'ExecutionRedriven') {
      record.status = 'RUNNING';
      record.redriveCount = Number(d.redriveCount ?? record.redriveCount + 1);
      record.redriveDate = at;
      record.stopDate = record.output = record.error = record.cause = undefined;
    }
  }
  return record;
}

/** How a run that was running when local mode stopped goes on. */
export type RecoveryPlan =
  | {
      kind: 'continue';
      startAt: string;
      input: unknown;
      /** The state was entered before the stop (its StateEntered is not recorded again). */
      continues: boolean;
      /** A callback task waiting on this token. */
      token?: { token: string; timeoutMs: number; heartbeatMs?: number };
      /** What remains of a Wait state's time. */
      waitMs?: number;
    }
  | { kind: 'succeed'; output: string }
  | { kind: 'fail'; state?: string; stateType?: string; resource?: Record<string, unknown> };

/** States with no effect outside the run: entering them again changes nothing. */
const PURE = new Set(['Pass', 'Choice', 'Succeed', 'Fail']);

/**
 * Where a running execution continues, from its history: nothing entered yet → from the start (or the redrive's
 * state); between two top-level states → the next one; a callback task whose function had handed out its token →
 * waiting on that token again; a Wait state → the rest of its time; a Pass or Choice → that state again. Anything
 * else (a function call in flight, a Map or Parallel inside) may have had effects the history does not show, so the
 * run fails at that state, redrivable.
 */
export function planRecovery(
  record: Pick<ExecutionRecord, 'definition' | 'input' | 'lastTopLevel' | 'redriveCount'>,
  events: readonly HistoryEvent[],
  tokens: readonly StoredToken[],
  speed: number,
  now: number,
): RecoveryPlan {
  const definition = record.definition;
  const topLevel = definition.States;
  let runStart = 0;
  events.forEach((e, i) => {
    if (e.type === 'ExecutionStarted' || e.type === 'ExecutionRedriven') runStart = i;
  });
  let current: { name: string; state: AslState; entered: HistoryEvent; index: number } | undefined;
  let exited: HistoryEvent | undefined;
  let nested = false;
  let scheduled: HistoryEvent | undefined;
  let submitted = false;
  for (let i = runStart + 1; i < events.length; i++) {
    const e = events[i] as HistoryEvent;
    const d = detailsOf(e);
    const name = typeof d.name === 'string' ? d.name : undefined;
    if (e.type.endsWith('StateEntered')) {
      const state = name === undefined ? undefined : topLevel[name];
      if (name !== undefined && state) {
        current = { name, state, entered: e, index: i };
        exited = undefined;
        nested = false;
        scheduled = undefined;
        submitted = false;
      } else nested = true;
    } else if (e.type.endsWith('StateExited') && current && name === current.name) exited = e;
    else if (e.type === 'TaskScheduled') {
      scheduled = e;
      submitted = false;
    } else if (e.type === 'TaskSubmitted') submitted = true;
    else if (['TaskSucceeded', 'TaskFailed', 'TaskTimedOut'].includes(e.type)) submitted = false;
  }
  if (!current) {
    if (record.redriveCount > 0 && record.lastTopLevel)
      return {
        kind: 'continue',
        startAt: record.lastTopLevel.name,
        input: record.lastTopLevel.input,
        continues: false,
      };
    return { kind: 'continue', startAt: definition.StartAt, input: parse(record.input), continues: false };
  }
  const { name, state } = current;
  const enteredInput = parse(detailsOf(current.entered).input);
  if (exited) {
    const output = detailsOf(exited).output;
    if (typeof state.Next === 'string' && state.Next in topLevel)
      return { kind: 'continue', startAt: state.Next, input: parse(output), continues: false };
    if (state.End === true) return { kind: 'succeed', output: String(output ?? 'null') };
    return { kind: 'fail', state: name, stateType: state.Type };
  }
  if (nested) return { kind: 'fail', state: name, stateType: state.Type };
  if (PURE.has(state.Type)) return { kind: 'continue', startAt: name, input: enteredInput, continues: true };
  if (state.Type === 'Wait') {
    const waitMs =
      typeof state.Seconds === 'number'
        ? Math.max(0, (state.Seconds * 1000) / speed - (now - current.entered.timestamp * 1000))
        : undefined;
    return { kind: 'continue', startAt: name, input: enteredInput, continues: true, waitMs };
  }
  const token = tokens.filter((t) => t.state === name).at(-1);
  if (
    state.Type === 'Task' &&
    String(state.Resource).endsWith('.waitForTaskToken') &&
    submitted &&
    token &&
    scheduled
  ) {
    const timeoutSeconds = state.TimeoutSeconds ?? NO_TASK_TIMEOUT_SECONDS;
    return {
      kind: 'continue',
      startAt: name,
      input: enteredInput,
      continues: true,
      token: {
        token: token.token,
        timeoutMs: Math.max(0, (timeoutSeconds * 1000) / speed - (now - scheduled.timestamp * 1000)),
        heartbeatMs: state.HeartbeatSeconds === undefined ? undefined : (state.HeartbeatSeconds * 1000) / speed,
      },
    };
  }
  const resource = scheduled ? detailsOf(scheduled) : undefined;
  return {
    kind: 'fail',
    state: name,
    stateType: state.Type,
    resource: resource ? { resourceType: resource.resourceType, resource: resource.resource } : undefined,
  };
}

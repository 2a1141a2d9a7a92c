/** Where a run that was running when local mode stopped continues, read from its history (a table of cases). */
import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../lib/local/stepfunctions/definition.ts';
import type { HistoryEvent } from '../../../lib/local/stepfunctions/history.ts';
import { planRecovery } from '../../../lib/local/stepfunctions/recovery.ts';

const definition: AslDefinition = {
  StartAt: 'prepare',
  States: {
    prepare: { Type: 'Pass', Next: 'call' },
    call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'wait_event' },
    wait_event: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 100,
      Next: 'nap',
    },
    nap: { Type: 'Wait', Seconds: 60, Next: 'fan' },
    fan: {
      Type: 'Map',
      ItemProcessor: { StartAt: 'inner', States: { inner: { Type: 'Pass', End: true } } },
      End: true,
    },
  },
};

const T0 = 1_800_000_000; // seconds
let id = 0;
const ev = (type: string, at: number, details?: Record<string, unknown>): HistoryEvent => {
  id++;
  const key = type.endsWith('StateEntered')
    ? 'stateEnteredEventDetails'
    : type.endsWith('StateExited')
      ? 'stateExitedEventDetails'
      : `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  return { timestamp: T0 + at, type, id, previousEventId: id - 1, ...(details ? { [key]: details } : {}) };
};
const started = ev('ExecutionStarted', 0, { input: '{"a":1}' });
const entered = (type: string, name: string, at: number, input = '{"x":1}') =>
  ev(`${type}StateEntered`, at, { name, input });
const exited = (type: string, name: string, at: number, output = '{"y":2}') =>
  ev(`${type}StateExited`, at, { name, output });
const record = { definition, input: '{"a":1}', redriveCount: 0, lastTopLevel: undefined };
const plan = (events: HistoryEvent[], tokens: Array<{ token: string; state: string; at: number }> = [], now = 0) =>
  planRecovery(record, events, tokens, 1, (T0 + now) * 1000);

describe('planRecovery', () => {
  it.each([
    [
      'nothing entered: from the start with the input',
      [started],
      { kind: 'continue', startAt: 'prepare', input: { a: 1 }, continues: false },
    ],
    [
      'between two states: the next one, with the last output',
      [started, entered('Pass', 'prepare', 1), exited('Pass', 'prepare', 1)],
      { kind: 'continue', startAt: 'call', input: { y: 2 }, continues: false },
    ],
    [
      'in a Pass state: that state again',
      [started, entered('Pass', 'prepare', 1)],
      { kind: 'continue', startAt: 'prepare', input: { x: 1 }, continues: true },
    ],
    [
      'a function call in flight: fails at that state',
      [started, entered('Task', 'call', 1), ev('TaskScheduled', 1, { resourceType: 'lambda', resource: 'invoke' })],
      { kind: 'fail', state: 'call', stateType: 'Task', resource: { resourceType: 'lambda', resource: 'invoke' } },
    ],
    [
      'inside a Map: fails at the Map',
      [started, entered('Map', 'fan', 1), entered('Pass', 'inner', 1)],
      { kind: 'fail', state: 'fan', stateType: 'Map' },
    ],
  ] as const)('%s', (_name, events, expected) => {
    expect(plan([...events])).toEqual(expected);
  });

  it('a callback task that handed out its token waits on it again, for what remains of its timeout', () => {
    const events = [
      started,
      entered('Task', 'wait_event', 10),
      ev('TaskScheduled', 10, { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' }),
      ev('TaskStarted', 10),
      ev('TaskSubmitted', 11, { output: '{}' }),
    ];
    const tokens = [{ token: 'tok-1', state: 'wait_event', at: (T0 + 10) * 1000 }];

    expect(plan(events, tokens, 40)).toEqual({
      kind: 'continue',
      startAt: 'wait_event',
      input: { x: 1 },
      continues: true,
      token: { token: 'tok-1', timeoutMs: 70_000, heartbeatMs: undefined },
    });
    // Before the function had handed the token on, the wait cannot be trusted: it fails at the step.
    expect(plan(events.slice(0, 4), tokens, 40)).toMatchObject({ kind: 'fail', state: 'wait_event' });
  });

  it('a Wait state waits for the rest of its time', () => {
    expect(plan([started, entered('Wait', 'nap', 100)], [], 145)).toEqual({
      kind: 'continue',
      startAt: 'nap',
      input: { x: 1 },
      continues: true,
      waitMs: 15_000,
    });
  });

  it('a last state that had ended: the run succeeds with its output', () => {
    expect(plan([started, entered('Map', 'fan', 1), exited('Map', 'fan', 2, '[1]')])).toEqual({
      kind: 'succeed',
      output: '[1]',
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  checkCommand,
  decideStart,
  type ExecutionCommand,
  type ExecutionStatus,
  factEffect,
  failedStepFromHistory,
  mergeHistory,
  requestHash,
  type SfnStatus,
  stateMachineName,
  uuidv5,
} from '../../lib/core/execution/index.ts';

const S: ExecutionStatus[] = ['created', 'running', 'paused', 'failed', 'completed', 'cancelled'];

// The seed's diagram: which user command is legal from which status, and where it leads.
const LEGAL: Record<ExecutionCommand, Partial<Record<ExecutionStatus, ExecutionStatus>>> = {
  start: { created: 'running' },
  pause: { running: 'paused' },
  resume: { paused: 'running' },
  cancel: { created: 'cancelled', running: 'cancelled', paused: 'cancelled', failed: 'cancelled' },
  retry: { failed: 'running' },
};

describe('user commands against the seed state diagram', () => {
  const cases = (Object.keys(LEGAL) as ExecutionCommand[]).flatMap((c) => S.map((s) => [c, s, LEGAL[c][s]] as const));
  it.each(cases)('%s from %s → %s', (command, from, to) => {
    const check = checkCommand(command, from);

    if (to === undefined) {
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).toContain(from);
    } else {
      expect(check).toMatchObject({ ok: true, to });
    }
  });
});

// Facts observed from Step Functions: [current status, fact] → new status (undefined: no change).
const FACTS: Array<[ExecutionStatus, SfnStatus, ExecutionStatus | undefined]> = [
  ['created', 'RUNNING', 'running'],
  ['running', 'RUNNING', undefined],
  ['paused', 'RUNNING', undefined],
  ['failed', 'RUNNING', 'running'],
  ['running', 'SUCCEEDED', 'completed'],
  ['paused', 'SUCCEEDED', 'completed'],
  ['created', 'SUCCEEDED', 'completed'],
  ['running', 'FAILED', 'failed'],
  ['paused', 'TIMED_OUT', 'failed'],
  ['failed', 'FAILED', undefined],
  ['running', 'ABORTED', 'cancelled'],
  ['failed', 'ABORTED', 'cancelled'],
  ['completed', 'FAILED', undefined],
  ['completed', 'ABORTED', undefined],
  ['cancelled', 'SUCCEEDED', undefined],
  ['cancelled', 'RUNNING', undefined],
];

describe('observed facts', () => {
  it.each(FACTS)('%s + %s → %s', (current, status, to) => {
    const effect = factEffect(current, { status, at: 2000 }, 1000);

    if (to === undefined) expect(effect.apply).toBe(false);
    else expect(effect).toMatchObject({ apply: true, to });
  });

  it('ignores a fact not newer than the last one applied', () => {
    expect(factEffect('running', { status: 'SUCCEEDED', at: 1000 }, 1000).apply).toBe(false);
    expect(factEffect('running', { status: 'SUCCEEDED', at: 999 }, 1000).apply).toBe(false);
    expect(factEffect('running', { status: 'SUCCEEDED', at: 1001 }, 1000).apply).toBe(true);
  });

  it('applies an end of the same millisecond as the RUNNING fact before it, and nothing else of that time', () => {
    for (const status of ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const)
      expect(factEffect('running', { status, at: 1000 }, 1000, 'RUNNING').apply, status).toBe(true);
    // An end of the same time as another end (a redelivery after a retry moved the record on) is not newer.
    expect(factEffect('running', { status: 'FAILED', at: 1000 }, 1000, 'FAILED').apply).toBe(false);
    expect(factEffect('running', { status: 'SUCCEEDED', at: 1000 }, 1000, 'FAILED').apply).toBe(false);
    expect(factEffect('failed', { status: 'RUNNING', at: 1000 }, 1000, 'FAILED').apply).toBe(false);
    expect(factEffect('running', { status: 'SUCCEEDED', at: 999 }, 1000, 'RUNNING').apply).toBe(false);
  });
});

describe('ids and hashes', () => {
  it('computes RFC 4122 UUIDv5 (the DNS-namespace example of python uuid.uuid5)', () => {
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('is stable per workflow and key, different across keys and workflows', () => {
    const wf = '7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b';
    expect(uuidv5(wf, 'k')).toBe(uuidv5(wf, 'k'));
    expect(uuidv5(wf, 'k')).not.toBe(uuidv5(wf, 'k2'));
    expect(uuidv5('0d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b', 'k')).not.toBe(uuidv5(wf, 'k'));
  });

  it('hashes requests independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(requestHash({ a: 1, b: 2 })).toBe(requestHash({ b: 2, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });

  it('names state machines within 80 characters, prefixed and unique per id', () => {
    const name = stateMachineName(
      'steward-dev-',
      'Agent Task Execution!'.repeat(10),
      '7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b',
    );
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^steward-dev-agent-task-execution-[a-z0-9-]*-7d0c2f1e$/);
    expect(stateMachineName('p-', '!!!', 'abcdef12-0000-0000-0000-000000000000')).toBe('p-workflow-abcdef12');
  });
});

describe('concurrency decision', () => {
  it.each([
    [undefined, false, 'start'],
    [{ max_running: 1, on_limit: 'queue' as const }, true, 'start'],
    [{ max_running: 1, on_limit: 'queue' as const }, false, 'queue'],
    [{ max_running: 1, on_limit: 'reject' as const }, false, 'reject'],
  ])('%j with slot=%s → %s', (policy, gotSlot, decision) => {
    expect(decideStart(policy, gotSlot)).toBe(decision);
  });
});

describe('history mapping', () => {
  const events = [
    { id: 1, type: 'ExecutionStarted', timestamp: new Date('2025-01-01T00:00:00Z') },
    {
      id: 2,
      type: 'TaskStateEntered',
      timestamp: new Date('2025-01-01T00:00:01Z'),
      stateEnteredEventDetails: { name: 'a' },
    },
    {
      id: 3,
      type: 'TaskStateEntered',
      timestamp: new Date('2025-01-01T00:00:02Z'),
      stateEnteredEventDetails: { name: 'b' },
    },
    {
      id: 4,
      type: 'LambdaFunctionFailed',
      timestamp: new Date('2025-01-01T00:00:03Z'),
      lambdaFunctionFailedEventDetails: { error: 'Steward.Http5xx', cause: 'x' },
    },
    {
      id: 5,
      type: 'ExecutionFailed',
      timestamp: new Date('2025-01-01T00:00:04Z'),
      executionFailedEventDetails: { error: 'Steward.Http5xx' },
    },
  ];

  it('finds the step a run failed at', () => {
    expect(failedStepFromHistory(events)).toBe('b');
    expect(failedStepFromHistory(events.slice(0, 3))).toBeUndefined();
  });

  it('merges Step Functions events and step attempts in time order', () => {
    const merged = mergeHistory(events, [
      {
        step: 'b',
        attempt: 1,
        status: 'failed',
        started_at: '2025-01-01T00:00:02.500Z',
        error: { name: 'Steward.Http5xx', message: 'boom' },
      },
    ]);

    expect(merged.map((e) => e.kind)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskStateEntered',
      'step_attempt',
      'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
    expect(merged[3]).toMatchObject({ state: 'b', error: 'Steward.Http5xx', cause: 'boom' });
    expect(merged[4]).toMatchObject({ error: 'Steward.Http5xx', cause: 'x' });
  });
});

/**
 * A closed execution's history ends at its closing event, as on AWS: a task in flight when the run is stopped, or a
 * token answered just before the stop, ends after the execution did and records nothing (nor journals it), and a token
 * of the closed run gets `TaskTimedOut`, also once local mode has restarted on the same data folder.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AwsError } from '../../../lib/local/aws/errors.ts';
import type { InvokeResult } from '../../../lib/local/lambda/types.ts';
import { StepFunctionsService } from '../../../lib/local/stepfunctions/index.ts';
import { eventually } from './helpers.ts';
import { create, Functions, type Ops, op, start, task } from './stepfunctions-fixtures.ts';

/** Lets every pending callback (promise continuations, immediates) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('local Step Functions: nothing follows a closing event', () => {
  const dirs: string[] = [];
  const services: StepFunctionsService[] = [];
  afterAll(() => {
    for (const s of services) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-sfn-closed-'));
    dirs.push(dir);
    return dir;
  };
  const open = (functions: Functions, dataDir?: string) => {
    const service = new StepFunctionsService({ lambda: functions, dataDir, onStatusChange: () => undefined });
    services.push(service);
    return { service, ops: service.operations() };
  };
  /** The history as the endpoint serves it (JSON: keys of undefined values left out). */
  const history = (ops: Ops, executionArn: string) =>
    JSON.parse(JSON.stringify(op(ops, 'GetExecutionHistory')({ executionArn }))).events as Array<
      Record<string, unknown> & { type: string; id: number }
    >;
  const types = (ops: Ops, executionArn: string): string[] => history(ops, executionArn).map((e) => e.type);
  const stop = (ops: Ops, executionArn: string): unknown =>
    op(ops, 'StopExecution')({ executionArn, error: 'Steward.Cancelled', cause: 'cancelled' });
  const reached = (ops: Ops, executionArn: string, type: string) =>
    eventually(() => (types(ops, executionArn).includes(type) ? true : undefined));
  /** The AWS error code an operation fails with. */
  const codeOf = (call: () => unknown): string | undefined => {
    try {
      call();
    } catch (error) {
      return (error as AwsError).code;
    }
    return undefined;
  };
  const expectClosedByAbort = (ops: Ops, executionArn: string): void => {
    const events = history(ops, executionArn);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    expect(events.filter((e) => e.type === 'ExecutionAborted')).toHaveLength(1);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
  };

  it('records nothing after ExecutionAborted when the task in flight at the stop succeeds or fails afterwards', async () => {
    const definition = { StartAt: 'call', States: { call: task('slow', 'after'), after: task('after') } };
    const outcomes: Record<string, InvokeResult> = {
      succeeds: { ok: true, payload: { late: true } },
      fails: { ok: false, errorType: 'Steward.ExecutionCancelled', errorMessage: 'no further steps start' },
    };
    for (const [name, outcome] of Object.entries(outcomes)) {
      const functions = new Functions();
      functions.held.add('slow');
      const { service, ops } = open(functions);
      const run = start(ops, create(ops, `in-flight-${name}`, definition));
      await reached(ops, run, 'TaskStarted');
      stop(ops, run);
      const atStop = types(ops, run);
      expect(atStop.at(-1)).toBe('ExecutionAborted');
      // The call answers after the stop.
      functions.release(outcome);
      await settle();
      await service.waitFor(run);
      await settle();
      expect(types(ops, run)).toEqual(atStop);
      expectClosedByAbort(ops, run);
      expect(functions.calls.after).toBeUndefined();
    }
  });

  it('records nothing after ExecutionAborted when the token was answered just before the stop; the token then times out', async () => {
    const functions = new Functions();
    const { service, ops } = open(functions);
    const arn = create(ops, 'token-race', {
      StartAt: 'wait',
      States: { wait: task('waiter', 'after', true), after: task('after') },
    });
    const succeeded = start(ops, arn);
    await reached(ops, succeeded, 'TaskSubmitted');
    const [token] = functions.tokens;
    // The answer and the stop in the same turn: the task's continuation runs after the execution closed.
    op(ops, 'SendTaskSuccess')({ taskToken: token, output: '{"matched":true}' });
    stop(ops, succeeded);
    await settle();
    await service.waitFor(succeeded);
    await settle();
    expectClosedByAbort(ops, succeeded);
    expect(types(ops, succeeded).at(-2)).toBe('TaskSubmitted');
    expect(functions.calls.after).toBeUndefined();

    const failed = start(ops, arn);
    await reached(ops, failed, 'TaskSubmitted');
    const failedToken = functions.tokens[1];
    op(ops, 'SendTaskFailure')({ taskToken: failedToken, error: 'Event.Rejected', cause: 'late' });
    stop(ops, failed);
    await settle();
    await service.waitFor(failed);
    await settle();
    expectClosedByAbort(ops, failed);

    // Later answers of either token: TaskTimedOut, as AWS answers a token of an aborted execution.
    expect(codeOf(() => op(ops, 'SendTaskSuccess')({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
    expect(codeOf(() => op(ops, 'SendTaskFailure')({ taskToken: failedToken, error: 'E' }))).toBe('TaskTimedOut');
    expect(codeOf(() => op(ops, 'SendTaskHeartbeat')({ taskToken: failedToken }))).toBe('TaskTimedOut');
    expectClosedByAbort(ops, succeeded);
  });

  it('journals nothing after the closing event; after a restart the history reads back the same and the token times out', async () => {
    const dir = folder();
    const functions = new Functions();
    functions.held.add('slow');
    const before = open(functions, dir);
    const arn = create(before.ops, 'journaled', {
      StartAt: 'wait',
      States: { wait: task('waiter', 'call', true), call: task('slow', 'after'), after: task('after') },
    });
    const tokenRun = start(before.ops, arn);
    await reached(before.ops, tokenRun, 'TaskSubmitted');
    const [token] = functions.tokens;
    op(before.ops, 'SendTaskSuccess')({ taskToken: token, output: '{}' });
    stop(before.ops, tokenRun);
    const inFlight = start(before.ops, arn);
    await reached(before.ops, inFlight, 'TaskSubmitted');
    op(before.ops, 'SendTaskSuccess')({ taskToken: functions.tokens[1], output: '{}' });
    await eventually(() => (functions.calls.slow === 1 ? true : undefined));
    stop(before.ops, inFlight);
    functions.release({ ok: true, payload: {} });
    await settle();
    await before.service.waitFor(tokenRun);
    await before.service.waitFor(inFlight);
    await settle();
    expectClosedByAbort(before.ops, tokenRun);
    expectClosedByAbort(before.ops, inFlight);
    const was = { tokenRun: history(before.ops, tokenRun), inFlight: history(before.ops, inFlight) };
    before.service.close();

    const journal = readFileSync(join(dir, 'executions.jsonl'), 'utf8').trim().split('\n');
    const journaled = (run: string) =>
      journal
        .map((l) => JSON.parse(l) as { kind: string; arn?: string; event?: { type: string } })
        .filter((l) => l.kind === 'event' && l.arn === run)
        .map((l) => l.event?.type);
    expect(journaled(tokenRun).at(-1)).toBe('ExecutionAborted');
    expect(journaled(inFlight).at(-1)).toBe('ExecutionAborted');

    const after = open(new Functions(), dir);
    expect(after.service.recover()).toEqual({ continued: 0, failed: 0 });
    expect(history(after.ops, tokenRun)).toEqual(was.tokenRun);
    expect(history(after.ops, inFlight)).toEqual(was.inFlight);
    expect(codeOf(() => op(after.ops, 'SendTaskSuccess')({ taskToken: token, output: '{}' }))).toBe('TaskTimedOut');
    expect(codeOf(() => op(after.ops, 'SendTaskHeartbeat')({ taskToken: token }))).toBe('TaskTimedOut');
    after.service.close();
  });

  it('reads back a journal that holds events after a closing event without them, numbered in order', async () => {
    const dir = folder();
    const functions = new Functions();
    const before = open(functions, dir);
    const arn = create(before.ops, 'old-journal', {
      StartAt: 'wait',
      States: { wait: task('waiter', undefined, true) },
    });
    const run = start(before.ops, arn);
    await reached(before.ops, run, 'TaskSubmitted');
    stop(before.ops, run);
    await before.service.waitFor(run);
    const was = history(before.ops, run);
    before.service.close();
    // As a journal written before closed histories refused events could hold.
    const n = was.length;
    const stray = (id: number, type: string) =>
      `${JSON.stringify({ kind: 'event', arn: run, event: { timestamp: Date.now() / 1000, type, id, previousEventId: id - 1 } })}\n`;
    appendFileSync(join(dir, 'executions.jsonl'), stray(n + 1, 'TaskFailed') + stray(n + 2, 'TaskStateExited'));

    const after = open(new Functions(), dir);
    expect(history(after.ops, run)).toEqual(was);
    expect((op(after.ops, 'DescribeExecution')({ executionArn: run }) as { status: string }).status).toBe('ABORTED');
    after.service.close();
  });
});

/**
 * The local Step Functions service with a data folder: what one instance wrote, a new instance on the same folder
 * reads back (as after local mode was killed), and the runs that were running continue or fail at their state.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type StatusChangeEntry, StepFunctionsService } from '../../../lib/local/stepfunctions/index.ts';
import { eventually } from './helpers.ts';
import { create, Functions, type Ops, op, start, task } from './stepfunctions-fixtures.ts';

describe('local Step Functions with a data folder', () => {
  const dirs: string[] = [];
  const services: StepFunctionsService[] = [];
  afterAll(() => {
    for (const s of services) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-sfn-'));
    dirs.push(dir);
    return dir;
  };
  const open = (dataDir: string, functions: Functions, speed = 1, events: StatusChangeEntry[] = []) => {
    const service = new StepFunctionsService({
      lambda: functions,
      dataDir,
      speed,
      onStatusChange: (e) => events.push(e),
    });
    services.push(service);
    return { service, ops: service.operations() };
  };
  const describeRun = (ops: Ops, executionArn: string) =>
    op(ops, 'DescribeExecution')({ executionArn }) as {
      status: string;
      error?: string;
      cause?: string;
      redriveStatus: string;
    };
  const history = (ops: Ops, executionArn: string) =>
    (op(ops, 'GetExecutionHistory')({ executionArn }) as { events: Array<Record<string, unknown> & { type: string }> })
      .events;
  const ended = (ops: Ops, arn: string) =>
    eventually(() => {
      const d = describeRun(ops, arn);
      return d.status === 'RUNNING' ? undefined : d;
    });

  it('keeps state machines, versions and aliases, and the history and outcome of finished runs', async () => {
    const dir = folder();
    const functions = new Functions();
    const before = open(dir, functions);
    const arn = create(before.ops, 'kept', { StartAt: 'a', States: { a: task('a') } });
    const version = (
      op(before.ops, 'PublishStateMachineVersion')({ stateMachineArn: arn }) as { stateMachineVersionArn: string }
    ).stateMachineVersionArn;
    op(
      before.ops,
      'CreateStateMachineAlias',
    )({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }],
    });
    const run = start(before.ops, `${arn}:live`);
    await ended(before.ops, run);
    before.service.close();

    const after = open(dir, functions);
    expect(after.service.recover()).toEqual({ continued: 0, failed: 0 });
    expect(describeRun(after.ops, run)).toMatchObject({ status: 'SUCCEEDED', redriveStatus: 'NOT_REDRIVABLE' });
    expect(history(after.ops, run).map((e) => e.type)).toEqual(history(before.ops, run).map((e) => e.type));
    expect(op(after.ops, 'DescribeStateMachineAlias')({ stateMachineAliasArn: `${arn}:live` })).toMatchObject({
      routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }],
    });
    // A new run of the restored alias starts and finishes.
    expect((await ended(after.ops, start(after.ops, `${arn}:live`))).status).toBe('SUCCEEDED');
  });

  it('fails a run whose function call was in flight at that state, and a redrive does not call earlier states again', async () => {
    const dir = folder();
    const functions = new Functions();
    functions.held.add('b');
    const events: StatusChangeEntry[] = [];
    const before = open(dir, functions);
    const arn = create(before.ops, 'three', {
      StartAt: 'a',
      States: { a: task('a', 'b'), b: task('b', 'c'), c: task('c') },
    });
    const run = start(before.ops, arn);
    await eventually(() => (functions.calls.b ? true : undefined));
    before.service.close(); // local mode stops with b's call in flight

    const calls = new Functions();
    const after = open(dir, calls, 1, events);
    expect(after.service.recover()).toEqual({ continued: 0, failed: 1 });

    expect(describeRun(after.ops, run)).toMatchObject({
      status: 'FAILED',
      error: 'Steward.LocalModeStopped',
      cause: "local mode stopped while the run was at 'b'",
      redriveStatus: 'REDRIVABLE',
    });
    const types = history(after.ops, run).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['TaskStarted', 'TaskFailed', 'ExecutionFailed']);
    expect(JSON.parse(events.at(-1)?.Detail ?? '{}')).toMatchObject({ status: 'FAILED' });
    op(after.ops, 'RedriveExecution')({ executionArn: run });
    expect((await ended(after.ops, run)).status).toBe('SUCCEEDED');
    expect(calls.calls).toEqual({ b: 1, c: 1 });
  });

  it('continues a run waiting on a task token: the token handed out before the stop still completes it', async () => {
    const dir = folder();
    const functions = new Functions();
    const before = open(dir, functions);
    const arn = create(before.ops, 'callback', {
      StartAt: 'wait',
      States: { wait: task('waiter', 'after', true), after: task('after') },
    });
    const run = start(before.ops, arn);
    await eventually(() => (history(before.ops, run).some((e) => e.type === 'TaskSubmitted') ? true : undefined));
    const [token] = functions.tokens;
    before.service.close();

    const calls = new Functions();
    const after = open(dir, calls);
    // The token is answerable as soon as the service is back, before the run itself continues.
    op(after.ops, 'SendTaskHeartbeat')({ taskToken: token });
    expect(after.service.recover()).toEqual({ continued: 1, failed: 0 });
    op(after.ops, 'SendTaskSuccess')({ taskToken: token, output: '{"ok":true}' });

    expect((await ended(after.ops, run)).status).toBe('SUCCEEDED');
    expect(calls.calls).toEqual({ after: 1 });
    const types = history(after.ops, run).map((e) => e.type);
    expect(types.filter((t) => t === 'TaskStateEntered')).toHaveLength(2);
    expect(types.slice(0, 8)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
    ]);
    expect(history(after.ops, run).map((e) => e.id)).toEqual(types.map((_, i) => i + 1));
  });

  it('continues a run in a Wait state for the rest of its time', async () => {
    const dir = folder();
    const functions = new Functions();
    functions.held.add('b');
    const before = open(dir, functions, 1000);
    const waiting = create(before.ops, 'pause', {
      StartAt: 'nap',
      States: { nap: { Type: 'Wait', Seconds: 3600, Next: 'a' }, a: task('a') },
    });
    const waitRun = start(before.ops, waiting);
    await eventually(() =>
      history(before.ops, waitRun).some((e) => e.type === 'WaitStateEntered') ? true : undefined,
    );
    before.service.close();

    const calls = new Functions();
    const after = open(dir, calls, 1000);
    after.service.recover();
    expect(describeRun(after.ops, waitRun).status).toBe('RUNNING');
    expect((await ended(after.ops, waitRun)).status).toBe('SUCCEEDED');
    expect(calls.calls).toEqual({ a: 1 });
    expect(history(after.ops, waitRun).filter((e) => e.type === 'WaitStateEntered')).toHaveLength(1);
  });

  it('reads a journal whose last line a kill cut short, and appends after it cleanly', async () => {
    const dir = folder();
    const functions = new Functions();
    const before = open(dir, functions);
    const arn = create(before.ops, 'torn', { StartAt: 'a', States: { a: task('a') } });
    const run = start(before.ops, arn);
    await ended(before.ops, run);
    before.service.close();
    appendFileSync(join(dir, 'executions.jsonl'), '{"kind":"event","arn":"arn:aws:states:us-ea');

    const after = open(dir, functions);
    expect(describeRun(after.ops, run).status).toBe('SUCCEEDED');
    const next = start(after.ops, arn);
    await ended(after.ops, next);
    after.service.close();
    for (const line of readFileSync(join(dir, 'executions.jsonl'), 'utf8').trim().split('\n')) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
    const third = open(dir, functions);
    expect(describeRun(third.ops, next).status).toBe('SUCCEEDED');
  });
});

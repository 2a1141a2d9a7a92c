import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../lib/local/stepfunctions/history.ts';
import { CLOSED_RETENTION_MS, closedAt, ExecutionStore } from '../../../lib/local/stepfunctions/store.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-11-26T12:00:00Z');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const event = (id: number, type: string, at: number): HistoryEvent => ({
  id,
  previousEventId: id - 1,
  type,
  timestamp: at / 1000,
});

/** Writes one execution: its start and the given history events (one definition per `definition` text). */
function record(store: ExecutionStore, name: string, definition: string, events: Array<[string, number]>): string {
  const executionArn = `arn:aws:states:us-east-1:000000000000:execution:machine:${name}`;
  store.start(
    {
      executionArn,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:machine',
      stateMachineName: 'machine',
      name,
      roleArn: 'arn:aws:iam::000000000000:role/r',
      startDate: events[0]![1],
      input: '{}',
    },
    definition,
  );
  for (const [i, [type, at]] of events.entries()) store.event(executionArn, event(i + 1, type, at));
  return executionArn;
}

describe('local Step Functions retention', () => {
  it('judges a run closed by its last closing event, a redrive opening it again', () => {
    expect(closedAt([event(1, 'ExecutionStarted', 1_000)])).toBeUndefined();
    expect(closedAt([event(1, 'ExecutionStarted', 1_000), event(2, 'ExecutionFailed', 2_000)])).toBe(2_000);
    expect(
      closedAt([
        event(1, 'ExecutionStarted', 1_000),
        event(2, 'ExecutionFailed', 2_000),
        event(3, 'ExecutionRedriven', 3_000),
      ]),
    ).toBeUndefined();
    expect(
      closedAt([
        event(1, 'ExecutionFailed', 2_000),
        event(2, 'ExecutionRedriven', 3_000),
        event(3, 'ExecutionSucceeded', 4_000),
      ]),
    ).toBe(4_000);
  });

  it('drops runs closed more than 90 days ago from the journal, keeping every other run and appending after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-sfn-retention-'));
    dirs.push(dir);
    const writer = new ExecutionStore(dir, () => NOW);
    const old = NOW - CLOSED_RETENTION_MS - DAY;
    const expired = record(writer, 'expired', '{"only":"the expired run"}', [
      ['ExecutionStarted', old - DAY],
      ['ExecutionSucceeded', old],
    ]);
    const recent = record(writer, 'recent', '{"shared":true}', [
      ['ExecutionStarted', NOW - 11 * DAY],
      ['ExecutionSucceeded', NOW - 10 * DAY],
    ]);
    // Still open however old: a run waiting on a token or a long Wait is not closed.
    const open = record(writer, 'open', '{"shared":true}', [['ExecutionStarted', NOW - 200 * DAY]]);
    // Closed long ago but redriven since: open again.
    const redriven = record(writer, 'redriven', '{"shared":true}', [
      ['ExecutionStarted', old - 2 * DAY],
      ['ExecutionFailed', old - DAY],
      ['ExecutionRedriven', NOW - 5 * DAY],
    ]);
    writer.token(open, 'token-1', 'wait_for_event');
    writer.close();
    const before = readFileSync(join(dir, 'executions.jsonl'), 'utf8');

    const reader = new ExecutionStore(dir, () => NOW);
    const kept = reader.loadExecutions();

    expect(kept.map((e) => e.start.executionArn)).toEqual([recent, open, redriven]);
    expect(kept.find((e) => e.start.executionArn === open)?.tokens.map((t) => t.token)).toEqual(['token-1']);
    expect(kept.find((e) => e.start.executionArn === redriven)?.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'ExecutionFailed',
      'ExecutionRedriven',
    ]);
    const after = readFileSync(join(dir, 'executions.jsonl'), 'utf8');
    expect(after.length).toBeLessThan(before.length);
    expect(after).not.toContain(expired);
    expect(after).not.toContain('the expired run');
    expect(before).toContain('the expired run');

    // The rewritten journal takes appends, and reads back whole.
    reader.event(open, event(2, 'ExecutionSucceeded', NOW));
    reader.close();
    const again = new ExecutionStore(dir, () => NOW).loadExecutions();
    expect(again.map((e) => e.start.executionArn)).toEqual([recent, open, redriven]);
    expect(again.find((e) => e.start.executionArn === open)?.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'ExecutionSucceeded',
    ]);
    expect(again[0]?.definition).toBe('{"shared":true}');
  });

  it('leaves a journal with nothing to drop as it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-sfn-retention-'));
    dirs.push(dir);
    const writer = new ExecutionStore(dir, () => NOW);
    record(writer, 'a', '{"a":1}', [
      ['ExecutionStarted', NOW - DAY],
      ['ExecutionSucceeded', NOW],
    ]);
    writer.close();
    const before = readFileSync(join(dir, 'executions.jsonl'), 'utf8');
    expect(new ExecutionStore(dir, () => NOW).loadExecutions()).toHaveLength(1);
    expect(readFileSync(join(dir, 'executions.jsonl'), 'utf8')).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { buildTimeline, formatDuration, ticks } from '../../console/src/runs/timeline.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

describe('buildTimeline', () => {
  it('puts each started step on a row from its start to its end, attempts inside, sorted by start', () => {
    const timeline = buildTimeline(
      { started_at: at(0), completed_at: at(5000) },
      [
        { step: 'b', status: 'completed', started_at: at(1000), completed_at: at(4000), attempts: 2 },
        { step: 'a', status: 'completed', started_at: at(100), completed_at: at(900), attempts: 1 },
        { step: 'never', status: 'skipped' },
      ],
      [
        { step: 'b', attempt: 2, status: 'completed', at: at(3000), duration_ms: 1000 },
        { step: 'b', attempt: 1, status: 'failed', at: at(1000), duration_ms: 500 },
      ],
      T0 + 60_000,
    );

    expect(timeline.length).toBe(5000);
    expect(timeline.rows.map((r) => r.step)).toEqual(['a', 'b']);
    expect(timeline.rows[1]).toMatchObject({ from: 1000, to: 4000, open: false, attemptCount: 2 });
    expect(timeline.rows[1]!.attempts).toEqual([
      { attempt: 1, status: 'failed', from: 1000, to: 1500 },
      { attempt: 2, status: 'completed', from: 3000, to: 4000 },
    ]);
  });

  it('runs the bar of a step still going, and the axis of a run still going, to now', () => {
    const timeline = buildTimeline(
      { started_at: at(0) },
      [{ step: 'wait', status: 'running', started_at: at(2000) }],
      [],
      T0 + 10_000,
    );

    expect(timeline.length).toBe(10_000);
    expect(timeline.rows[0]).toMatchObject({ from: 2000, to: 10_000, open: true });
  });

  it('orders 200 rows by start whatever order they come in', () => {
    const steps = Array.from({ length: 200 }, (_, i) => ({
      step: `s${i}`,
      status: 'completed',
      started_at: at(((i * 7919) % 200) * 10),
      completed_at: at(((i * 7919) % 200) * 10 + 5),
    }));

    const timeline = buildTimeline({ started_at: at(0), completed_at: at(2005) }, steps, [], T0);

    const froms = timeline.rows.map((r) => r.from);
    expect(froms).toEqual([...froms].sort((a, b) => a - b));
    expect(timeline.rows).toHaveLength(200);
  });
});

describe('ticks and durations', () => {
  it.each([
    [5000, 1000, '5 s'],
    [60_000, 10_000, '1 min'],
    [900, 200, '800 ms'],
  ])('an axis of %i ms gets ticks every %i ms', (length, interval, last) => {
    const t = ticks(length);

    expect(t[1]!.at - t[0]!.at).toBe(interval);
    expect(t[t.length - 1]!.label).toBe(last);
  });

  it.each([
    [850, '850 ms'],
    [1500, '1.5 s'],
    [12_340, '12.3 s'],
    [125_000, '2 min 5 s'],
    [3_780_000, '1 h 3 min'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

/**
 * Environments serving several invocations at once (`invocationsPerEnvironment`, as local mode runs Steward's
 * functions): invocations overlap in one environment, the rest queue, and a timeout retires the environment only
 * once its other invocations have ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import { fixtureFunction } from './helpers.ts';

describe('environments shared by several invocations', () => {
  let runner: LambdaRunner | undefined;
  afterEach(async () => {
    await runner?.close();
  });
  const payloadOf = (result: Awaited<ReturnType<LambdaRunner['invoke']>>) => {
    if (!result.ok) throw new Error(`${result.errorType}: ${result.errorMessage}`);
    return result.payload as { maxActive: number; calls: number };
  };

  it('runs up to invocationsPerEnvironment invocations at once in one environment', async () => {
    runner = new LambdaRunner({
      functions: [fixtureFunction('gate', 'gate')],
      maxConcurrency: 1,
      invocationsPerEnvironment: 5,
    });

    const results = await Promise.all(Array.from({ length: 5 }, () => runner!.invoke('gate', { expect: 5 })));

    expect(results.map((r) => payloadOf(r).maxActive)).toEqual([5, 5, 5, 5, 5]);
    expect(runner.stats()[0]).toMatchObject({ invocations: 5, errors: 0, environments: 1 });
  });

  it('queues invocations beyond the room of its environments', async () => {
    runner = new LambdaRunner({
      functions: [fixtureFunction('gate', 'gate')],
      maxConcurrency: 2,
      invocationsPerEnvironment: 2,
    });

    const results = await Promise.all(Array.from({ length: 12 }, () => runner!.invoke('gate', { sleepMs: 20 })));

    expect(results.every((r) => r.ok)).toBe(true);
    expect(Math.max(...results.map((r) => payloadOf(r).maxActive))).toBeLessThanOrEqual(2);
    expect(runner.stats()[0]?.environments).toBeLessThanOrEqual(2);
  });

  it('a timeout fails only its invocation, and the environment that timed out is not used again', async () => {
    runner = new LambdaRunner({
      functions: [fixtureFunction('gate', 'gate', {}, 1)],
      maxConcurrency: 1,
      invocationsPerEnvironment: 4,
    });

    const [late, other] = await Promise.all([
      runner.invoke('gate', { expect: 2, sleepMs: 60_000 }),
      runner.invoke('gate', { expect: 2 }),
    ]);
    const next = await runner.invoke('gate', {});

    expect(late).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
    expect(payloadOf(other)).toEqual({ maxActive: 2, calls: 2 });
    expect(payloadOf(next).calls).toBe(1); // a fresh environment: its module state starts over
  });
});

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

  it('gives a function its own concurrency when concurrencyOf says so, the others the runner-wide one', async () => {
    runner = new LambdaRunner({
      functions: [fixtureFunction('api', 'gate'), fixtureFunction('worker', 'gate')],
      maxConcurrency: 1,
      invocationsPerEnvironment: 1,
      concurrencyOf: (fn) => (fn.name === 'api' ? { invocationsPerEnvironment: 3 } : undefined),
    });

    const [api, worker] = await Promise.all([
      Promise.all(Array.from({ length: 3 }, () => runner!.invoke('api', { expect: 3 }))),
      Promise.all(Array.from({ length: 3 }, () => runner!.invoke('worker', {}))),
    ]);

    expect(api.map((r) => payloadOf(r).maxActive)).toEqual([3, 3, 3]);
    expect(worker.map((r) => payloadOf(r).maxActive)).toEqual([1, 1, 1]);
    expect(runner.stats().map((s) => s.environments)).toEqual([1, 1]);
  });

  it('serves queued synchronous invocations before queued asynchronous ones', async () => {
    runner = new LambdaRunner({
      functions: [fixtureFunction('gate', 'gate')],
      maxConcurrency: 1,
      invocationsPerEnvironment: 1,
    });

    // The first call holds the only room; two event invokes queue, then a synchronous one.
    const first = runner.invoke('gate', {});
    await runner.invoke('gate', {}, { async: true });
    await runner.invoke('gate', {}, { async: true });
    const waiting = runner.invoke('gate', {});

    expect(payloadOf(await first).calls).toBe(1);
    // Second in this environment, though it was queued after the two event invokes.
    expect(payloadOf(await waiting).calls).toBe(2);
    await runner.drain();
    expect(payloadOf(await runner.invoke('gate', {})).calls).toBe(5);
  });
});

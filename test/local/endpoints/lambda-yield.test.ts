/**
 * Background functions yield to the functions whose callers wait (`yieldMs`, as `steward local` runs Steward's
 * functions): while invocations of a function with `nice` 0 queue for room, a background function's invocation (`nice`
 * above 0) is held, until they have room or for `yieldMs` at most.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import type { LocalFunction } from '../../../lib/local/lambda/types.ts';
import { fixtureFunction } from './helpers.ts';

const api: LocalFunction = fixtureFunction('api', 'gate');
const background: LocalFunction = { ...fixtureFunction('background', 'echo'), nice: 15 };

describe('background functions yielding to the API', () => {
  let runner: LambdaRunner | undefined;
  afterEach(async () => {
    await runner?.close();
  });

  /** Invokes `name` and resolves with when (ms since `t0`) its answer came. */
  const answeredAt = async (name: string, payload: unknown, t0: number): Promise<number> => {
    const result = await (runner as LambdaRunner).invoke(name, payload);
    if (!result.ok) throw new Error(`${result.errorType}: ${result.errorMessage}`);
    return performance.now() - t0;
  };

  async function race(yieldMs: number, apiSleepMs: number, functions = [api, background]) {
    runner = new LambdaRunner({ functions, maxConcurrency: 1, invocationsPerEnvironment: 1, yieldMs });
    await runner.warm(['api', 'background']);
    const t0 = performance.now();
    // The first call takes the API function's only room, the second queues for it; then the background call comes.
    const first = answeredAt('api', { sleepMs: apiSleepMs }, t0);
    const second = answeredAt('api', {}, t0);
    const bg = answeredAt('background', { n: 1 }, t0);
    return { first: await first, second: await second, background: await bg };
  }

  it('holds a background invocation while API invocations queue, and lets it go once they have room', async () => {
    const at = await race(5_000, 400);
    // Released when the queued API call got the room, that is when the first one answered.
    expect(at.background).toBeGreaterThanOrEqual(at.first - 5);
  });

  it('holds it no longer than yieldMs', async () => {
    const at = await race(150, 2_000);
    expect(at.background).toBeLessThan(1_000);
    expect(at.first).toBeGreaterThanOrEqual(2_000);
  });

  it('holds nothing when yieldMs is 0, or when every function answers waiting callers', async () => {
    expect((await race(0, 1_000)).background).toBeLessThan(500);
    await runner?.close();
    expect((await race(5_000, 1_000, [api, { ...background, nice: 0 }])).background).toBeLessThan(500);
  });

  it('lets a held invocation go when the runner closes, without running it', async () => {
    runner = new LambdaRunner({
      functions: [api, background],
      maxConcurrency: 1,
      invocationsPerEnvironment: 1,
      yieldMs: 10_000,
    });
    await runner.warm(['api', 'background']);
    const first = runner.invoke('api', { sleepMs: 1_000 });
    const second = runner.invoke('api', {});
    const t0 = performance.now();
    const held = runner.invoke('background', { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await runner.close();

    expect(await held).toMatchObject({ ok: false, errorType: 'ServiceException' });
    expect(performance.now() - t0).toBeLessThan(1_000);
    void first.catch(() => undefined);
    void second.catch(() => undefined);
  });
});

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import { threadName } from '../../../lib/local/lambda/worker-slot.ts';
import { fixtureFunction } from './helpers.ts';

/** This process's threads: name and niceness (Linux /proc). */
function threads(): Array<{ name: string; nice: number }> {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [{ name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), nice: Number(fields[16]) }];
    } catch {
      return [];
    }
  });
}

describe.runIf(process.platform === 'linux')('local Lambda worker threads', () => {
  const runner = new LambdaRunner({
    functions: [
      { ...fixtureFunction('steward-dev-api-thread', 'echo'), nice: 0 },
      { ...fixtureFunction('steward-dev-background-thread', 'echo'), nice: 10 },
    ],
  });
  afterAll(() => runner.close());

  it('carry their function name, and a background function its niceness', async () => {
    await runner.invoke('steward-dev-api-thread', {});
    await runner.invoke('steward-dev-background-thread', {});
    const named = threads().filter((t) => t.name === 'api-thread' || t.name === 'background-thre');
    expect(named).toEqual(
      expect.arrayContaining([
        { name: 'api-thread', nice: 0 },
        { name: 'background-thre', nice: 10 },
      ]),
    );
  });

  it('names a thread after its function, within Linux 15 bytes', () => {
    expect(threadName('steward-dev-step-runner')).toBe('step-runner');
    expect(threadName('steward-staging-workflow-trigger')).toBe('workflow-trigge');
    expect(threadName('my-function')).toBe('my-function');
  });
});

describe('a local Lambda environment under tsx', () => {
  it("starts without the process's Node flags: local mode runs under tsx, whose hooks a bundle does not need", () => {
    const script = fileURLToPath(new URL('../fixtures/runner-under-tsx.ts', import.meta.url));
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })) as {
      parent: string[];
      result: { ok: boolean; payload: { execArgv: string[] } };
    };
    expect(out.parent).toContain('tsx');
    expect(out.result.ok).toBe(true);
    expect(out.result.payload.execArgv).toEqual([]);
  }, 60_000);
});

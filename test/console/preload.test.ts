import { describe, expect, it } from 'vitest';
import { type Getter, Preloads, preloadRun, runPaths } from '../../console/src/runs/preload.ts';

/** A getter that records each request and answers when told. */
function fakeApi(answers: Record<string, unknown> = {}) {
  const requests: string[] = [];
  const get: Getter = <T>(path: string, query?: Record<string, string | number | undefined>) => {
    const url = query ? `${path}?${new URLSearchParams(query as Record<string, string>)}` : path;
    requests.push(url);
    return url in answers ? Promise.resolve(answers[url] as T) : Promise.reject(new Error(`404 ${url}`));
  };
  return { requests, get };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('a run page’s preloaded reads', () => {
  it('asks for the run at once, and for its graph and steps as soon as the run names its workflow', async () => {
    const api = fakeApi({
      '/executions/e%2F1': { workflow_id: 'wf-1', workflow_version: '1.0.0' },
      '/executions/e%2F1/steps': { steps: [] },
      '/workflows/wf-1/graph?version=1.0.0': { graph: 'g' },
    });
    const preloads = new Preloads(api.get);
    preloadRun(preloads, 'e/1');
    expect(api.requests).toEqual(['/executions/e%2F1']);
    await flush();
    expect(api.requests).toEqual([
      '/executions/e%2F1',
      '/workflows/wf-1/graph?version=1.0.0',
      '/executions/e%2F1/steps',
    ]);

    // Each reader takes the answer already under way instead of asking again.
    const again = () => Promise.reject(new Error('asked again'));
    await expect(preloads.take(runPaths.run('e/1'), undefined, again)).resolves.toMatchObject({ workflow_id: 'wf-1' });
    await expect(preloads.take(runPaths.steps('e/1'), undefined, again)).resolves.toEqual({ steps: [] });
    const [path, query] = runPaths.graph({ workflow_id: 'wf-1', workflow_version: '1.0.0' });
    await expect(preloads.take(path, query, again)).resolves.toEqual({ graph: 'g' });
    expect(api.requests).toHaveLength(3);
    // Once only: the next poll reads afresh.
    await expect(preloads.take(runPaths.run('e/1'), undefined, () => Promise.resolve('fresh'))).resolves.toBe('fresh');
  });

  it('hands out no stale answer, and a failed read the page never took raises nothing', async () => {
    let now = 0;
    const api = fakeApi();
    const preloads = new Preloads(api.get, () => now, 5_000);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    preloadRun(preloads, 'missing');
    await flush();
    await flush();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    // The run 404ed, so neither its graph nor its steps were asked for.
    expect(api.requests).toEqual(['/executions/missing']);
    // The failure reaches a reader that takes it while fresh…
    await expect(preloads.take(runPaths.run('missing'), undefined, () => Promise.resolve('x'))).rejects.toThrow('404');
    // …but past the age limit the reader asks again.
    preloads.start('/executions/other');
    now = 5_001;
    await expect(preloads.take('/executions/other', undefined, () => Promise.resolve('again'))).resolves.toBe('again');
  });
});

/**
 * The bundle cache (lib/local/bundles.ts) keeps one build per set of sources, and never deletes a build a running
 * process uses: a function's lazy chunks load on first use, so a local mode that lost its build mid-run failed its
 * next run with "Cannot find module" (a second local mode, or the tests, had built from edited sources).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunctions } from '../../../lib/local/bundles.ts';

const root = mkdtempSync(join(tmpdir(), 'steward-bundle-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function handler(id: string, body: string): void {
  const file = join(root, 'lambdas', id, 'handler.ts');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `export const handler = async (): Promise<string> => ${JSON.stringify(body)};\n`);
}

const buildDir = (entry: string | undefined): string => dirname(entry ?? '');
const markers = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('in-use.'));

describe('the local bundle cache', () => {
  it('keeps a build another live process uses, and drops it once that process is gone', async () => {
    handler('a', 'one');
    const first = buildDir((await bundleFunctions(root, ['a'])).get('a'));
    expect(markers(first)).toEqual([`in-use.${process.pid}`]);
    // Hand the first build over to another process, as a local mode started elsewhere holds it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      rmSync(join(first, `in-use.${process.pid}`));
      writeFileSync(join(first, `in-use.${other.pid}`), '');
      handler('a', 'two'); // the sources changed: a new build
      const second = buildDir((await bundleFunctions(root, ['a'])).get('a'));
      expect(second).not.toBe(first);
      expect(existsSync(join(first, 'a.mjs'))).toBe(true);
    } finally {
      other.kill();
      await new Promise((resolve) => other.once('exit', resolve));
    }
    // Its user gone, the first build goes with the next new one; this process's own builds stay while it runs.
    handler('a', 'three');
    const third = buildDir((await bundleFunctions(root, ['a'])).get('a'));
    expect(existsSync(first)).toBe(false);
    expect(readdirSync(dirname(third)).length).toBe(2);
  });

  it('reuses a build whose sources did not change, and marks it used by this process', async () => {
    handler('b', 'same');
    const built = await bundleFunctions(root, ['b']);
    const dir = buildDir(built.get('b'));
    rmSync(join(dir, `in-use.${process.pid}`));
    const again = await bundleFunctions(root, ['b']);
    expect(again.get('b')).toBe(built.get('b'));
    expect(markers(dir)).toEqual([`in-use.${process.pid}`]);
  });
});

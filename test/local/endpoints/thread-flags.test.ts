/**
 * The Node flags local mode's threads start with (lib/local/thread-flags.ts): none of tsx's, which
 * `npm start` runs under, and the profiling ones, so that `--cpu-prof` (STEWARD_BENCH_PROFILE) profiles every thread.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadExecArgv } from '../../../lib/local/thread-flags.ts';

const TSX = [
  '--require',
  '/repo/node_modules/tsx/dist/preflight.cjs',
  '--import',
  'file:///repo/node_modules/tsx/dist/loader.mjs',
];

describe("local mode's thread flags", () => {
  it("leave tsx's hooks and V8's flags out", () => {
    expect(threadExecArgv(TSX)).toEqual([]);
    expect(threadExecArgv(['--max-semi-space-size=16', '--import', 'tsx', '--enable-source-maps'])).toEqual([]);
  });

  it('keep the profiling flags, with their values given apart or after =', () => {
    expect(threadExecArgv(['--cpu-prof', '--cpu-prof-dir', '/tmp/p', ...TSX, '--heap-prof-interval=1024'])).toEqual([
      '--cpu-prof',
      '--cpu-prof-dir',
      '/tmp/p',
      '--heap-prof-interval=1024',
    ]);
    expect(threadExecArgv(['--cpu-prof-dir=/d', '--cpu-prof'])).toEqual(['--cpu-prof-dir=/d', '--cpu-prof']);
  });

  it('are ones a thread accepts: a thread started with them writes its profile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-thread-flags-'));
    try {
      const worker = new Worker('1 + 1', {
        eval: true,
        execArgv: threadExecArgv(['--cpu-prof', '--cpu-prof-dir', dir, ...TSX]),
      });
      await new Promise((resolve) => worker.once('exit', resolve));
      expect(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

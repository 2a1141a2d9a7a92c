/**
 * Local mode synthesizes in a thread of its own (lib/local/templates.ts `synthesizeInThread`): the caller gets the
 * same templates as an in-process synthesis and never loads aws-cdk-lib itself, so what synthesis loads and builds
 * is not kept for the life of local mode.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesize, synthesizeInThread } from '../../../lib/local/templates.ts';

const loadedCdkModules = (): string[] =>
  Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/node_modules/aws-cdk-lib/'));

describe('synthesis in a thread of its own', () => {
  it('answers what an in-process synthesis answers, without loading aws-cdk-lib in the caller', async () => {
    expect(loadedCdkModules()).toEqual([]);
    const inThread = await synthesizeInThread(process.cwd(), 'dev', false);

    expect(inThread.map((s) => s.stackName).length).toBeGreaterThan(3);
    expect(loadedCdkModules()).toEqual([]);

    const inProcess = await synthesize(process.cwd(), 'dev', false);
    expect(loadedCdkModules().length).toBeGreaterThan(0);
    expect(inThread).toEqual(inProcess);
  }, 180_000);

  it("passes a failed synthesis's message back to the caller", async () => {
    await expect(synthesizeInThread(process.cwd(), 'no-such-tier')).rejects.toThrow(/Unknown tier "no-such-tier"/);
  }, 60_000);

  it('leaves no synthesis program behind, and removes one a killed local mode left an hour ago', async () => {
    const dir = join(process.cwd(), '.steward', 'synth');
    mkdirSync(dir, { recursive: true });
    const left = join(dir, 'synth-1-killed.mjs');
    const fresh = join(dir, 'synth-2-running.mjs');
    writeFileSync(left, '');
    writeFileSync(fresh, '');
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    utimesSync(left, twoHoursAgo, twoHoursAgo);
    try {
      await synthesizeInThread(process.cwd(), 'dev', false);
      expect(existsSync(left)).toBe(false);
      // One that may still be running stays; this process's own program is gone (others may synthesize meanwhile).
      expect(existsSync(fresh)).toBe(true);
      expect(readdirSync(dir).filter((name) => name.startsWith(`synth-${process.pid}-`))).toEqual([]);
    } finally {
      rmSync(fresh, { force: true });
    }
  }, 180_000);
});

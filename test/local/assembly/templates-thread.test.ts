/**
 * Local mode synthesizes in a thread of its own (lib/local/templates.ts `synthesizeInThread`): the caller gets the
 * same templates as an in-process synthesis and never loads aws-cdk-lib itself, so what synthesis loads and builds
 * is not kept for the life of local mode.
 */
import { createRequire } from 'node:module';
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
});

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createStewardApp } from '../../lib/app.ts';
import { syntheticWorkflows } from './fixtures.ts';
import { missingEntries, ROOT } from './support.ts';

describe('cdk-nag (AwsSolutions + Serverless) and CloudFormation validation', () => {
  // Without the samples no service runs on ECS (no VPC, no VPC functions); `+samples` covers those parts.
  it.each([
    ['dev', false],
    ['staging', false],
    ['prod', false],
    ['dev', true],
    ['prod', true],
  ])(
    '%s (samples %s): zero unacknowledged findings',
    (tier, samples) => {
      expect(missingEntries()).toEqual([]);
      const outdir = mkdtempSync(path.join(tmpdir(), 'steward-nag-'));
      const { app } = createStewardApp({
        tier,
        rootDir: ROOT,
        outdir,
        nag: true,
        context: { 'aws:cdk:bundling-stacks': [], samples },
      });
      let failure: unknown;
      try {
        app.synth();
      } catch (error) {
        failure = error;
      }
      const reportFile = path.join(outdir, 'validation-report.json');
      const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
      expect(failure === undefined ? '' : `${String(failure)}\n${report.slice(0, 4000)}`).toBe('');
      for (const stack of app.node.children.filter((c) => 'templateOptions' in c)) {
        expect(Annotations.fromStack(stack as never).findError('*', Match.anyValue())).toEqual([]);
      }
    },
    300_000,
  );

  it('stays clean with synthetic triggered workflows spread over several stacks', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'steward-nag-'));
    const { app, stacks } = createStewardApp({
      rootDir: ROOT,
      outdir,
      nag: true,
      context: { 'aws:cdk:bundling-stacks': [] },
      workflows: syntheticWorkflows(60),
      // The synthetic workflows call planning-system; as a sample it (and they) would be left out of AWS.
      manifest: { services: [] },
    });
    expect(() => app.synth()).not.toThrow();
    expect(stacks.workflows.length).toBeGreaterThan(1);
  }, 180_000);
});

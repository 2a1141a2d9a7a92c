/**
 * The synthesized templates local mode runs from. Synthesizing the whole app takes seconds (aws-cdk-lib alone takes
 * a while to load), so the templates are cached in `.steward/cache/`, keyed by a hash of every input of the
 * synthesis: the code under lib/ and bin/, statemachines/, services.json, cdk.json and the lockfile. Any change to
 * them synthesizes again; the cache is only ever a copy of what `createStewardApp` produced.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { StackTemplate } from './cfn.ts';
import { timing } from './timings.ts';

const INPUTS = ['lib', 'bin', 'statemachines', 'services.json', 'cdk.json', 'package-lock.json'];

function files(root: string, path: string, out: string[]): void {
  const full = join(root, path);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full).sort()) {
      // Local mode's own code and the status page do not change the templates.
      if (name === 'node_modules' || (path === 'lib' && name === 'local')) continue;
      files(root, join(path, name), out);
    }
  } else {
    out.push(path);
  }
}

/** Hash of every synthesis input under `rootDir` for `tier`. */
export function inputsHash(rootDir: string, tier: string): string {
  const hash = createHash('sha256').update(`tier=${tier}\n`);
  const list: string[] = [];
  for (const input of INPUTS) files(rootDir, input, list);
  for (const file of list)
    hash.update(`${relative(rootDir, join(rootDir, file))}\n`).update(readFileSync(join(rootDir, file)));
  return hash.digest('hex').slice(0, 24);
}

/**
 * Synthesizes the app in-process and returns its stack templates. Three checks of a deploy-time synthesis are left
 * out, none of which changes a template: bundling (local mode builds its own bundles, lib/local/bundles.ts), the
 * cdk-nag packs, and aws-cdk-lib's built-in CloudFormation validation (`CDK_VALIDATION=false`; it only reports,
 * and loading and running its engine was over half the synthesis time). `cdk synth` and deployments keep all three.
 */
export async function synthesize(rootDir: string, tier: string, samples = true): Promise<StackTemplate[]> {
  const { createStewardApp, LOCAL_CONTEXT } = await import('../app.ts');
  timing('CDK app code loaded');
  const outdir = mkdtempSync(join(tmpdir(), 'steward-local-cdk-'));
  const validation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const { app } = createStewardApp({
      tier,
      rootDir,
      outdir,
      nag: false,
      // Local mode runs every manifest entry (local-only ones, and samples unless left out) at the URLs the manifest
      // gives. Without samples, the workflows that call one are left out too, as a deployment without them does.
      context: { 'aws:cdk:bundling-stacks': [], [LOCAL_CONTEXT]: true, samples },
    });
    return app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
  } finally {
    if (validation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = validation;
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The templates for `rootDir`/`tier`, with or without the samples (`samples`, default with): from the cache when the
 * inputs are unchanged, else synthesized and cached (one file per tier and choice of samples).
 */
export async function loadTemplates(
  rootDir: string,
  tier: string,
  options: { cache?: boolean; samples?: boolean } = {},
): Promise<{ stacks: StackTemplate[]; cached: boolean }> {
  const samples = options.samples ?? true;
  if (options.cache === false) return { stacks: await synthesize(rootDir, tier, samples), cached: false };
  const dir = join(rootDir, '.steward', 'cache');
  const prefix = `templates-${tier}-${samples ? 'samples' : 'bare'}-`;
  const file = join(dir, `${prefix}${inputsHash(rootDir, tier)}.json`);
  if (existsSync(file)) return { stacks: JSON.parse(readFileSync(file, 'utf8')) as StackTemplate[], cached: true };
  const stacks = await synthesize(rootDir, tier, samples);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) if (old.startsWith(prefix)) rmSync(join(dir, old), { force: true });
  writeFileSync(file, JSON.stringify(stacks));
  return { stacks, cached: false };
}

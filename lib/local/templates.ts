/**
 * The synthesized templates local mode runs from. Synthesizing the whole app takes seconds (aws-cdk-lib alone takes
 * a while to load), so the templates are cached in `.steward/cache/`, keyed by a hash of every input of the
 * synthesis: the code under lib/ and bin/, statemachines/, services.json, cdk.json and the lockfile. Any change to
 * them synthesizes again; the cache is only ever a copy of what `createStewardApp` produced.
 *
 * Local mode synthesizes in a thread of its own that ends once the templates are out: aws-cdk-lib's code and the
 * construct tree took about 85 MB that the main thread kept for as long as local mode ran, so a first start (or any
 * start after a change) used that much more memory than a start from the cache.
 *
 * The thread runs the synthesis program bundled by esbuild (Steward's own TypeScript in one file, the packages
 * imported from node_modules as they are), not the sources through tsx: tsx's hooks see every file aws-cdk-lib
 * loads. Alone on the machine, the thread took 3.7–5.0 s (5.0–6.2 s of CPU) through them, 3.3–3.9 s (4.2–4.7 s of
 * CPU) bundled, on the path of a first start (and of any start after a change) to "ready". The templates are the
 * same (test/local/assembly/templates-thread.test.ts).
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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { StackTemplate } from './cfn.ts';
import type { SynthRequest } from './synth-worker.ts';
import { threadExecArgv } from './thread-flags.ts';
import { timing } from './timings.ts';

const SYNTH_ENTRY = fileURLToPath(new URL('./synth-worker.ts', import.meta.url));

/**
 * Where synthesis programs are built: inside Steward's own folder, so that the packages the bundle leaves out resolve
 * from its node_modules whatever the root being synthesized.
 */
const SYNTH_BUILD_DIR = fileURLToPath(new URL('../../.steward/synth/', import.meta.url));

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
 * Bundles ./synth-worker.ts (and with it {@link synthesize} and the whole app) into one ES module under
 * {@link SYNTH_BUILD_DIR}; returns its path. Packages stay imports: node loads them natively, and the bundle holds only
 * Steward's code (about 300 KB, a tenth of a second to build). Synchronous: `steward local` goes on to load the rest
 * of its code, which holds the event loop for a second, and an asynchronous build's answer waited behind it.
 */
function buildSynthProgram(): string {
  mkdirSync(SYNTH_BUILD_DIR, { recursive: true });
  // Each is removed once its thread ends; one is left behind only by a local mode killed while it synthesized.
  const stale = Date.now() - 3_600_000;
  for (const name of readdirSync(SYNTH_BUILD_DIR)) {
    const file = join(SYNTH_BUILD_DIR, name);
    if (name.startsWith('synth-') && statSync(file).mtimeMs < stale) rmSync(file, { force: true });
  }
  const outfile = join(
    SYNTH_BUILD_DIR,
    `synth-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.mjs`,
  );
  buildSync({
    entryPoints: [SYNTH_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * {@link synthesize} in a worker thread (./synth-worker.ts, bundled: see the top of this file), ended once it has
 * answered: what synthesis loads and builds is freed with the thread instead of staying in the caller's heap.
 */
export async function synthesizeInThread(rootDir: string, tier: string, samples = true): Promise<StackTemplate[]> {
  const request: SynthRequest = { rootDir, tier, samples };
  const program = buildSynthProgram();
  timing('synthesis program bundled');
  try {
    const worker = new Worker(pathToFileURL(program), { workerData: request, execArgv: threadExecArgv() });
    try {
      return await new Promise<StackTemplate[]>((resolve, reject) => {
        worker.once(
          'message',
          (msg: { type: 'stacks'; stacks: StackTemplate[] } | { type: 'error'; message: string }) =>
            msg.type === 'stacks' ? resolve(msg.stacks) : reject(new Error(msg.message)),
        );
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the synthesis thread exited with code ${code}`)));
      });
    } finally {
      await worker.terminate();
    }
  } finally {
    rmSync(program, { force: true });
  }
}

/**
 * The templates for `rootDir`/`tier`, with or without the samples (`samples`, default with): from the cache when the
 * inputs are unchanged, else synthesized in a thread of its own and cached (one file per tier and choice of samples).
 * `cache: false` is for tests that swap one of the app's modules (`vi.mock`): it synthesizes in the calling thread,
 * where their replacement applies, and neither reads nor writes the cache.
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
  const stacks = await synthesizeInThread(rootDir, tier, samples);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) if (old.startsWith(prefix)) rmSync(join(dir, old), { force: true });
  writeFileSync(file, JSON.stringify(stacks));
  return { stacks, cached: false };
}

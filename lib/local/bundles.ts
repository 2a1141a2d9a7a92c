/**
 * Local mode runs each function from the same kind of bundle Lambda runs: esbuild with the options of the house
 * Lambda construct (`BUNDLING` in lib/constructs/bundling.ts, code splitting included, so a chunk behind `import()`
 * loads on first use here as on Lambda). A bundle loads in tens of milliseconds, where compiling the TypeScript
 * sources in every worker took seconds per function. Bundles are cached in `.steward/build/<hash>/`, keyed by the
 * sources they are built from; a build a running process uses is kept when another one is made.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleSource, bundlingOptions } from '../constructs/bundling.ts';

/** The esbuild options of the deployed bundles (`BUNDLING`), minus minification: local stack traces stay readable. */
export const LOCAL_BUNDLING = bundlingOptions({ minify: false });

const SOURCES = ['lambdas', 'lib/core', 'lib/constructs/bundling.ts', 'package-lock.json'];

function hashInto(hash: ReturnType<typeof createHash>, root: string, path: string): void {
  const full = join(root, path);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full).sort()) hashInto(hash, root, join(path, name));
  } else {
    hash.update(`${path}\n`).update(readFileSync(full));
  }
}

function cacheKey(rootDir: string, ids: readonly string[]): { base: string; outdir: string } {
  const hash = createHash('sha256').update(ids.join(','));
  for (const source of SOURCES) hashInto(hash, rootDir, source);
  const key = hash.digest('hex').slice(0, 24);
  const base = join(rootDir, '.steward', 'build');
  return { base, outdir: join(base, key) };
}

/**
 * A process that runs functions from a build leaves a file `in-use.<pid>` in it: another build (sources changed, a
 * second local mode, the tests) must not delete a build a running local mode still loads chunks from, since a
 * function's lazy chunks load on first use, long after it started.
 */
const IN_USE = 'in-use.';

/** True while the process exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name.startsWith(IN_USE) && alive(Number(name.slice(IN_USE.length))));
  } catch {
    return false;
  }
}

/** Deletes the builds no running process uses: the cache keeps one build per set of sources in use, not every one. */
function dropOtherBuilds(base: string, outdir: string): void {
  if (!existsSync(base)) return;
  for (const old of readdirSync(base)) {
    const dir = join(base, old);
    if (dir !== outdir && !inUse(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function markInUse(outdir: string): void {
  writeFileSync(join(outdir, `${IN_USE}${process.pid}`), '');
}

/**
 * Builds (or reuses) one bundle per function id; returns the absolute path of each entry, by id. One esbuild build
 * for all functions: chunks of code several functions share are written once, and each function's lazy chunks load
 * on first use, as in its deployed bundle.
 */
export async function bundleFunctions(rootDir: string, ids: readonly string[]): Promise<Map<string, string>> {
  const { base, outdir } = cacheKey(rootDir, ids);
  const out = new Map(ids.map((id) => [id, join(outdir, `${id}.mjs`)]));
  if (![...out.values()].every((file) => existsSync(file))) {
    dropOtherBuilds(base, outdir);
    await build({
      ...LOCAL_BUNDLING,
      entryPoints: Object.fromEntries(ids.map((id) => [id, join(rootDir, 'lambdas', id, 'handler.ts')])),
      outdir,
    });
  }
  markInUse(outdir);
  return out;
}

/**
 * The whole code each function can run, by id: its bundle built alone, exactly as Lambda receives it (unminified),
 * entry and every chunk, lazy ones included. For the deploy preflight, which reads the SDK commands a function can
 * send: the shared chunks of {@link bundleFunctions} hold code of every function that shares them, which would
 * attribute one function's commands to another. Cached beside the local bundles.
 */
export async function deployedBundleSources(rootDir: string, ids: readonly string[]): Promise<Map<string, string>> {
  const { base, outdir } = cacheKey(rootDir, ids);
  const entry = (id: string): string => join(outdir, 'deployed', id, 'index.mjs');
  const missing = ids.filter((id) => !existsSync(entry(id)));
  if (missing.length > 0) {
    dropOtherBuilds(base, outdir);
    await Promise.all(
      missing.map((id) =>
        build({
          ...LOCAL_BUNDLING,
          entryPoints: { index: join(rootDir, 'lambdas', id, 'handler.ts') },
          outdir: join(outdir, 'deployed', id),
        }),
      ),
    );
  }
  return new Map(ids.map((id) => [id, bundleSource(entry(id))]));
}

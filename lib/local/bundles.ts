/**
 * Local mode runs each function from the same kind of bundle Lambda runs: esbuild with the options of the house
 * Lambda construct (`BUNDLING` in lib/constructs/steward-function.ts; a test keeps the two equal). A bundle loads in
 * tens of milliseconds, where compiling the TypeScript sources in every worker took seconds per function. Bundles
 * are cached in `.steward/build/<hash>/`, keyed by the sources they are built from.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The esbuild options of the deployed bundles (`BUNDLING`), minus minification: local stack traces stay readable. */
export const LOCAL_BUNDLING = {
  format: 'esm' as const,
  target: 'node22',
  platform: 'node' as const,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __stewardCreateRequire } from 'module';const require = __stewardCreateRequire(import.meta.url);",
  },
};

const SOURCES = ['lambdas', 'lib/core', 'package-lock.json'];

function hashInto(hash: ReturnType<typeof createHash>, root: string, path: string): void {
  const full = join(root, path);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full).sort()) hashInto(hash, root, join(path, name));
  } else {
    hash.update(`${path}\n`).update(readFileSync(full));
  }
}

/** Builds (or reuses) one bundle per function id; returns the absolute path of each, by id. */
export async function bundleFunctions(rootDir: string, ids: readonly string[]): Promise<Map<string, string>> {
  const hash = createHash('sha256').update(ids.join(','));
  for (const source of SOURCES) hashInto(hash, rootDir, source);
  const key = hash.digest('hex').slice(0, 24);
  const base = join(rootDir, '.steward', 'build');
  const outdir = join(base, key);
  const out = new Map(ids.map((id) => [id, join(outdir, `${id}.mjs`)]));
  if ([...out.values()].every((file) => existsSync(file))) return out;
  if (existsSync(base))
    for (const old of readdirSync(base)) if (old !== key) rmSync(join(base, old), { recursive: true, force: true });
  await build({
    ...LOCAL_BUNDLING,
    entryPoints: Object.fromEntries(ids.map((id) => [id, join(rootDir, 'lambdas', id, 'handler.ts')])),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    logLevel: 'silent',
  });
  return out;
}

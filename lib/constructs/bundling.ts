/**
 * How every Steward handler is bundled, for Lambda (the house construct's asset) and for local mode
 * (lib/local/bundles.ts) alike: one esbuild configuration, so the code local mode runs is split and loaded the way
 * the deployed code is. No CDK imports here: local mode loads this module without the CDK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BuildOptions, build, buildSync } from 'esbuild';

/**
 * Esbuild options every Steward bundle uses. ESM with the SDK inside; code splitting, so that a dynamic `import()`
 * (service authentication's SSM and Secrets Manager clients, the Step Functions client of the callback paths, the
 * SDK's own credential providers) becomes a chunk loaded on first use instead of code every cold start parses.
 */
export const BUNDLING = {
  bundle: true,
  format: 'esm' as const,
  target: 'node22',
  platform: 'node' as const,
  minify: true,
  // Maps for stack traces (NODE_OPTIONS=--enable-source-maps), without the sources in them: a trace needs only the
  // file and line, Node parses and keeps every map a function loads, and the sources were two thirds of their size
  // (45 MB less resident memory for local mode's environments).
  sourcemap: true,
  sourcesContent: false,
  splitting: true,
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  // ESM bundles of CommonJS dependencies call require(); the banner gives them one (in every chunk).
  banner:
    "import { createRequire as __stewardCreateRequire } from 'module';const require = __stewardCreateRequire(import.meta.url);",
};

/** The esbuild options of {@link BUNDLING} as esbuild's API takes them. */
export function bundlingOptions(overrides: Partial<Pick<BuildOptions, 'minify' | 'metafile'>> = {}): BuildOptions {
  const { banner, ...rest } = BUNDLING;
  return { ...rest, banner: { js: banner }, logLevel: 'silent', ...overrides };
}

/**
 * Bundles one handler for Lambda into `outputDir`: `index.mjs` (the handler `index.handler`) beside the chunks it
 * loads. Synchronous, with the esbuild of the project: synthesis needs neither Docker nor the network.
 */
export function bundleHandlerSync(entry: string, outputDir: string): void {
  buildSync({ ...bundlingOptions(), entryPoints: { index: entry }, outdir: outputDir });
}

/** {@link bundleHandlerSync}, asynchronous (tools and benchmarks). */
export async function bundleHandler(entry: string, outputDir: string, minify = true): Promise<void> {
  await build({ ...bundlingOptions({ minify }), entryPoints: { index: entry }, outdir: outputDir });
}

/** Relative module specifiers of the chunks an output file imports, statically or with `import()`. */
const CHUNK_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](\.\.?\/[^"']+\.mjs)["']/g;

/** Every file reached from `entryFile` through the imports `pattern` matches (relative `.mjs` chunks), each once. */
function reachable(entryFile: string, pattern: RegExp): string[] {
  const seen = new Set<string>();
  const queue = [entryFile];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) {
      const chunk = join(dirname(file), m[1]!);
      if (!existsSync(chunk)) throw new Error(`${file} imports ${m[1]}, which the bundle does not contain`);
      queue.push(chunk);
    }
  }
  return [...seen];
}

/**
 * The files of a bundle a function can ever run: its entry, then every chunk reached from it through static imports
 * and `import()`, each once. What is not listed here is code the function never loads.
 */
export function bundleFiles(entryFile: string): string[] {
  return reachable(entryFile, CHUNK_IMPORT);
}

const STATIC_IMPORT = /(?:\bfrom\s*|\bimport\s*)["'](\.\.?\/[^"']+\.mjs)["']/g;

/**
 * The files a function loads at cold start, before its handler runs: its entry and the chunks reached through
 * static imports only (a chunk behind `import()` loads when the code path needing it first runs).
 */
export function startupFiles(entryFile: string): string[] {
  return reachable(entryFile, STATIC_IMPORT);
}

/** The whole source of a bundle (entry and every chunk it can load), for tools that read what a function can do. */
export function bundleSource(entryFile: string): string {
  return bundleFiles(entryFile)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

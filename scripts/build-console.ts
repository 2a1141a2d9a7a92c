/**
 * Builds the Steward console (console/) into console/dist: one minified app.js, app.css and index.html. Run by
 * `npm run build:console`, by `prepare` (so an install ships a built console and `npm start` / `steward console`
 * need no build step) and by the test suite's global setup when dist is missing or older than the sources.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The console's directory in this checkout. */
export const CONSOLE_DIR = join(import.meta.dirname, '..', 'console');
/** Where the built console goes (gitignored). */
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');

/** Newest modification time among the files under `dir` (recursively), skipping `skip`. */
function newest(dir: string, skip: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === skip) continue;
    latest = Math.max(latest, entry.isDirectory() ? newest(path, skip) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * True when console/dist is missing or older than any console source. The response types the console imports from
 * lib/core are type-only (erased by the build), so they do not make the bundle stale.
 */
export function consoleIsStale(): boolean {
  const outputs = ['index.html', 'app.js', 'app.css'].map((f) => join(CONSOLE_DIST, f));
  if (!outputs.every((f) => existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  return newest(CONSOLE_DIR, CONSOLE_DIST) > built;
}

/** Builds the console into console/dist; returns the bundle sizes in bytes. */
export async function buildConsole(): Promise<{ js: number; css: number }> {
  mkdirSync(CONSOLE_DIST, { recursive: true });
  await build({
    entryPoints: { app: join(CONSOLE_DIR, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: CONSOLE_DIST,
    logLevel: 'warning',
    legalComments: 'none',
  });
  await build({
    entryPoints: { app: join(CONSOLE_DIR, 'style.css') },
    bundle: true,
    minify: true,
    outdir: CONSOLE_DIST,
    logLevel: 'warning',
  });
  copyFileSync(join(CONSOLE_DIR, 'index.html'), join(CONSOLE_DIST, 'index.html'));
  return { js: statSync(join(CONSOLE_DIST, 'app.js')).size, css: statSync(join(CONSOLE_DIST, 'app.css')).size };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = await buildConsole();
  console.log(`console/dist: app.js ${(sizes.js / 1024).toFixed(1)} KB, app.css ${(sizes.css / 1024).toFixed(1)} KB`);
}

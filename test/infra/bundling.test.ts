import * as path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundlingOptions } from '../../lib/constructs/bundling.ts';
import { FUNCTIONS } from '../../lib/core/functions.ts';
import { missingEntries, ROOT } from './support.ts';

describe('bundling', () => {
  it('bundles every handler with the options of the house construct (ESM, SDK inside, minified, split)', async () => {
    expect(missingEntries()).toEqual([]);
    const sizes: Record<string, number> = {};
    for (const spec of FUNCTIONS) {
      const out = await build({
        ...bundlingOptions(),
        entryPoints: { index: path.join(ROOT, spec.entry) },
        write: false,
        outdir: `/bundle/${spec.id}`,
      });
      const js = out.outputFiles.filter((f) => f.path.endsWith('.mjs'));
      const entry = js.find((f) => f.path === `/bundle/${spec.id}/index.mjs`)!;
      expect(entry.text).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      // Every file gets the require() shim: a chunk can hold CommonJS code as well as the entry.
      for (const file of js) expect(file.text, file.path).toContain('createRequire');
      const map = out.outputFiles.find((f) => f.path === `/bundle/${spec.id}/index.mjs.map`);
      // Maps name the TypeScript sources (stack traces under --enable-source-maps) without carrying them: each
      // environment parses and keeps the maps it loads, and the sources were two thirds of their size.
      const { sources, sourcesContent } = JSON.parse(map?.text ?? '{}') as {
        sources?: string[];
        sourcesContent?: unknown;
      };
      expect(sources?.some((s) => s.endsWith(`${spec.id}/handler.ts`))).toBe(true);
      expect(sourcesContent).toBeUndefined();
      sizes[spec.id] = js.reduce((n, f) => n + f.contents.byteLength, 0);
    }
    console.log(
      'bundle sizes (KB, minified, SDK bundled, all chunks):',
      Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, Math.round(v / 1024)])),
    );
    expect(Object.keys(sizes)).toHaveLength(FUNCTIONS.length);
  }, 120_000);
});

import * as path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLING } from '../../lib/constructs/steward-function.ts';
import { FUNCTIONS } from '../../lib/core/functions.ts';
import { missingEntries, ROOT } from './support.ts';

describe('bundling', () => {
  it('bundles every handler with the options of the house construct (ESM, SDK inside, minified)', async () => {
    expect(missingEntries()).toEqual([]);
    const sizes: Record<string, number> = {};
    for (const spec of FUNCTIONS) {
      const out = await build({
        entryPoints: [path.join(ROOT, spec.entry)],
        bundle: true,
        write: false,
        outfile: `/bundle/${spec.id}/index.mjs`,
        format: BUNDLING.format,
        platform: BUNDLING.platform,
        target: BUNDLING.target,
        minify: BUNDLING.minify,
        sourcemap: BUNDLING.sourcemap,
        mainFields: BUNDLING.mainFields,
        banner: { js: BUNDLING.banner },
        external: [],
        logLevel: 'silent',
      });
      const js = out.outputFiles.find((f) => f.path.endsWith('.mjs'))!;
      expect(js.text).toContain('createRequire');
      expect(out.outputFiles.some((f) => f.path.endsWith('.map'))).toBe(true);
      sizes[spec.id] = js.contents.byteLength;
    }
    console.log(
      'bundle sizes (KB, minified, SDK bundled):',
      Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, Math.round(v / 1024)])),
    );
    expect(Object.keys(sizes)).toHaveLength(FUNCTIONS.length);
  }, 120_000);
});

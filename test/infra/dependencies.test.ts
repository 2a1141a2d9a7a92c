/**
 * Dependency hygiene, read from the sources so it cannot drift: every package the code imports is declared in
 * package.json; code that ships (handlers, the core, constructs, stacks, the CLI with local mode and `steward test`)
 * imports only `dependencies`; every entry of `dependencies` is imported by shipping code or is a peer dependency of
 * one that is (test-only packages belong in devDependencies); and one version of Powertools' commons is installed, so
 * bundles do not carry several copies.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Folders whose code is deployed or runs from the `steward` command (tests, benchmarks and scripts do not ship). */
const SHIPPING = ['lambdas', 'lib', 'bin', 'samples'];
const SOURCES = ['lambdas', 'lib', 'bin', 'bench', 'scripts', 'test', 'samples'];
const BUILTINS = new Set(['module']);
/** Type-only imports resolve to their @types package. */
const TYPES: Record<string, string> = { 'aws-lambda': '@types/aws-lambda' };

function files(dir: string): string[] {
  const full = join(root, dir);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((name) => {
    const path = join(full, name);
    if (statSync(path).isDirectory()) return files(relative(root, path));
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

/** Bare package names a file imports (static, dynamic or require). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*|^import\s+)'([^'.][^']*)'/gm)) {
    const spec = m[1] ?? '';
    if (spec.startsWith('node:') || spec.startsWith('$')) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
    if (!BUILTINS.has(name)) names.add(TYPES[name] ?? name);
  }
  return [...names];
}

const all = SOURCES.flatMap(files).map((f) => ({ file: relative(root, f), imports: importsOf(f) }));
const isShipping = (file: string): boolean => SHIPPING.some((s) => file === s || file.startsWith(`${s}/`));

describe('dependencies', () => {
  it('declares every package the code imports', () => {
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    const undeclared = all.flatMap(({ file, imports }) =>
      imports.filter((name) => !declared.has(name)).map((name) => `${file}: ${name}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('ships only what `dependencies` lists', () => {
    const devOnly = all
      .filter(({ file }) => isShipping(file))
      .flatMap(({ file, imports }) =>
        imports
          .filter((name) => name in pkg.devDependencies && !name.startsWith('@types/'))
          .map((name) => `${file}: ${name}`),
      );
    expect(devOnly).toEqual([]);
  });

  it('lists in `dependencies` only what shipping code imports, with their peer dependencies', () => {
    const used = new Set(all.filter(({ file }) => isShipping(file)).flatMap(({ imports }) => imports));
    for (const name of [...used]) {
      const manifest = join(root, 'node_modules', name, 'package.json');
      const peers = Object.keys(
        (JSON.parse(readFileSync(manifest, 'utf8')) as { peerDependencies?: Record<string, string> })
          .peerDependencies ?? {},
      );
      for (const peer of peers) used.add(peer);
    }
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
  });

  it('installs one version of Powertools commons', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const versions = new Set(
      Object.entries(lock.packages)
        .filter(([path]) => path.endsWith('node_modules/@aws-lambda-powertools/commons'))
        .map(([, p]) => p.version),
    );
    expect([...versions]).toHaveLength(1);
  });
});

/**
 * What the hot-path functions load at cold start. Each is bundled as deployed (lib/constructs/bundling.ts); the
 * modules of its entry and the chunks reached through static imports are what every cold start parses and runs,
 * and clients needed on some paths only must stay behind `import()`. The same bundle, as a CDK asset, must hold those
 * lazy chunks, and the preflight must still see the commands they send.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFiles, bundleHandler, bundleSource, startupFiles } from '../../lib/constructs/bundling.ts';
import { StewardFunction } from '../../lib/constructs/steward-function.ts';
import { functionSpec } from '../../lib/core/functions.ts';
import { tierConfig } from '../../lib/core/tiers.ts';
import { commandsInBundle } from '../../lib/local/iam/preflight.ts';
import { ROOT } from './support.ts';

const HOT_PATH = ['step-runner', 'waiter', 'event-router'] as const;

/** Modules of a bundle's files, from esbuild's `// path` headers (unminified output). */
function modulesOf(files: readonly string[]): string[] {
  const modules: string[] = [];
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^\/\/ (\S+\.[cm]?[jt]s)$/gm)) modules.push(m[1]!);
  }
  return modules;
}

const packageOf = (module: string): string | undefined =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(module)?.[1] ?? undefined;

describe('cold start of the hot path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-cold-'));
  const entries = new Map<string, string>();

  beforeAll(async () => {
    for (const id of HOT_PATH) {
      await bundleHandler(join(ROOT, 'lambdas', id, 'handler.ts'), join(dir, id), false);
      entries.set(id, join(dir, id, 'index.mjs'));
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(HOT_PATH)('%s: no client needed on some paths only is loaded at start', (id) => {
    const atStart = new Set(modulesOf(startupFiles(entries.get(id)!)).map(packageOf));
    const inAll = new Set(modulesOf(bundleFiles(entries.get(id)!)).map(packageOf));

    for (const pkg of [
      '@aws-sdk/client-sfn',
      '@aws-sdk/client-eventbridge',
      '@aws-sdk/client-ssm',
      '@aws-sdk/client-secrets-manager',
      '@aws-lambda-powertools/parameters',
      // The SDK's SSO/STS credential providers: Lambda's credentials come from the environment.
      '@aws-sdk/nested-clients',
    ]) {
      expect(atStart, `${id} loads ${pkg} at cold start`).not.toContain(pkg);
    }
    // Still in the bundle, behind import(): the token callbacks are a path of all three.
    expect(inAll).toContain('@aws-sdk/client-sfn');
    expect(atStart).toContain('@aws-sdk/client-dynamodb');
  });

  it('step runner: service authentication and sub-workflow starts load on first use only', () => {
    const entry = entries.get('step-runner')!;
    const atStart = modulesOf(startupFiles(entry));
    const inAll = modulesOf(bundleFiles(entry));

    for (const lazy of ['lambdas/step-runner/auth.ts', 'lambdas/step-runner/sub-workflow.ts']) {
      expect(atStart).not.toContain(lazy);
      expect(inAll).toContain(lazy);
    }
    expect(inAll.map(packageOf)).toContain('@aws-sdk/client-ssm');
    expect(atStart).toContain('lambdas/step-runner/service-call.ts');
  });

  it.each(HOT_PATH)(
    '%s: imports neither node:http nor node:dns as ES modules at start (their facades load more)',
    (id) => {
      for (const file of startupFiles(entries.get(id)!)) {
        expect(readFileSync(file, 'utf8'), file).not.toMatch(/\bfrom\s*["'](?:node:)?(?:http|dns)["']/);
      }
    },
  );

  it.each(HOT_PATH)('%s: the preflight reads the commands of the lazy chunks', (id) => {
    const commands = commandsInBundle(bundleSource(entries.get(id)!)).map((c) => `${c.service}:${c.operation}`);

    expect(commands).toContain('states:SendTaskSuccess');
    if (id === 'step-runner')
      expect(commands).toEqual(expect.arrayContaining(['events:PutEvents', 'states:StartExecution']));
  });

  it('the CDK asset of each function is its own bundle: the entry and the chunks it loads, built without Docker', () => {
    const app = new App({ outdir: join(dir, 'cdk.out') });
    const stack = new Stack(app, 'ColdStart');
    for (const [cid, id] of [
      ['Waiter', 'waiter'],
      ['EventRouter', 'event-router'],
    ] as const) {
      new StewardFunction(stack, cid, {
        spec: functionSpec(id),
        tier: tierConfig('dev'),
        deployment: 'cold',
        rootDir: ROOT,
      });
    }

    const assembly = app.synth();

    const assets = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name));
    expect(assets).toHaveLength(2);
    const [a, b] = assets.map((asset) => readFileSync(join(asset, 'index.mjs'), 'utf8'));
    expect(a).not.toEqual(b);
    for (const asset of assets) {
      const entry = join(asset, 'index.mjs');
      const lazy = bundleFiles(entry).filter((f) => !startupFiles(entry).includes(f));
      expect(lazy.some((f) => readFileSync(f, 'utf8').includes('SendTaskSuccess'))).toBe(true);
      expect(readdirSync(asset)).toContain('index.mjs.map');
    }
  }, 120_000);
});

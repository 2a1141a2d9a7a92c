import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStewardApp } from '../../lib/app.ts';
import { parseManifest, type ServiceSpec } from '../../lib/core/supervision/manifest.ts';
import type { StackTemplate } from '../../lib/local/cfn.ts';
import { EcsService } from '../../lib/local/ecs/index.ts';
import { defineContainerServices } from '../../lib/local/services.ts';
import { deriveWiring } from '../../lib/local/wiring.ts';

const SERVICE_SCRIPT = new URL('../local/fixtures/http-service.mjs', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A manifest listed dependents first: r3 → r2 → r1. */
async function reverseManifest(): Promise<ServiceSpec[]> {
  const spec = (name: string, port: number, depends?: string): ServiceSpec => ({
    name,
    port,
    image: 'public.ecr.aws/docker/library/node:22-alpine',
    command: ['node', SERVICE_SCRIPT],
    environment: { PORT: String(port), NAME: name },
    ...(depends ? { depends_on: [depends] } : {}),
  });
  return [spec('r3', await freePort(), 'r2'), spec('r2', await freePort(), 'r1'), spec('r1', await freePort())];
}

/** The deployment's templates for a manifest of `specs` (no workflows), as `cdk synth` writes them. */
function synthesize(specs: ServiceSpec[]): StackTemplate[] {
  const { app } = createStewardApp({
    tier: 'dev',
    nag: false,
    workflows: [],
    manifest: { services: specs },
    outdir: mkdtempSync(join(tmpdir(), 'steward-start-order-')),
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  return app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
}

describe('start order of managed services in local mode', () => {
  const started: string[] = [];
  const ecs = new EcsService({
    onOutput: (_service, _stream, line) => {
      const m = /^listening (\S+)/.exec(line);
      if (m) started.push(m[1]!);
    },
    stopGraceMs: 1000,
    handleSignals: false,
  });
  afterAll(async () => {
    await ecs.close();
  });

  it('follows depends_on from the template, dependencies first, whatever the listing order', async () => {
    const specs = await reverseManifest();
    expect(parseManifest({ services: specs }).ok).toBe(true);
    const wiring = deriveWiring(synthesize(specs));
    expect(Object.fromEntries(wiring.containerServices.map((s) => [s.serviceName, s.dependsOn]))).toEqual({
      r3: ['r2'],
      r2: ['r1'],
      r1: [],
    });

    defineContainerServices(ecs, wiring, {
      rootDir: process.cwd(),
      startContainers: true,
      containerEnv: {},
      log: () => undefined,
    });
    await ecs.start();

    // Each starts only once the one before it accepts connections (its "listening" line comes first).
    expect(started).toEqual(['r1', 'r2', 'r3']);
    for (const name of ['r1', 'r2', 'r3']) expect(ecs.pidOf(name), name).toBeDefined();
  }, 180_000);

  it('refuses a dependency cycle in the manifest, naming the path', () => {
    const result = parseManifest({
      services: [
        { name: 'r1', port: 1, depends_on: ['r3'] },
        { name: 'r2', port: 2, depends_on: ['r1'] },
        { name: 'r3', port: 3, depends_on: ['r2'] },
      ],
    });

    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.some((p) => /cycle/i.test(p.message) && p.path.startsWith('services['))).toBe(true);
  });
});

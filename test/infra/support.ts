import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { createStewardApp, type StewardApp, type StewardAppOptions } from '../../lib/app.ts';
import { FUNCTIONS } from '../../lib/core/functions.ts';

/** The repository root (or STEWARD_INFRA_ROOT: another checkout with the same layout). */
export const ROOT =
  process.env.STEWARD_INFRA_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Handler entries of lib/core/functions.ts that do not exist yet. */
export function missingEntries(rootDir = ROOT): string[] {
  return FUNCTIONS.filter((f) => !existsSync(path.join(rootDir, f.entry))).map((f) => f.entry);
}

/** A synthesized app with one Template per stack, by stack id suffix (`Data`, `Workflows`, `Workflows2` …). */
export interface Synthesized extends StewardApp {
  readonly templates: Record<string, Template>;
  readonly raw: Record<
    string,
    {
      Resources: Record<
        string,
        { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
      >;
    }
  >;
}

/** Synthesizes the app with bundling skipped; fails naming any handler entry that is missing. */
export function synth(options: StewardAppOptions = {}): Synthesized {
  const missing = missingEntries(options.rootDir ?? ROOT);
  if (missing.length > 0) throw new Error(`Handler entries missing (written by other areas): ${missing.join(', ')}`);
  const built = createStewardApp({
    rootDir: ROOT,
    nag: false,
    ...options,
    context: { 'aws:cdk:bundling-stacks': [], ...options.context },
  });
  const assembly = built.app.synth();
  const templates: Record<string, Template> = {};
  const raw: Synthesized['raw'] = {};
  for (const s of assembly.stacks) {
    const key = s.stackName.split('-').pop()!;
    templates[key] = Template.fromJSON(s.template);
    raw[key] = s.template;
  }
  return { ...built, templates, raw };
}

/** Every resource of a type across all stacks. */
export function resourcesOf(
  s: Synthesized,
  type: string,
): Array<{ stack: string; id: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> {
  return Object.entries(s.raw).flatMap(([stack, t]) =>
    Object.entries(t.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => ({ stack, id, Properties: r.Properties ?? {}, Metadata: r.Metadata })),
  );
}

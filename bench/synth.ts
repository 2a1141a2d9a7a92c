/**
 * Synth time and resource counts for N synthetic workflows + N managed services (N = 10, 50, 100), bundling
 * skipped and cdk-nag off (what is measured is Steward's construct tree, not the nag packs or esbuild).
 * Target: synth(100 + 100) ÷ synth(10 + 10) ≤ 10. Run: `npx tsx bench/synth.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStewardApp } from '../lib/app.ts';
import { syntheticServices, syntheticWorkflows } from '../test/infra/fixtures.ts';
import { missingEntries } from '../test/infra/support.ts';

const ROOT = process.env.STEWARD_INFRA_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Row {
  workflows: number;
  services: number;
  synth_ms: number;
  stacks: number;
  resources: number;
  max_resources_per_stack: number;
}

function measure(n: number): Row {
  const outdir = mkdtempSync(path.join(tmpdir(), 'steward-bench-'));
  const workflows = syntheticWorkflows(n);
  const services = syntheticServices(n);
  const t0 = performance.now();
  const { app } = createStewardApp({
    rootDir: ROOT,
    outdir,
    nag: false,
    context: { 'aws:cdk:bundling-stacks': [] },
    workflows,
    manifest: { services },
  });
  const assembly = app.synth();
  const ms = performance.now() - t0;
  const counts = assembly.stacks.map((s) => Object.keys(s.template.Resources ?? {}).length);
  rmSync(outdir, { recursive: true, force: true });
  return {
    workflows: n,
    services: n,
    synth_ms: Math.round(ms),
    stacks: counts.length,
    resources: counts.reduce((a, b) => a + b, 0),
    max_resources_per_stack: Math.max(...counts),
  };
}

const missing = missingEntries(ROOT);
if (missing.length > 0) {
  console.error(`Cannot synthesize: handler entries missing: ${missing.join(', ')}`);
  process.exit(1);
}
measure(10); // warm-up: module loading and JIT are not what is measured
const rows: Row[] = [];
for (const n of [10, 50, 100]) {
  // Best of three: synth is single-threaded and the machine is shared.
  const runs = [measure(n), measure(n), measure(n)];
  rows.push(runs.reduce((a, b) => (b.synth_ms < a.synth_ms ? b : a)));
}
const ratio = rows[2]!.synth_ms / rows[0]!.synth_ms;
console.table(rows);
console.log(`synth(100+100) ÷ synth(10+10) = ${ratio.toFixed(2)} (target ≤ 10)`);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'synth.json'),
  `${JSON.stringify({ measured_at: new Date().toISOString(), rows, ratio_100_to_10: Number(ratio.toFixed(2)), target: 10 }, null, 2)}\n`,
);

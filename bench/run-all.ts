/**
 * Runs every benchmark in bench/ one after another (they measure ratios on this machine, so they must not overlap),
 * then prints where each wrote its figures. Usage: `npm run bench` or `npm run bench -- compile probes`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? wanted : all;
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== bench/${name}.ts ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name}.ts exited with ${result.status ?? result.signal}`);
  }
}
console.log('\nResults:');
for (const name of chosen) {
  const file = join(here, 'results', `${name}.json`);
  console.log(`  ${name}: ${existsSync(file) ? file : '(no JSON written)'}`);
}
process.exit(failed > 0 ? 1 : 0);

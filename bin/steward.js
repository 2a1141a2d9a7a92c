#!/usr/bin/env node
// Package `bin` shim: runs bin/steward.ts with this package's own tsx, passing the arguments and the exit code through.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsxCli = join(dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
const result = spawnSync(process.execPath, [tsxCli, join(here, 'steward.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (result.error) {
  process.stderr.write(`steward: cannot start tsx (${result.error.message})\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);

/**
 * The `steward` CLI: a small dispatcher. The first argument names a command of `lib/cli/commands.ts`; the rest is
 * passed to the command's `run`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMANDS, type CommandModule, usage } from '../lib/cli/commands.ts';

/** Steward's version, from its package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Dispatches argv (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
  });
  const name = positionals[0];
  if (values.version && argv[0]?.startsWith('-')) {
    process.stdout.write(`steward ${version()}\n`);
    return 0;
  }
  if (name === undefined || (values.help && argv[0]?.startsWith('-'))) {
    if (name === undefined && !values.help) {
      process.stderr.write(usage());
      return 2;
    }
    process.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`steward: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let module: CommandModule;
  try {
    module = await command.load();
  } catch (e) {
    process.stderr.write(
      `steward: the "${name}" command could not be loaded (${(e as Error).message}); is this installation complete?\n`,
    );
    return 1;
  }
  try {
    return await module.run(argv.slice(argv.indexOf(name) + 1));
  } catch (e) {
    // A mistyped option or a missing value: one line and exit 2, as command-line tools do, not a stack trace.
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`steward ${name}: ${(e as Error).message}\nRun "steward ${name} --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`steward: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);

/**
 * The `steward` CLI: a small dispatcher. The first argument names a command of `lib/cli/commands.ts`; the rest is
 * passed to the command's `run`.
 */
import { parseArgs } from 'node:util';
import { COMMANDS, type CommandModule, usage } from '../lib/cli/commands.ts';

/** Dispatches argv (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  const name = positionals[0];
  if (name === undefined || (values.help && argv[0]?.startsWith('-'))) {
    process.stdout.write(usage());
    return name === undefined && !values.help ? 2 : 0;
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
  return module.run(argv.slice(argv.indexOf(name) + 1));
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

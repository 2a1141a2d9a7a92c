/**
 * `steward validate FILE…`: prints `file: OK` or every problem as `file: path: message`; exit 1 if any is invalid.
 */
import { parseArgs } from 'node:util';
import { formatProblems, type Io, loadWorkflowFile, processIo } from './workflow-file.ts';

/** Help text. */
export const help = `steward validate — check workflow files

Usage: steward validate FILE... [--known-workflows]

Prints "FILE: OK" for a valid file, else one line per problem: "FILE: path: message".
Exits 1 if any file is invalid.

Options:
  --known-workflows  also check that sub_workflow steps name a workflow among the FILEs given
  -h, --help         show this help
`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, 'known-workflows': { type: 'boolean' } },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  if (positionals.length === 0) {
    io.err(`steward validate: name at least one FILE\n\n${help}`);
    return 2;
  }
  let knownWorkflows: string[] | undefined;
  if (values['known-workflows']) {
    const loaded = await Promise.all(positionals.map((f) => loadWorkflowFile(f)));
    knownWorkflows = loaded.flatMap((l) => (l.ok ? [l.workflow.name] : []));
  }
  let failed = 0;
  for (const file of positionals) {
    const result = await loadWorkflowFile(file, knownWorkflows ? { knownWorkflows } : {});
    if (result.ok) io.out(`${file}: OK\n`);
    else {
      failed++;
      io.out(`${formatProblems(file, result.problems)}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

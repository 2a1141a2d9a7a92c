/**
 * `steward validate FILE…`: prints `file: OK` or every problem as `file: path: message`; exit 1 if any is invalid.
 */
import { parseArgs } from 'node:util';
import { formatProblems, type Io, loadWorkflowFile, processIo } from './workflow-file.ts';

/** Help text. */
export const help = `steward validate — check workflow files

Usage: steward validate FILE... [--known-workflows] [--json]

Prints "FILE: OK" for a valid file, else one line per problem: "FILE: path: message".
Exits 1 if any file is invalid.

Options:
  --known-workflows  also check that sub_workflow steps name a workflow among the FILEs given
  --json             print [{"file", "valid", "problems": [{"path", "message"}]}] instead
  -h, --help         show this help
`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      'known-workflows': { type: 'boolean' },
      json: { type: 'boolean' },
    },
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
  const results: Array<{ file: string; valid: boolean; problems: Array<{ path: string; message: string }> }> = [];
  for (const file of positionals) {
    const result = await loadWorkflowFile(file, knownWorkflows ? { knownWorkflows } : {});
    if (!result.ok) failed++;
    results.push({ file, valid: result.ok, problems: result.ok ? [] : result.problems });
    if (values.json) continue;
    io.out(result.ok ? `${file}: OK\n` : `${formatProblems(file, result.problems)}\n`);
  }
  if (values.json) io.out(`${JSON.stringify(results, null, 2)}\n`);
  return failed > 0 ? 1 : 0;
}

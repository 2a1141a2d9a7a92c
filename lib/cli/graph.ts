/**
 * `steward graph FILE`: the workflow as a Mermaid flowchart on stdout.
 */
import { parseArgs } from 'node:util';
import { workflowGraph } from '../core/workflow/index.ts';
import { formatProblems, type Io, loadWorkflowFile, processIo } from './workflow-file.ts';

/** Help text. */
export const help = `steward graph — print a workflow as a Mermaid flowchart

Usage: steward graph FILE [--json]

Prints a "flowchart TD" with each step (shaped by type), its dependencies, choice branches, map bodies and
error handlers (dashed edges). Paste it into any Mermaid renderer, or a \`\`\`mermaid block on GitHub.

Options:
  --json      print {"file", "mermaid"} instead
  -h, --help  show this help
`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const file = positionals[0];
  if (positionals.length !== 1 || file === undefined) {
    io.err(`steward graph: name exactly one FILE\n\n${help}`);
    return 2;
  }
  const loaded = await loadWorkflowFile(file);
  if (!loaded.ok) {
    io.err(`${formatProblems(file, loaded.problems)}\n`);
    return 1;
  }
  const mermaid = workflowGraph(loaded.workflow);
  io.out(values.json ? `${JSON.stringify({ file, mermaid }, null, 2)}\n` : mermaid);
  return 0;
}

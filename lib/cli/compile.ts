/**
 * `steward compile FILE [--report]`: the ASL JSON on stdout, or with `--report` the compile report.
 */
import { parseArgs } from 'node:util';
import { compileWorkflow } from '../core/workflow/index.ts';
import { formatProblems, type Io, loadWorkflowFile, processIo } from './workflow-file.ts';

/** Help text. */
export const help = `steward compile — compile a workflow to Amazon States Language

Usage: steward compile FILE [--report] [--timeout SECONDS]

Prints the state machine definition (JSON, with \${StepRunnerArn} and \${WaiterArn} left as definition
substitutions). With --report, prints the compile report instead: states, transitions on the happy path and in the
worst case, cost per million runs (Standard and Express), Express blockers, parallelism, substitutions; for a DAG
that is not series-parallel, the edges that became joins and the cost of both strategies (exact, phased).

Options:
  --report            print the report instead of the ASL
  --timeout SECONDS   the run's TimeoutSeconds (overrides the workflow's timeout)
  -h, --help          show this help
`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, report: { type: 'boolean' }, timeout: { type: 'string' } },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  const file = positionals[0];
  if (positionals.length !== 1 || file === undefined) {
    io.err(`steward compile: name exactly one FILE\n\n${help}`);
    return 2;
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    io.err(`steward compile: --timeout must be a positive integer number of seconds, got "${values.timeout}"\n`);
    return 2;
  }
  const loaded = await loadWorkflowFile(file);
  if (!loaded.ok) {
    io.err(`${formatProblems(file, loaded.problems)}\n`);
    return 1;
  }
  const { asl, report } = compileWorkflow(loaded.workflow, timeout ? { stateMachineTimeoutSeconds: timeout } : {});
  io.out(`${JSON.stringify(values.report ? report : asl, null, 2)}\n`);
  return 0;
}

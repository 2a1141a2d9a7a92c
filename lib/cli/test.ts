/**
 * `steward test WORKFLOW --cases CASES [--json]`: runs a workflow's test cases in the local engine with the real step
 * runner and mocked services (lib/cli/workflow-test), one line per case; exit code 1 when any case fails.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseJsonFile } from '../core/json-file.ts';
import { type CasesFile, casesFileSchema, casesJsonSchema } from '../core/workflow/test-cases.ts';
import { formatProblems, type Io, loadWorkflowFile, processIo } from './workflow-file.ts';
import type { TestEnvironment } from './workflow-test/environment.ts';
import { testEnvironment } from './workflow-test/environment.ts';
import { type CaseResult, type ChildRunner, WorkflowTester } from './workflow-test/runner.ts';

/** Help text. */
export const help = `steward test — run a workflow's test cases with mocked services, time skipped

Usage: steward test WORKFLOW --cases CASES [--json] [--concurrency N]
       steward test --schema

Compiles WORKFLOW and runs each case of CASES (a JSON file, see docs/testing-workflows.md) in the local Step
Functions engine. Every service call goes through Steward's real step runner (retries, notify, fallback,
compensation, history) and is answered by the case's mocks; event waits by the case's events; sub-workflows by
their mocks. Retry delays, waits and timeouts take no wall time. Prints one line per case, and on failure the
run's trace (step, attempt, result) beside what was expected.

Options:
  --cases FILE        the cases file (required)
  --json              print the results as JSON
  --concurrency N     cases run at once (default 8)
  --schema            print the JSON Schema of cases files
  -h, --help          show this help
`;

/** The results of one cases file. */
export interface TestReport {
  workflow: string;
  cases: string;
  passed: number;
  failed: number;
  durationMs: number;
  results: CaseResult[];
}

/** Reads and checks a cases file; problems are `path: message` lines. */
export async function loadCases(
  file: string,
): Promise<{ ok: true; cases: CasesFile } | { ok: false; problems: string[] }> {
  let doc: unknown;
  try {
    doc = parseJsonFile(await readFile(file, 'utf8'));
  } catch (e) {
    return { ok: false, problems: [`cannot read the cases: ${(e as Error).message}`] };
  }
  const parsed = casesFileSchema.safeParse(doc);
  if (parsed.success) return { ok: true, cases: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`) };
}

/** Runs a cases file against a workflow file (in this process). */
export async function runCasesFile(
  workflowFile: string,
  casesFile: string,
  concurrency = 8,
): Promise<{ ok: true; report: TestReport } | { ok: false; problems: string[] }> {
  const loaded = await loadWorkflowFile(workflowFile);
  if (!loaded.ok) return { ok: false, problems: [formatProblems(workflowFile, loaded.problems)] };
  const cases = await loadCases(casesFile);
  if (!cases.ok) return { ok: false, problems: cases.problems.map((p) => `${casesFile}: ${p}`) };
  const started = performance.now();
  const env = await testEnvironment();
  try {
    const tester = new WorkflowTester(loaded.workflow, env, childRunner(env, dirname(casesFile)));
    const results: CaseResult[] = new Array(cases.cases.cases.length);
    const queue = cases.cases.cases.map((c, i) => ({ c, i }));
    await Promise.all(
      Array.from({ length: Math.max(1, concurrency) }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) results[job.i] = await tester.run(job.c);
      }),
    );
    const failed = results.filter((r) => !r.passed).length;
    return {
      ok: true,
      report: {
        workflow: workflowFile,
        cases: casesFile,
        passed: results.length - failed,
        failed,
        durationMs: Math.round(performance.now() - started),
        results,
      },
    };
  } finally {
    env.release();
  }
}

/** Runs a child workflow's case for a sub-workflow step; paths are relative to the parent's cases file. */
function childRunner(env: TestEnvironment, base: string): ChildRunner {
  const testers = new Map<string, WorkflowTester>();
  const run: ChildRunner = async (child, context) => {
    const workflowFile = resolve(base, child.workflow);
    const casesPath = resolve(base, child.cases);
    const loaded = await loadWorkflowFile(workflowFile);
    if (!loaded.ok) throw new Error(formatProblems(workflowFile, loaded.problems));
    const cases = await loadCases(casesPath);
    if (!cases.ok) throw new Error(`${casesPath}: ${cases.problems.join('; ')}`);
    const testCase = cases.cases.cases.find((c) => c.name === child.case);
    if (!testCase) throw new Error(`${casesPath}: no case named "${child.case}"`);
    let tester = testers.get(workflowFile);
    if (!tester) {
      tester = new WorkflowTester(loaded.workflow, env, childRunner(env, dirname(casesPath)));
      testers.set(workflowFile, tester);
    }
    return tester.runAsChild(testCase, context);
  };
  return run;
}

/** The human output: one line per case; a failed case shows what was expected and the run's trace. */
export function formatReport(report: TestReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    lines.push(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name}  (${Math.round(r.durationMs)} ms)`);
    if (r.passed) continue;
    for (const m of r.misses) lines.push(`        expected: ${m}`);
    lines.push(`        run: ${r.run.status}${r.run.error ? ` (${r.run.error}: ${r.run.cause ?? ''})` : ''}`);
    for (const t of r.run.trace) lines.push(`        trace: ${t.step}  ${t.kind}  attempt ${t.attempt}  ${t.result}`);
  }
  lines.push(`${report.passed} passed, ${report.failed} failed (${report.durationMs} ms)`);
  return `${lines.join('\n')}\n`;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      cases: { type: 'string' },
      json: { type: 'boolean' },
      schema: { type: 'boolean' },
      concurrency: { type: 'string' },
    },
  });
  if (values.help) {
    io.out(help);
    return 0;
  }
  if (values.schema) {
    io.out(`${JSON.stringify(casesJsonSchema(), null, 2)}\n`);
    return 0;
  }
  const workflow = positionals[0];
  if (positionals.length !== 1 || workflow === undefined || values.cases === undefined) {
    io.err(`steward test: name one WORKFLOW file and --cases FILE\n\n${help}`);
    return 2;
  }
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    io.err(`steward test: --concurrency must be a positive integer, got "${values.concurrency}"\n`);
    return 2;
  }
  const outcome = await runCasesFile(workflow, values.cases, concurrency);
  if (!outcome.ok) {
    io.err(`${outcome.problems.join('\n')}\n`);
    return 1;
  }
  io.out(values.json ? `${JSON.stringify(outcome.report, null, 2)}\n` : formatReport(outcome.report));
  return outcome.report.failed > 0 ? 1 : 0;
}

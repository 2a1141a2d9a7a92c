/**
 * `steward test`: every example of statemachines/ ships a cases file, and every case passes through the CLI's runner
 * (the real step runner on dynalite, mocked services); a failing case exits 1 and prints the run's trace; the
 * committed JSON Schema is the one the zod schema generates.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, runCasesFile } from '../../lib/cli/test.ts';
import { casesJsonSchema } from '../../lib/core/workflow/test-cases.ts';

const EXAMPLES = join(import.meta.dirname, '../../statemachines');
const CASES = join(EXAMPLES, 'tests');
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .sort();

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => (out += t), err: (t: string) => (err += t) }, out: () => out, err: () => err };
}

describe('steward test: the examples cases', () => {
  it.each(examples)(
    '%s has a cases file referencing the schema, and every case passes',
    async (file) => {
      const cases = join(CASES, file.replace(/\.json$/, '.cases.json'));
      expect(existsSync(cases), `${cases} is missing`).toBe(true);
      expect(JSON.parse(readFileSync(cases, 'utf8')).$schema).toBe('./cases.schema.json');

      const outcome = await runCasesFile(join(EXAMPLES, file), cases);

      if (!outcome.ok) throw new Error(outcome.problems.join('\n'));
      const failed = outcome.report.results.filter((r) => !r.passed);
      expect(failed.map((r) => ({ name: r.name, misses: r.misses, trace: r.run.trace }))).toEqual([]);
      expect(outcome.report.passed).toBeGreaterThanOrEqual(2);
    },
    240_000,
  );

  it('the committed JSON Schema is the generated one', () => {
    const committed = JSON.parse(readFileSync(join(CASES, 'cases.schema.json'), 'utf8'));

    expect(committed).toEqual(casesJsonSchema());
  });
});

describe('steward test: the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-test-'));
  const casesFile = (cases: unknown[]): string => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.cases.json`);
    writeFileSync(path, JSON.stringify({ cases }));
    return path;
  };
  const seed = join(EXAMPLES, 'agent-task-execution.json');

  it('exits 1 on a failing case and prints the run trace beside the expectation', async () => {
    const c = capture();
    const cases = casesFile([
      {
        name: 'expects success although preparation always fails',
        context: { task_id: 't', agent_id: 'a', project_id: 'p' },
        mocks: { task_preparation: { status: 500 } },
        expect: { status: 'completed' },
      },
    ]);

    const code = await run([seed, '--cases', cases], c.io);

    expect(code).toBe(1);
    expect(c.out()).toContain('FAIL  expects success although preparation always fails');
    expect(c.out()).toContain('expected: status: expected completed, got failed');
    expect(c.out()).toContain('trace: task_preparation  service_call  attempt 3  Steward.Http5xx');
  }, 120_000);

  it('prints JSON with --json and exits 0 when every case passes', async () => {
    const c = capture();
    const cases = casesFile([
      {
        name: 'preparation 400 fails the run at once',
        context: { task_id: 't', agent_id: 'a', project_id: 'p' },
        mocks: { task_preparation: { status: 400 } },
        expect: { status: 'failed', error: 'Steward.Http4xx', attempts: { task_preparation: 1 } },
      },
    ]);

    const code = await run([seed, '--cases', cases, '--json'], c.io);

    expect(code).toBe(0);
    const report = JSON.parse(c.out());
    expect(report).toMatchObject({ passed: 1, failed: 0, results: [{ passed: true }] });
  }, 120_000);

  it('refuses a cases file that does not match the schema, naming the field', async () => {
    const c = capture();
    const cases = casesFile([{ name: 'x', expect: { status: 'done' } }]);

    const code = await run([seed, '--cases', cases], c.io);

    expect(code).toBe(1);
    expect(c.err()).toContain('cases.0.expect.status');
  });
});

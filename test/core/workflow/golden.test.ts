/**
 * Golden ASL for every example in statemachines/. To accept a deliberate change of the compiler's output:
 *   UPDATE_GOLDEN=1 npx vitest run test/core/workflow/golden.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../../../lib/core/workflow/index.ts';
import { aslProblems, exampleFiles, loadExample } from './helpers.ts';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');

describe('golden ASL of the examples', () => {
  it.each(exampleFiles())('%s compiles to its golden file and passes asl-validator', (file) => {
    const workflow = loadExample(file);

    const { asl } = compileWorkflow(workflow);

    expect(aslProblems(asl)).toEqual([]);
    const golden = join(GOLDEN_DIR, file.replace(/\.json$/, '.asl.json'));
    const text = `${JSON.stringify(asl, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });

  it('compiles the same document to the same ASL every time', () => {
    const workflow = loadExample('event-based.json');

    const first = JSON.stringify(compileWorkflow(workflow).asl);
    const second = JSON.stringify(compileWorkflow(workflow).asl);

    expect(second).toBe(first);
  });

  it('reports the definition substitutions the deployer must supply, separately from the defaults it applied', () => {
    const { report } = compileWorkflow(loadExample('agent-task-execution.json'));
    const sequential = compileWorkflow(loadExample('sequential.json')).report;

    expect(report.definition_substitutions).toEqual(['StepRunnerArn', 'WaiterArn']);
    expect(report.notes).not.toContain('StepRunnerArn');
    expect(sequential.definition_substitutions).toContain('StepRunnerArn');
  });
});

/**
 * Helpers for the workflow tests: example files, minimal documents, and ASL structural checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AslState, AslStateMachine, WorkflowDocument, WorkflowStep } from '../../../lib/core/workflow/index.ts';
import { retrierProblems, validateWorkflow } from '../../../lib/core/workflow/index.ts';

/** asl-validator (CommonJS, untyped). */
const validator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator: string) => string;
};

/** The examples folder. */
export const EXAMPLES_DIR = join(import.meta.dirname, '../../../statemachines');

/** Every example file name. */
export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** Reads and validates an example; throws with the problems if it is invalid. */
export function loadExample(file: string): WorkflowDocument {
  const result = validateWorkflow(JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')));
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.problems)}`);
  return result.workflow;
}

/** A service_call step. */
export function call(name: string, extra: Partial<WorkflowStep> = {}): WorkflowStep {
  return {
    name,
    step_type: 'service_call',
    service: 'inventory',
    endpoint: `/items/${name}`,
    ...extra,
  } as WorkflowStep;
}

/** A workflow with the given steps (and optional extra fields). */
export function workflowOf(steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'Test', version: '1.0.0', ...extra, definition: { steps, ...((extra.definition as object) ?? {}) } };
}

/** asl-validator errors (it mutates its input, so it gets a copy) plus Steward's own Retry checks. */
export function aslProblems(asl: AslStateMachine): string[] {
  const result = validator(structuredClone(asl));
  const out = result.isValid ? [] : [result.errorsText('\n')];
  const visit = (states: Record<string, AslState>): void => {
    for (const [name, s] of Object.entries(states)) {
      if (name.length > 80) out.push(`${name}: state name longer than 80`);
      if ('Retry' in s) for (const r of s.Retry ?? []) out.push(...retrierProblems(r).map((p) => `${name}: ${p}`));
      if (s.Type === 'Parallel') for (const b of s.Branches) visit(b.States);
      if (s.Type === 'Map') visit(s.ItemProcessor.States);
    }
  };
  visit(asl.States);
  return out;
}

/**
 * Step names and the walk over every step of a document (nested lists included), shared by the validator, the
 * compiler and the graph.
 */
import type { WorkflowDocument, WorkflowStep } from './schema.ts';

/** Longest step name: Step Functions allows 80 characters per state and helper states add up to 16. */
export const MAX_STEP_NAME = 64;

/** Characters Step Functions refuses in state names. */
const FORBIDDEN = /[<>{}[\]?*"#%\\^|~`$&,;:/\s]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we reject.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const KEY_SAFE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Problems with a step name as a sentence each: Step Functions' state-name rules, then Steward's own rule that
 * names are identifiers (they are keys of `$.steps.<name>` and of `${steps.<name>…}` templates).
 */
export function stepNameProblems(name: string): string[] {
  if (name.length === 0) return ['a step needs a non-empty name'];
  const problems: string[] = [];
  if (name.length > MAX_STEP_NAME) {
    problems.push(
      `step name is ${name.length} characters; Step Functions allows 80 per state and Steward adds up to 16 ` +
        `for helper states, so keep it to ${MAX_STEP_NAME}`,
    );
  }
  const control = CONTROL.exec(name);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).padStart(4, '0');
    problems.push(`step name contains control character U+${code}, which Step Functions refuses in state names`);
  }
  const forbidden = FORBIDDEN.exec(name);
  if (forbidden) {
    const label = /\s/u.test(forbidden[0]) ? 'whitespace' : `"${forbidden[0]}"`;
    problems.push(`step name "${name}" contains ${label}, which Step Functions refuses in state names`);
  }
  if (problems.length === 0 && !KEY_SAFE.test(name)) {
    problems.push(
      `step name "${name}" must start with a letter or "_" and contain only letters, digits and "_" ` +
        '(it is a key in `$' +
        '{steps.<name>.output}` templates and JSONPath)',
    );
  }
  return problems;
}

/** A step with the JSON path of its node and of the list holding it. */
export interface LocatedStep {
  step: WorkflowStep;
  path: string;
  /** Path of the list (`definition.steps`, `definition.steps[2].choices[0].steps`). */
  listPath: string;
  /** Set for fallback steps declared in an error handler. */
  fallbackFor?: string;
}

/** Every step of a document in document order, nested lists and fallback steps included. */
export function allSteps(workflow: WorkflowDocument): LocatedStep[] {
  const out: LocatedStep[] = [];
  walkList(workflow.definition.steps, 'definition.steps', out);
  (workflow.definition.error_handlers ?? []).forEach((h, i) => {
    if (h.on_error.action === 'fallback') {
      out.push({
        step: h.on_error.step,
        path: `definition.error_handlers[${i}].on_error.step`,
        listPath: `definition.error_handlers[${i}].on_error`,
        fallbackFor: h.step,
      });
    }
  });
  return out;
}

function walkList(steps: WorkflowStep[], listPath: string, out: LocatedStep[]): void {
  steps.forEach((step, i) => {
    const path = `${listPath}[${i}]`;
    out.push({ step, path, listPath });
    for (const nested of nestedLists(step, path)) walkList(nested.steps, nested.path, out);
  });
}

/** The nested step lists of a step (choice branches, default branch, map steps) with their paths. */
export function nestedLists(step: WorkflowStep, path: string): Array<{ steps: WorkflowStep[]; path: string }> {
  if (step.step_type === 'choice') {
    const lists = step.choices.map((c, j) => ({ steps: c.steps, path: `${path}.choices[${j}].steps` }));
    if (step.default) lists.push({ steps: step.default, path: `${path}.default` });
    return lists;
  }
  if (step.step_type === 'map') return [{ steps: step.steps, path: `${path}.steps` }];
  return [];
}

/** Names of every step of a workflow (nested and fallback steps included), in document order. */
export function stepNames(workflow: WorkflowDocument): string[] {
  return allSteps(workflow).map((s) => s.step.name);
}

/**
 * The event types a workflow's `event_wait` steps wait for (nested and fallback steps included), sorted and unique:
 * what a version declares before its runs can start, so the router keeps early events of these types (see
 * docs/engine.md, "Declared waits").
 */
export function waitedEventTypes(workflow: WorkflowDocument): string[] {
  const types = new Set<string>();
  for (const { step } of allSteps(workflow)) if (step.step_type === 'event_wait') types.add(step.event_type);
  return [...types].sort();
}

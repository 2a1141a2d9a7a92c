/**
 * Payload pruning: a Task receives only the step results its templates read, never the whole `$.steps` (a run with a
 * few large outputs would otherwise overflow Step Functions' 256 KiB payload limit at every later step).
 *
 * What a request reads:
 * - `${steps.<name>.output…}` / `${steps.<name>.status}` in its endpoint, body and headers (and in its `notify` body):
 *   exactly those steps;
 * - a `{placeholder}` in its endpoint, which the step runner fills from the context and then from earlier outputs:
 *   every step whose result is guaranteed present (its ancestors and those of enclosing lists). Above
 *   {@link MAX_PLACEHOLDER_STEPS} such steps the whole `$.steps` is passed instead (and the report says so): the
 *   definition would otherwise grow with the square of the number of steps.
 * Only steps that have a result are named (service_call, event_wait, sub_workflow, map): a JSONPath to a missing key
 * fails the state, where the step runner reports a missing value by name.
 *
 * "Present" means present in the `$.steps` the state sees. In a `Parallel` of chains with joins (exact DAGs), a
 * branch's `$.steps` holds only what ran before the `Parallel`, the chain's own steps, and what its joins hand over:
 * each join therefore also hands over the results that its step and the rest of its chain read from other branches
 * ({@link resultsReadBy}, `compile-joins.ts`), so every ancestor's result is present wherever it is read.
 */
import type { AslPayload } from './asl.ts';
import { ancestorNames, buildStepGraph } from './dag.ts';
import { nestedLists } from './names.ts';
import type { OnError, ServiceCallStep, WorkflowDocument, WorkflowStep } from './schema.ts';
import { endpointPlaceholders, parseTemplate, stringsIn, templateExpressions } from './templates.ts';

/** Above this many candidate steps, a placeholder endpoint gets the whole `$.steps`. */
export const MAX_PLACEHOLDER_STEPS = 32;

const WITH_RESULT = new Set(['service_call', 'event_wait', 'sub_workflow', 'map']);

/** Step name → names of the steps whose results are present when it runs, in document order. */
export function presentResults(workflow: WorkflowDocument): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (steps: WorkflowStep[], outer: string[]): void => {
    const graph = buildStepGraph(steps);
    let ancestors: Map<string, Set<string>>;
    try {
      ancestors = ancestorNames(graph);
    } catch {
      ancestors = new Map();
    }
    for (const step of steps) {
      const own = ancestors.get(step.name) ?? new Set<string>();
      const present = [
        ...outer,
        ...steps.filter((s) => own.has(s.name) && WITH_RESULT.has(s.step_type)).map((s) => s.name),
      ];
      out.set(step.name, present);
      for (const nested of nestedLists(step, '')) visit(nested.steps, step.step_type === 'map' ? [] : present);
    }
  };
  visit(workflow.definition.steps, []);
  // A fallback step runs in place of the step it replaces, with that step's results present.
  for (const h of workflow.definition.error_handlers ?? []) {
    if (h.on_error.action === 'fallback') out.set(h.on_error.step.name, out.get(h.step) ?? []);
  }
  return out;
}

/** Names of the steps `${steps.<name>…}` templates in these values read, in order of first appearance. */
export function stepsReadBy(values: readonly unknown[]): string[] {
  const names: string[] = [];
  for (const value of values) {
    for (const { text } of stringsIn(value)) {
      for (const expression of templateExpressions(text)) {
        const ref = parseTemplate(expression);
        if (!('error' in ref) && ref.kind === 'steps' && !names.includes(ref.step)) names.push(ref.step);
      }
    }
  }
  return names;
}

/** The step results a step reads from `$.steps`: named by its templates, or every present one (`anyPresent`). */
export interface StepReads {
  /** Steps named by `${steps.<name>…}` templates anywhere in the step (its choice branches and handler included). */
  names: string[];
  /** A placeholder endpoint (of the step, its fallback, or a step of its choice branches) may read any of them. */
  anyPresent: boolean;
}

/**
 * What a step reads from the `$.steps` it runs with: templates in its fields (a Task's payload, a choice rule, a
 * wait's timestamp, a map's items, an event filter, a sub-workflow's input), in the steps of its choice branches
 * (they run with the choice's `$.steps`) and in its error handler (notify body, fallback step). A map's own steps
 * start from an empty `steps`, so only names of the enclosing list matter: callers keep the names they look for.
 */
export function resultsReadBy(step: WorkflowStep, handlers: ReadonlyMap<string, OnError>): StepReads {
  const values: unknown[] = [];
  let anyPresent = false;
  const hasPlaceholder = (s: WorkflowStep): s is ServiceCallStep =>
    s.step_type === 'service_call' && endpointPlaceholders(s.endpoint).length > 0;
  const visit = (s: WorkflowStep): void => {
    const handler = handlers.get(s.name);
    values.push(s, handler ?? null);
    if (hasPlaceholder(s) || (handler?.action === 'fallback' && hasPlaceholder(handler.step))) anyPresent = true;
    if (s.step_type === 'choice') for (const nested of nestedLists(s, '')) nested.steps.forEach(visit);
  };
  visit(step);
  return { names: stepsReadBy(values), anyPresent };
}

/** A request whose templates a Task's payload must serve. */
export interface ReadingRequest {
  endpoint?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The `steps` of a Task payload for requests of the step `stepName`: `{"<name>.$": "$.steps.<name>"}` for each
 * result read, or `'$.steps'` (the whole map) when a placeholder endpoint has too many candidates.
 */
export function stepsPayload(
  requests: readonly ReadingRequest[],
  present: readonly string[],
): { payload: AslPayload } | { whole: true } {
  const placeholders = requests.some((r) => r.endpoint !== undefined && endpointPlaceholders(r.endpoint).length > 0);
  if (placeholders && present.length > MAX_PLACEHOLDER_STEPS) return { whole: true };
  const read = stepsReadBy(requests.flatMap((r) => [r.endpoint ?? '', r.body ?? null, r.headers ?? {}]));
  const names = present.filter((n) => read.includes(n) || placeholders);
  const payload: AslPayload = {};
  for (const name of names) payload[`${name}.$`] = `$.steps.${name}`;
  return { payload };
}

/**
 * Graph checks of one list of steps: unknown, duplicate and self dependencies, cycles (named), and `sequence`
 * values that are missing or contradict `depends_on`.
 */
import { ancestorNames, buildStepGraph, findCycles, type GraphStep, usesDependsOn } from './dag.ts';
import type { Problem } from './errors.ts';

/** Result of checking one list: the problems, and each step's ancestors when the list is acyclic. */
export interface ListGraphCheck {
  problems: Problem[];
  ancestors?: Map<string, Set<string>>;
}

/**
 * Checks the edges of one list. `elsewhere` maps names of steps outside this list to where they are, so a
 * dependency on one of them gets a precise message.
 */
export function checkListGraph(
  steps: readonly GraphStep[],
  listPath: string,
  elsewhere: ReadonlyMap<string, string> = new Map(),
): ListGraphCheck {
  const problems: Problem[] = [];
  const names = new Set(steps.map((s) => s.name));
  const edgeMode = usesDependsOn(steps);
  steps.forEach((step, i) => {
    const seen = new Set<string>();
    (step.depends_on ?? []).forEach((dep, j) => {
      const path = `${listPath}[${i}].depends_on[${j}]`;
      if (dep === step.name) {
        problems.push({ path, message: `step "${step.name}" depends on itself: remove "${dep}" from depends_on` });
      } else if (seen.has(dep)) {
        problems.push({ path, message: `"${dep}" is listed twice in depends_on: remove the duplicate` });
      } else if (!names.has(dep)) {
        const where = elsewhere.get(dep);
        problems.push({
          path,
          message: where
            ? `"${dep}" is not in the same list of steps (it is at ${where}); depends_on may only name steps of the same list`
            : `no step named "${dep}"; steps in this list: ${[...names].join(', ')}`,
        });
      }
      seen.add(dep);
    });
  });
  const bySequence = steps.filter((s) => s.sequence !== undefined);
  if (!edgeMode && bySequence.length > 0 && bySequence.length < steps.length) {
    steps.forEach((s, i) => {
      if (s.sequence === undefined) {
        problems.push({
          path: `${listPath}[${i}]`,
          message: `step "${s.name}" has no sequence while other steps of this list do: give every step a sequence, or use depends_on`,
        });
      }
    });
  }
  steps.forEach((s, i) => {
    if (s.sequence !== undefined && !Number.isInteger(s.sequence)) {
      problems.push({ path: `${listPath}[${i}].sequence`, message: `sequence must be an integer, got ${s.sequence}` });
    }
  });
  const graph = buildStepGraph(steps);
  const cycles = findCycles(graph);
  for (const cycle of cycles) {
    const first = cycle[0]!;
    problems.push({
      path: `${listPath}[${first}].depends_on`,
      message: `steps form a cycle: ${cycle.map((v) => graph.names[v]).join(' → ')} (each step waits for the one before it); remove one of these dependencies`,
    });
  }
  if (cycles.length > 0) return { problems };
  if (edgeMode) {
    steps.forEach((s, i) => {
      (s.depends_on ?? []).forEach((dep, j) => {
        const other = steps.find((o) => o.name === dep);
        if (other && s.sequence !== undefined && other.sequence !== undefined && other.sequence >= s.sequence) {
          problems.push({
            path: `${listPath}[${i}].sequence`,
            message: `sequence ${s.sequence} is not after the sequence ${other.sequence} of "${dep}", which this step depends on (depends_on[${j}]); depends_on decides the order: fix or drop the sequence`,
          });
        }
      });
    });
  }
  return { problems, ancestors: ancestorNames(graph) };
}

/** Graph checks on a document that failed the schema: whatever lists of named steps can be read are checked. */
export function checkGraphShape(doc: unknown): Problem[] {
  const steps = (doc as { definition?: { steps?: unknown } } | null)?.definition?.steps;
  if (!Array.isArray(steps)) return [];
  const readable: GraphStep[] = [];
  for (const s of steps) {
    const name = (s as { name?: unknown } | null)?.name;
    const deps = (s as { depends_on?: unknown } | null)?.depends_on;
    const sequence = (s as { sequence?: unknown } | null)?.sequence;
    if (typeof name !== 'string') return [];
    if (deps !== undefined && !(Array.isArray(deps) && deps.every((d) => typeof d === 'string'))) return [];
    readable.push({
      name,
      depends_on: deps as string[] | undefined,
      sequence: typeof sequence === 'number' ? sequence : undefined,
    });
  }
  const problems = checkListGraph(readable, 'definition.steps').problems;
  const seen = new Map<string, number>();
  readable.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) {
      problems.push({
        path: `definition.steps[${i}].name`,
        message: `step name "${s.name}" is already used by definition.steps[${first}]: step names must be unique`,
      });
    } else seen.set(s.name, i);
  });
  return problems;
}

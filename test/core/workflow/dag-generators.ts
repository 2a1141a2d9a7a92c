/**
 * Random DAG workflows for property tests and benchmarks: general DAGs (edges i → j, i < j) and series-parallel
 * ones (built by random series/parallel composition).
 */
import fc from 'fast-check';

/** A DAG as dependency lists: `deps[j]` are the indices step j depends on (all < j). */
export type Dag = number[][];

/** Arbitrary general DAG with 2..max steps. */
export function arbitraryDag(max = 30): fc.Arbitrary<Dag> {
  return fc
    .integer({ min: 2, max })
    .chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, j) =>
          fc.subarray(
            Array.from({ length: j }, (_, i) => i),
            { maxLength: Math.min(3, j) },
          ),
        ),
      ),
    )
    .map((deps) => deps as Dag);
}

type Sp = { leaf: true } | { kind: 'seq' | 'par'; parts: Sp[] };

/** Arbitrary series-parallel DAG with up to about `max` steps. */
export function arbitrarySpDag(max = 30): fc.Arbitrary<Dag> {
  const tree = fc.letrec<{ node: Sp }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant<Sp>({ leaf: true }),
      fc.record({
        kind: fc.constantFrom('seq' as const, 'par' as const),
        parts: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
      }),
    ),
  })).node;
  return tree.map((t) => spToDag(t)).filter((d) => d.length >= 2 && d.length <= max);
}

function spToDag(tree: Sp): Dag {
  const deps: Dag = [];
  const build = (t: Sp, after: number[]): number[] => {
    if ('leaf' in t) {
      deps.push([...after]);
      return [deps.length - 1];
    }
    if (t.kind === 'seq') return t.parts.reduce((prev, p) => build(p, prev), after);
    return t.parts.flatMap((p) => build(p, after));
  };
  build(tree, []);
  return deps;
}

/**
 * A workflow document of service calls with the DAG's dependencies. A DAG without edges gets `sequence: 1` on every
 * step: without any depends_on, Steward orders steps by sequence (list order when there is none).
 */
export function dagWorkflow(deps: Dag): Record<string, unknown> {
  const noEdges = deps.every((d) => d.length === 0);
  return {
    name: 'Random DAG',
    definition: {
      steps: deps.map((d, j) => ({
        name: `s${j}`,
        step_type: 'service_call',
        service: 'inventory',
        endpoint: `/steps/${j}`,
        ...(d.length > 0 ? { depends_on: d.map((i) => `s${i}`) } : {}),
        ...(noEdges ? { sequence: 1 } : {}),
      })),
    },
  };
}

/** Critical path of a DAG with the given durations. */
export function criticalPathOf(deps: Dag, duration: (i: number) => number): number {
  const finish: number[] = [];
  deps.forEach((d, j) => {
    finish[j] = Math.max(0, ...d.map((i) => finish[i]!)) + duration(j);
  });
  return Math.max(...finish);
}

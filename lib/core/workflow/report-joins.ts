/**
 * The report's `dag` section, present when some list of steps is not series-parallel: which edges became joins, the
 * transitions they add, and the cost of both strategies (exact joins, phased) so an author can choose with `dag`.
 */
import type { CompiledWith } from './compile.ts';
import type { DagStrategy, JoinReport } from './compile-joins.ts';
import { buildReport, STANDARD_USD_PER_TRANSITION } from './report.ts';

/** Cost and schedule quality of one strategy. */
export interface StrategyCost {
  /** Happy-path transitions of the whole run. */
  happy_path: number;
  standard_usd_per_million_runs: number;
  /** Worst list's makespan ÷ critical path with every step lasting 1 (1 = exact). */
  unit_makespan_ratio: number;
  /** Worst list's mean makespan ÷ critical path over 200 seeded uniform duration draws (1 = exact). */
  expected_makespan_ratio: number;
}

/** The report's `dag` section. */
export interface DagCosts {
  /** The strategy compiled (`dag` in the document; `exact` by default, `phased` for Express). */
  strategy: DagStrategy;
  /** Edges that became joins: each joining step and the dependencies it waits for in other branches. */
  joins: JoinReport[];
  /** Steps followed by a `.complete` state (they end outside the step runner and release joins). */
  completion_states: string[];
  /** Transitions the joins and completion states add on the happy path (0 when phased). */
  extra_transitions: number;
  exact?: StrategyCost;
  phased: StrategyCost;
}

function costOf(c: CompiledWith): StrategyCost {
  const happy = buildReport(c.ctx, c.asl).transitions.happy_path;
  const lists = c.ctx.parallelism;
  return {
    happy_path: happy,
    standard_usd_per_million_runs: Math.round(happy * STANDARD_USD_PER_TRANSITION * 1e8) / 100,
    unit_makespan_ratio: Math.max(1, ...lists.map((l) => l.unit_makespan_ratio)),
    expected_makespan_ratio: Math.max(1, ...lists.map((l) => l.expected_makespan_ratio)),
  };
}

/** The `dag` section, or undefined when every list is series-parallel. */
export function dagReport(compiled: CompiledWith, alternative: CompiledWith | undefined): DagCosts | undefined {
  if (compiled.ctx.parallelism.every((l) => l.series_parallel)) return undefined;
  const byStrategy = new Map<DagStrategy, CompiledWith>([[compiled.strategy, compiled]]);
  if (alternative) byStrategy.set(alternative.strategy, alternative);
  const exact = byStrategy.get('exact');
  const phased = byStrategy.get('phased')!;
  const { joins, completion_states } = compiled.joins;
  return {
    strategy: compiled.strategy,
    joins,
    completion_states,
    extra_transitions: joins.length + completion_states.length,
    ...(exact ? { exact: costOf(exact) } : {}),
    phased: costOf(phased),
  };
}

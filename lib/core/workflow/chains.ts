/**
 * Exact schedules for prime (not series-parallel) parts of a step DAG: a `Parallel` of chains plus joins.
 *
 * Each chain runs its steps one after the other, so a step waits for its chain predecessor. That costs nothing only
 * when the predecessor is one of the step's ancestors: chains are therefore paths of dependency edges. A step whose
 * dependencies are not all ancestors-or-self of its chain predecessor first enters a join, released when those other
 * dependencies (its cross-branch dependency set) have ended. Then every step starts when all its dependencies have
 * ended and never waits for anything else, whatever the durations.
 *
 * Joins cost one transition each, so the decomposition maximises the steps that need none: a step v needs no join
 * when some dependency u "dominates" it (every other dependency of v is an ancestor of u) and u's chain continues with
 * v. That is a maximum bipartite matching between dominating edges (each step has one chain successor and one chain
 * predecessor). Steps left over are attached to any free dependency (fewer branches; they join either way).
 */
import { BitSet, descendantSets, type StepGraph } from './dag.ts';

/** A join: `step` waits until every step of `waitsFor` has ended (all in other chains). */
export interface JoinPlan {
  step: number;
  waitsFor: number[];
}

/** The chains and joins of one prime part. */
export interface ChainPlan {
  /** Chains of step indices, each in dependency order; together they hold every step of the part once. */
  chains: number[][];
  /** Steps that enter a join first, in topological order. */
  joins: JoinPlan[];
  /** `releases.get(d)`: the joining steps whose join waits for d (d's completer looks for them). */
  releases: Map<number, number[]>;
}

/**
 * Plans chains and joins for the nodes of one prime part (`nodes` in topological order). Dependencies outside the
 * part are ignored: the enclosing series composition has run them before the part starts.
 */
export function planChains(graph: StepGraph, nodes: readonly number[], desc = descendantSets(graph)): ChainPlan {
  const members = new Set(nodes);
  const preds = new Map<number, number[]>(nodes.map((v) => [v, (graph.preds[v] ?? []).filter((p) => members.has(p))]));
  // u is an ancestor of v when v is among u's descendants.
  const isAncestor = (u: number, v: number): boolean => desc[u]!.has(v);
  const dominates = (u: number, v: number): boolean => preds.get(v)!.every((p) => p === u || isAncestor(p, u));

  const next = new Map<number, number>();
  const prev = new Map<number, number>();
  const candidates = new Map<number, number[]>(nodes.map((v) => [v, preds.get(v)!.filter((u) => dominates(u, v))]));
  // Kuhn's augmenting paths over dominating edges (v on the left, its dominating dependency u on the right).
  for (const v of nodes) {
    const seen = new Set<number>();
    const augment = (w: number): boolean => {
      for (const u of candidates.get(w)!) {
        if (seen.has(u)) continue;
        seen.add(u);
        const holder = next.get(u);
        if (holder === undefined || augment(holder)) {
          if (holder !== undefined) prev.delete(holder);
          next.set(u, w);
          prev.set(w, u);
          return true;
        }
      }
      return false;
    };
    augment(v);
  }
  for (const v of nodes) {
    if (prev.has(v)) continue;
    const free = preds.get(v)!.find((u) => !next.has(u));
    if (free !== undefined) {
      next.set(free, v);
      prev.set(v, free);
    }
  }

  const chains: number[][] = [];
  for (const v of nodes) {
    if (prev.has(v)) continue;
    const chain = [v];
    for (let c = next.get(v); c !== undefined; c = next.get(c)) chain.push(c);
    chains.push(chain);
  }

  const joins: JoinPlan[] = [];
  const releases = new Map<number, number[]>();
  for (const v of nodes) {
    const before = prev.get(v);
    const open = preds
      .get(v)!
      .filter((p) => before === undefined || (p !== before && !isAncestor(p, before)))
      // A dependency that is an ancestor of another one in the set has ended when that one has.
      .filter((p, _i, all) => !all.some((q) => q !== p && isAncestor(p, q)));
    if (open.length === 0) continue;
    const waitsFor = [...open].sort((a, b) => a - b);
    joins.push({ step: v, waitsFor });
    for (const d of waitsFor) releases.set(d, [...(releases.get(d) ?? []), v]);
  }
  return { chains, joins, releases };
}

/** Checks a plan: every step once, chains follow dependency edges, and each step's dependencies are covered. */
export function planProblems(graph: StepGraph, nodes: readonly number[], plan: ChainPlan): string[] {
  const problems: string[] = [];
  const desc = descendantSets(graph);
  const placed = plan.chains.flat();
  if (placed.length !== nodes.length || new Set(placed).size !== nodes.length) problems.push('steps placed ≠ part');
  const joinOf = new Map(plan.joins.map((j) => [j.step, j.waitsFor]));
  const members = new Set(nodes);
  for (const chain of plan.chains) {
    chain.forEach((v, k) => {
      const before = k > 0 ? chain[k - 1] : undefined;
      if (before !== undefined && !desc[before]!.has(v)) problems.push(`${before} → ${v} is not a dependency path`);
      const done = new BitSet(graph.names.length);
      if (before !== undefined) {
        done.add(before);
        for (const a of nodes) if (desc[a]!.has(before)) done.add(a);
      }
      for (const w of joinOf.get(v) ?? []) {
        done.add(w);
        for (const a of nodes) if (desc[a]!.has(w)) done.add(a);
      }
      for (const p of graph.preds[v] ?? [])
        if (members.has(p) && !done.has(p)) problems.push(`${v} may start before ${p}`);
    });
  }
  return problems;
}

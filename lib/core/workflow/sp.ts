/**
 * Series-parallel decomposition of a step DAG, for ASL (which can only nest `Parallel` states).
 *
 * A series-parallel DAG is decomposed exactly: weakly connected parts become parallel branches, and a "series cut"
 * (a prefix of the topological order whose every step precedes every later step) becomes a sequence. A part with
 * neither (a "prime" part, such as the N-shaped a→c, b→c, b→d) is made series-parallel by adding orderings: it is
 * split into a down-set A and the rest B, run one after the other. The split is the one with the smallest expected
 * critical path of A plus that of B over seeded random step durations (uniform 0..1), chosen among the prefixes of
 * the ASAP and ALAP levels and, for parts up to 60 steps, the ancestor and non-descendant sets of every step.
 * Every step still starts after all its dependencies ended; the cost is the added orderings, reported.
 */
import { BitSet, descendantSets, type StepGraph, topologicalOrder } from './dag.ts';

/**
 * Series-parallel tree over step indices. `prime` is a part with neither a parallel nor a series decomposition, kept
 * whole when the caller compiles it with joins (`seriesParallelize(graph, { primes: 'keep' })`); its nodes are in
 * topological order.
 */
export type SpTree =
  | { kind: 'step'; index: number }
  | { kind: 'seq'; parts: SpTree[] }
  | { kind: 'par'; parts: SpTree[] }
  | { kind: 'prime'; nodes: number[] };

/** Options of `seriesParallelize`. */
export interface SpOptions {
  /** `split` (default) makes prime parts series-parallel by adding orderings; `keep` leaves them as `prime` nodes. */
  primes?: 'split' | 'keep';
}

/** The decomposition and what it cost. */
export interface SpResult {
  tree: SpTree;
  /** Whether the DAG was series-parallel (no ordering added). */
  exact: boolean;
  /** Pairs of steps ordered by the schedule that the DAG leaves unordered. */
  addedOrderings: number;
  /** How many prime parts had to be split. */
  forcedSplits: number;
  /** How many prime parts were kept whole (`primes: 'keep'`). */
  primeParts: number;
}

/** Deterministic PRNG (mulberry32), so compiling the same document always gives the same ASL. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decomposes an acyclic step graph into a series-parallel tree. */
export function seriesParallelize(graph: StepGraph, options: SpOptions = {}): SpResult {
  const n = graph.names.length;
  const order = topologicalOrder(graph);
  const position = new Array<number>(n);
  order.forEach((v, k) => {
    position[v] = k;
  });
  const desc = descendantSets(graph, order);
  const random = seededRandom(0x5eed);
  const samples = Array.from({ length: 16 }, () => graph.names.map(() => random()));
  const stats = { addedOrderings: 0, forcedSplits: 0, primeParts: 0 };

  const decompose = (nodes: number[]): SpTree => {
    if (nodes.length === 1) return { kind: 'step', index: nodes[0]! };
    const members = new Set(nodes);
    const components = weakComponents(graph, nodes, members);
    if (components.length > 1) return flatten('par', components.map(decompose));
    const parts = seriesCuts(nodes, members, desc, n);
    if (parts.length > 1) return flatten('seq', parts.map(decompose));
    if (options.primes === 'keep') {
      stats.primeParts++;
      return { kind: 'prime', nodes: [...nodes].sort((x, y) => position[x]! - position[y]!) };
    }
    const [a, b] = bestSplit(graph, nodes, members, desc, samples);
    stats.forcedSplits++;
    const bSet = new BitSet(n);
    for (const v of b) bSet.add(v);
    for (const u of a) for (const v of b) if (!desc[u]!.has(v)) stats.addedOrderings++;
    return flatten('seq', [decompose(a), decompose(b)]);
  };

  const all = [...order];
  const tree = n === 0 ? { kind: 'seq' as const, parts: [] } : decompose(all);
  return { tree, exact: stats.forcedSplits === 0 && stats.primeParts === 0, ...stats };
}

function flatten(kind: 'seq' | 'par', parts: SpTree[]): SpTree {
  const out: SpTree[] = [];
  for (const p of parts) {
    if (p.kind === kind) out.push(...p.parts);
    else out.push(p);
  }
  return out.length === 1 ? out[0]! : { kind, parts: out };
}

/** Weakly connected components of the sub-graph, each in topological order. */
function weakComponents(graph: StepGraph, nodes: number[], members: Set<number>): number[][] {
  const label = new Map<number, number>();
  let count = 0;
  for (const start of nodes) {
    if (label.has(start)) continue;
    const id = count++;
    label.set(start, id);
    const stack = [start];
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (const w of [...(graph.preds[v] ?? []), ...(graph.succs[v] ?? [])]) {
        if (members.has(w) && !label.has(w)) {
          label.set(w, id);
          stack.push(w);
        }
      }
    }
  }
  const out: number[][] = Array.from({ length: count }, () => []);
  for (const v of nodes) out[label.get(v)!]!.push(v);
  return out;
}

/** Splits a topologically ordered sub-graph at every series cut; one part when there is none. */
function seriesCuts(nodes: number[], members: Set<number>, desc: BitSet[], n: number): number[][] {
  const common = new BitSet(n);
  for (const v of members) common.add(v);
  const rest = new BitSet(n);
  for (const v of members) rest.add(v);
  const parts: number[][] = [];
  let current: number[] = [];
  for (let k = 0; k < nodes.length - 1; k++) {
    const v = nodes[k]!;
    current.push(v);
    const d = desc[v]!.words;
    let subset = true;
    rest.words[v >>> 5]! &= ~(1 << (v & 31));
    for (let w = 0; w < common.words.length; w++) {
      common.words[w]! &= d[w]!;
      if ((rest.words[w]! & ~common.words[w]!) !== 0) subset = false;
    }
    if (subset) {
      parts.push(current);
      current = [];
      // Later cuts only need the suffix preceded by the new prefix: restart the intersection over the suffix.
      for (let w = 0; w < common.words.length; w++) common.words[w] = rest.words[w]!;
    }
  }
  current.push(nodes[nodes.length - 1]!);
  parts.push(current);
  return parts;
}

/** Picks the down-set A (and the rest B) of a prime part that minimises the expected critical paths of A then B. */
function bestSplit(
  graph: StepGraph,
  nodes: number[],
  members: Set<number>,
  desc: BitSet[],
  samples: number[][],
): [number[], number[]] {
  const level = new Map<number, number>();
  for (const v of nodes) {
    let l = 0;
    for (const p of graph.preds[v] ?? []) if (members.has(p)) l = Math.max(l, level.get(p)! + 1);
    level.set(v, l);
  }
  const height = new Map<number, number>();
  for (let k = nodes.length - 1; k >= 0; k--) {
    const v = nodes[k]!;
    let h = 0;
    for (const s of graph.succs[v] ?? []) if (members.has(s)) h = Math.max(h, height.get(s)! + 1);
    height.set(v, h);
  }
  const depth = Math.max(...level.values());
  const candidates: Array<(v: number) => boolean> = [];
  for (let l = 1; l <= depth; l++) {
    candidates.push((v) => level.get(v)! < l);
    candidates.push((v) => depth - height.get(v)! < l);
  }
  if (nodes.length <= 60) {
    for (const x of nodes) {
      candidates.push((v) => v === x || desc[v]!.has(x));
      candidates.push((v) => v !== x && !desc[x]!.has(v));
    }
  }
  const sampleCount = nodes.length <= 60 ? samples.length : 4;
  let best: [number[], number[]] | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  for (const inA of candidates) {
    const a = nodes.filter(inA);
    if (a.length === 0 || a.length === nodes.length) continue;
    const key = a.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const b = nodes.filter((v) => !inA(v));
    const aSet = new Set(a);
    const bSet = new Set(b);
    let cost = 0;
    for (let s = 0; s < sampleCount; s++) {
      const w = samples[s]!;
      cost += longestPath(graph, a, aSet, w) + longestPath(graph, b, bSet, w);
    }
    if (cost < bestCost - 1e-9) {
      bestCost = cost;
      best = [a, b];
    }
  }
  // A prime part always has two levels, so a candidate exists; the fallback keeps the types total.
  return best ?? [nodes.slice(0, 1), nodes.slice(1)];
}

/** Longest weighted path inside a topologically ordered subset. */
function longestPath(graph: StepGraph, nodes: number[], members: Set<number>, weight: number[]): number {
  const finish = new Map<number, number>();
  let best = 0;
  for (const v of nodes) {
    let start = 0;
    for (const p of graph.preds[v] ?? []) if (members.has(p)) start = Math.max(start, finish.get(p)!);
    const f = start + weight[v]!;
    finish.set(v, f);
    if (f > best) best = f;
  }
  return best;
}

/**
 * Makespan of a tree under the given step durations (sequence adds, parallel takes the max, a prime part runs at its
 * own critical path: joins start each step when its dependencies end). `graph` is needed for prime parts.
 */
export function treeMakespan(tree: SpTree, weight: (i: number) => number, graph?: StepGraph): number {
  if (tree.kind === 'step') return weight(tree.index);
  if (tree.kind === 'prime') {
    if (!graph) throw new Error('treeMakespan: a prime part needs the graph');
    return longestPath(
      graph,
      tree.nodes,
      new Set(tree.nodes),
      graph.names.map((_, i) => weight(i)),
    );
  }
  const values = tree.parts.map((p) => treeMakespan(p, weight, graph));
  return tree.kind === 'seq' ? values.reduce((x, y) => x + y, 0) : Math.max(0, ...values);
}

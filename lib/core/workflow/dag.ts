/**
 * The dependency graph of one list of steps (the top level, a choice branch or a map's steps).
 *
 * Edges follow DESIGN.md "Sequence and edges": if no step of the list has a non-empty `depends_on`, steps run by
 * `sequence` (equal values in parallel; list order when no step has a sequence); otherwise the declared edges are
 * exact and a step without `depends_on` is a root.
 */

/** Minimal step shape the graph needs (works on unvalidated input too). */
export interface GraphStep {
  name: string;
  sequence?: number | undefined;
  depends_on?: string[] | undefined;
}

/** A DAG over the steps of one list, by index. */
export interface StepGraph {
  names: string[];
  /** `preds[i]`: indices step i depends on. */
  preds: number[][];
  succs: number[][];
  /** How edges were derived. */
  mode: 'depends_on' | 'sequence';
}

/** Whether the list uses declared edges (some step has a non-empty `depends_on`). */
export function usesDependsOn(steps: readonly GraphStep[]): boolean {
  return steps.some((s) => (s.depends_on?.length ?? 0) > 0);
}

/** Builds the graph of a list of steps; unknown names in `depends_on` are ignored (the validator reports them). */
export function buildStepGraph(steps: readonly GraphStep[]): StepGraph {
  const names = steps.map((s) => s.name);
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (!index.has(n)) index.set(n, i);
  });
  const preds: number[][] = steps.map(() => []);
  const mode = usesDependsOn(steps) ? 'depends_on' : 'sequence';
  if (mode === 'depends_on') {
    steps.forEach((s, i) => {
      const seen = new Set<number>();
      for (const d of s.depends_on ?? []) {
        const j = index.get(d);
        if (j !== undefined && !seen.has(j)) {
          seen.add(j);
          preds[i]?.push(j);
        }
      }
    });
  } else {
    const anySequence = steps.some((s) => s.sequence !== undefined);
    const keyOf = (s: GraphStep, i: number): number => (anySequence ? (s.sequence ?? Number.MAX_SAFE_INTEGER) : i);
    const keys = [...new Set(steps.map(keyOf))].sort((a, b) => a - b);
    const groups = keys.map((k) => steps.flatMap((s, i) => (keyOf(s, i) === k ? [i] : [])));
    for (let g = 1; g < groups.length; g++) {
      for (const i of groups[g] ?? []) preds[i] = [...(groups[g - 1] ?? [])];
    }
  }
  const succs: number[][] = steps.map(() => []);
  preds.forEach((ps, i) => {
    for (const p of ps) succs[p]?.push(i);
  });
  return { names, preds, succs, mode };
}

/** Every cycle of the graph (one per strongly connected component with a loop), as step indices in order. */
export function findCycles(graph: StepGraph): number[][] {
  const n = graph.names.length;
  const idx = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const sccs: number[][] = [];
  let counter = 0;
  // Iterative Tarjan: recursion would overflow on 10,000-step chains.
  for (let root = 0; root < n; root++) {
    if (idx[root] !== -1) continue;
    const work: Array<{ v: number; k: number }> = [{ v: root, k: 0 }];
    idx[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const next = graph.succs[top.v]?.[top.k];
      if (next !== undefined) {
        top.k++;
        if (idx[next] === -1) {
          idx[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = true;
          work.push({ v: next, k: 0 });
        } else if (onStack[next]) {
          low[top.v] = Math.min(low[top.v]!, idx[next]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.v] = Math.min(low[parent.v]!, low[top.v]!);
      if (low[top.v] === idx[top.v]) {
        const scc: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          scc.push(w);
        } while (w !== top.v);
        const selfLoop = scc.length === 1 && graph.preds[top.v]?.includes(top.v);
        if (scc.length > 1 || selfLoop) sccs.push(scc);
      }
    }
  }
  return sccs.map((scc) => cycleIn(graph, new Set(scc)));
}

/** A simple cycle inside one strongly connected component, starting at its lowest index. */
function cycleIn(graph: StepGraph, members: Set<number>): number[] {
  const start = Math.min(...members);
  const parent = new Map<number, number>();
  const queue = [start];
  // BFS over dependency edges (step → what it depends on) back to start gives a shortest cycle through start.
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const p of graph.preds[v] ?? []) {
      if (!members.has(p)) continue;
      if (p === start) {
        const path = [v];
        let cur = v;
        while (cur !== start) {
          cur = parent.get(cur)!;
          path.push(cur);
        }
        return path.reverse().concat(start).reverse();
      }
      if (!parent.has(p)) {
        parent.set(p, v);
        queue.push(p);
      }
    }
  }
  return [start, start];
}

/** A topological order (Kahn, stable by list index); throws if the graph has a cycle. */
export function topologicalOrder(graph: StepGraph): number[] {
  const n = graph.names.length;
  const indegree = graph.preds.map((p) => p.length);
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (indegree[i] === 0) ready.push(i);
  const order: number[] = [];
  for (let head = 0; head < ready.length; head++) {
    const v = ready[head]!;
    order.push(v);
    for (const s of graph.succs[v] ?? []) {
      indegree[s] = indegree[s]! - 1;
      if (indegree[s] === 0) ready.push(s);
    }
  }
  if (order.length !== n) throw new Error('graph has a cycle');
  return order;
}

/** Fixed-size bit set over step indices. */
export class BitSet {
  readonly words: Uint32Array;

  constructor(size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }

  /** Adds index i. */
  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  /** Whether index i is in the set. */
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** this |= other. */
  or(other: BitSet): void {
    for (let w = 0; w < this.words.length; w++) this.words[w]! |= other.words[w]!;
  }
}

/** `descendants[i]`: every step reachable from i (i excluded). Requires an acyclic graph. */
export function descendantSets(graph: StepGraph, order = topologicalOrder(graph)): BitSet[] {
  const n = graph.names.length;
  const desc = graph.names.map(() => new BitSet(n));
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    for (const s of graph.succs[v] ?? []) {
      desc[v]!.add(s);
      desc[v]!.or(desc[s]!);
    }
  }
  return desc;
}

/** `ancestors[i]`: names of every step i transitively depends on. Requires an acyclic graph. */
export function ancestorNames(graph: StepGraph): Map<string, Set<string>> {
  const desc = descendantSets(graph);
  const result = new Map<string, Set<string>>(graph.names.map((n) => [n, new Set<string>()]));
  graph.names.forEach((name, a) => {
    graph.names.forEach((other, b) => {
      if (desc[a]!.has(b)) result.get(other)?.add(name);
    });
  });
  return result;
}

/** Length of the longest path with the given node weights (the critical path). */
export function criticalPath(graph: StepGraph, weight: (i: number) => number, order = topologicalOrder(graph)): number {
  const finish = new Array<number>(graph.names.length).fill(0);
  let best = 0;
  for (const v of order) {
    let start = 0;
    for (const p of graph.preds[v] ?? []) start = Math.max(start, finish[p]!);
    finish[v] = start + weight(v);
    best = Math.max(best, finish[v]!);
  }
  return best;
}

/**
 * Compiled graph → positioned shapes for SVG: which nodes to show, their size and shape, and a dagre layout (ranks
 * top to bottom) with each edge's path. Pure: no DOM, so it is unit-tested and timed outside the browser.
 */
import dagre from '@dagrejs/dagre';
import type { StateEdgeView, StateGraphView, StateNodeView } from '../../../lib/core/api/schemas/responses/graph.ts';

/** How a node is drawn. */
export type NodeShape = 'task' | 'wait' | 'choice' | 'bar' | 'circle' | 'helper' | 'terminal';

/** How much of the state machine to show. */
export type GraphDetail = 'steps' | 'full';

/** A node with its place and size (x, y: centre). */
export interface PlacedNode {
  id: string;
  node: StateNodeView;
  shape: NodeShape;
  label: string;
  /** Second line: what the node does (service call, wait for an event, retries). */
  detail?: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An edge with its SVG path and where its label goes. */
export interface PlacedEdge {
  edge: StateEdgeView;
  path: string;
  labelX: number;
  labelY: number;
  /** The edge goes back up (a resume or a slow retry loop). */
  back: boolean;
}

/** The laid-out graph. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const CHAR = 7;
/** Largest graph laid out with dagre's full crossing minimisation. */
export const ORDER_HEURISTIC_MAX_NODES = 120;
const PAD = 24;

/**
 * The nodes and edges shown at a level of detail. `steps` hides what every step has and nobody reads until it
 * matters — park states (pause) and the `cancelled` Fail each handled step gets — unless a highlighted node is one.
 */
export function visibleGraph(
  graph: StateGraphView,
  detail: GraphDetail,
  keep: ReadonlySet<string> = new Set(),
): StateGraphView {
  if (detail === 'full') return graph;
  const hidden = new Set(
    graph.nodes
      .filter((n) => !keep.has(n.id) && (n.kind === 'park' || (n.kind === 'fail' && n.id.endsWith('.cancelled'))))
      .map((n) => n.id),
  );
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !hidden.has(n.id)),
    edges: graph.edges.filter((e) => !hidden.has(e.from) && !hidden.has(e.to)),
  };
}

/** Shape of a node. */
export function shapeOf(n: StateNodeView): NodeShape {
  switch (n.kind) {
    case 'start':
    case 'end':
      return 'circle';
    case 'parallel':
    case 'join':
      return n.state === undefined || n.asl_type === 'Parallel' ? 'bar' : 'helper';
    case 'step':
      if (n.step_type === 'choice') return 'choice';
      if (n.step_type === 'event_wait' || n.step_type === 'wait') return 'wait';
      if (n.step_type === 'succeed' || n.step_type === 'fail') return 'terminal';
      return 'task';
    case 'fail':
      return 'terminal';
    default:
      return 'helper';
  }
}

function detailOf(n: StateNodeView): string | undefined {
  if (n.kind !== 'step') return undefined;
  const retries = (n.retriers ?? []).filter((r) => !r.errors.some((e) => e.startsWith('Lambda.')));
  const tries = retries.reduce((t, r) => t + r.max_attempts, 0);
  const what = n.fallback_for ? `fallback of ${n.fallback_for}` : (n.step_type ?? '').replace('_', ' ');
  return tries > 0 ? `${what} · ↻ ${tries}` : what;
}

function sizeOf(shape: NodeShape, label: string, detail: string | undefined): { width: number; height: number } {
  switch (shape) {
    case 'circle':
      return { width: 44, height: 28 };
    case 'bar':
      return { width: 120, height: 10 };
    case 'choice':
      return { width: Math.min(260, Math.max(110, label.length * CHAR + 48)), height: 56 };
    default: {
      const text = Math.max(label.length, detail?.length ?? 0);
      return { width: Math.min(240, Math.max(90, text * CHAR + PAD)), height: detail ? 44 : 32 };
    }
  }
}

/**
 * Lays the graph out top to bottom. Back edges (resume, slow retries) are drawn but do not rank nodes.
 * `orderHeuristic` forces dagre's crossing minimisation on or off (default: on up to {@link ORDER_HEURISTIC_MAX_NODES}).
 */
export function layoutGraph(graph: StateGraphView, options: { orderHeuristic?: boolean } = {}): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const placed = new Map<string, PlacedNode>();
  for (const node of graph.nodes) {
    const shape = shapeOf(node);
    const label = node.label;
    const detail = detailOf(node);
    const size = sizeOf(shape, label, detail);
    placed.set(node.id, { id: node.id, node, shape, label, ...(detail ? { detail } : {}), x: 0, y: 0, ...size });
    g.setNode(node.id, { ...size });
  }
  const backKinds = new Set(['resume', 'retry', 'waits_for']);
  graph.edges.forEach((e, i) => {
    if (!placed.has(e.from) || !placed.has(e.to)) return;
    const back = backKinds.has(e.kind);
    // Loops back to a step and join waits must not pull ranks; labelled edges get room for their text.
    g.setEdge(
      e.from,
      e.to,
      {
        minlen: back ? 0 : 1,
        weight: back ? 0 : e.kind === 'next' ? 2 : 1,
        ...(e.label && !back ? { width: Math.min(160, e.label.length * 6), height: 14, labelpos: 'c' } : {}),
      },
      `e${i}`,
    );
  });
  // Crossing minimisation is most of dagre's time; past a size where it costs more than it gives (long runs are
  // mostly chains) the order heuristic is skipped so a 200-step run still lays out well inside a second.
  const order = options.orderHeuristic ?? graph.nodes.length <= ORDER_HEURISTIC_MAX_NODES;
  dagre.layout(g, order ? {} : { disableOptimalOrderHeuristic: true });
  for (const id of g.nodes()) {
    const p = placed.get(id);
    const at = g.node(id);
    if (p && at) {
      p.x = at.x ?? 0;
      p.y = at.y ?? 0;
    }
  }
  const edges: PlacedEdge[] = [];
  graph.edges.forEach((e, i) => {
    const label = g.edge({ v: e.from, w: e.to, name: `e${i}` });
    if (!label) return;
    const from = placed.get(e.from)!;
    const to = placed.get(e.to)!;
    const points = label.points && label.points.length > 0 ? label.points : [from, to];
    const mid = points[Math.floor(points.length / 2)]!;
    edges.push({
      edge: e,
      path: pathOf(points),
      labelX: label.x ?? mid.x,
      labelY: label.y ?? mid.y,
      back: to.y < from.y,
    });
  });
  const size = g.graph();
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes: [...placed.values()], edges };
}

/** An SVG path through points: straight first and last segments, smoothed in between. */
export function pathOf(points: ReadonlyArray<{ x: number; y: number }>): string {
  const r = (v: number): number => Math.round(v * 10) / 10;
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M${r(first!.x)},${r(first!.y)}`;
  if (rest.length === 1) return `${d}L${r(rest[0]!.x)},${r(rest[0]!.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const c = rest[i]!;
    const n = rest[i + 1]!;
    const end = i === rest.length - 2 ? n : { x: (c.x + n.x) / 2, y: (c.y + n.y) / 2 };
    d += `Q${r(c.x)},${r(c.y)} ${r(end.x)},${r(end.y)}`;
  }
  return d;
}

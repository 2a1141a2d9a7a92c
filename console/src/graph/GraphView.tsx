/**
 * The compiled state machine as SVG: nodes placed by dagre (layout.ts), coloured by the run's step statuses with the
 * status also in each node's icon and accessible name. Step nodes are buttons: click, or Tab then Enter, selects the
 * step (the page keeps it in the URL). Layout runs once per graph and detail level (memoised), so polling a run only
 * recolours the nodes: edges and unchanged nodes are memoised components that Preact skips.
 */
import { Component, type ComponentChild } from 'preact';
import { useCallback, useEffect, useMemo, useRef } from 'preact/hooks';
import type { StateGraphView } from '../../../lib/core/api/schemas/responses/graph.ts';
import { type GraphDetail, type GraphLayout, layoutGraph, type PlacedNode, visibleGraph } from './layout.ts';
import { type NodeStatus, statusLook } from './status.ts';

export interface GraphViewProps {
  graph: StateGraphView;
  detail: GraphDetail;
  /** Step node statuses (a run's page); absent for a workflow's graph. */
  statuses?: ReadonlyMap<string, NodeStatus>;
  /** The selected step's name. */
  selected?: string | undefined;
  onSelect?: (step: string) => void;
  label: string;
}

function shapePath(n: PlacedNode): string {
  const w = n.width / 2;
  const h = n.height / 2;
  switch (n.shape) {
    case 'choice':
      return `M0,${-h}L${w},0L0,${h}L${-w},0Z`;
    case 'wait': {
      const s = 10;
      return `M${-w + s},${-h}L${w},${-h}L${w - s},${h}L${-w},${h}Z`;
    }
    case 'terminal': {
      const c = 8;
      return `M${-w + c},${-h}L${w - c},${-h}L${w},${-h + c}L${w},${h - c}L${w - c},${h}L${-w + c},${h}L${-w},${h - c}L${-w},${-h + c}Z`;
    }
    default:
      return '';
  }
}

function NodeShape({ n }: { n: PlacedNode }) {
  const w = n.width;
  const h = n.height;
  if (n.shape === 'circle') return <ellipse rx={w / 2} ry={h / 2} />;
  if (n.shape === 'bar') return <rect x={-w / 2} y={-h / 2} width={w} height={h} rx={3} />;
  const d = shapePath(n);
  if (d) return <path d={d} />;
  return <rect x={-w / 2} y={-h / 2} width={w} height={h} rx={n.shape === 'helper' ? 12 : 4} />;
}

/**
 * A component Preact skips while its props are the same values (shallowly). Hand-written rather than preact/compat's
 * `memo`: compat also changes how every form event of the console is named.
 */
function memo<P extends object>(render: (props: P) => ComponentChild): new (props: P) => Component<P> {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const keys = Object.keys(next) as Array<keyof P>;
      return keys.length !== Object.keys(this.props).length || keys.some((k) => next[k] !== this.props[k]);
    }
    override render(props: P): ComponentChild {
      return render(props);
    }
  };
}

/** The edges depend on the layout only: a poll that recolours nodes does not touch them. */
const Edges = memo(function Edges({ layout }: { layout: GraphLayout }) {
  return (
    <g class="edges">
      {layout.edges.map((e) => (
        <g
          key={`${e.edge.from}>${e.edge.to}>${e.edge.kind}`}
          class={`edge edge-${e.edge.kind}${e.edge.kind === 'catch' && e.edge.label !== 'on error' ? ' edge-control' : ''}`}
        >
          <path d={e.path} marker-end="url(#arrow)" />
          {e.edge.label && e.edge.kind !== 'merge' && (
            <text x={e.labelX} y={e.labelY} class="edge-label">
              {e.edge.label.length > 40 ? `${e.edge.label.slice(0, 38)}…` : e.edge.label}
              <title>{e.edge.label}</title>
            </text>
          )}
        </g>
      ))}
    </g>
  );
});

interface NodeProps {
  n: PlacedNode;
  status: NodeStatus | undefined;
  selected: boolean;
  /** Stable across renders (GraphView passes a ref-backed callback), so memo compares the rest. */
  onSelect: ((step: string) => void) | undefined;
}

/** One node: re-rendered only when its placement, status or selection changes. */
const GraphNode = memo(function GraphNode({ n, status, selected, onSelect }: NodeProps) {
  const look = status ? statusLook(status) : undefined;
  const step = n.node.kind === 'step' ? n.node.step : undefined;
  const selectable = step !== undefined && onSelect !== undefined;
  const name = `${n.label}${n.detail ? `, ${n.detail}` : ''}${look ? `: ${look.text}` : ''}`;
  return (
    <g
      class={`node node-${n.node.kind} shape-${n.shape}${look ? ` tone-${look.tone}` : ''}${selected ? ' selected' : ''}`}
      transform={`translate(${n.x},${n.y})`}
      data-node={n.id}
      data-status={status}
      {...(selectable
        ? {
            role: 'button',
            // Lower case: on SVG elements Preact sets attributes by name, and only `tabindex` makes one focusable.
            tabindex: 0,
            'aria-pressed': selected,
            'aria-label': name,
            onClick: () => onSelect(step),
            onKeyDown: (e: KeyboardEvent) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onSelect(step);
              }
            },
          }
        : { 'aria-label': name, role: 'img' })}
    >
      <title>{name}</title>
      <NodeShape n={n} />
      {n.shape !== 'bar' && (
        <text class="node-label" y={n.detail ? -4 : 4}>
          {look ? `${look.icon} ` : ''}
          {n.label.length > 30 ? `${n.label.slice(0, 28)}…` : n.label}
        </text>
      )}
      {n.detail && (
        <text class="node-detail" y={12}>
          {n.detail}
        </text>
      )}
    </g>
  );
});

export function GraphView(props: GraphViewProps) {
  // Laid out once per graph and detail level: selecting a step or a new poll only re-renders.
  const layout = useMemo(() => layoutGraph(visibleGraph(props.graph, props.detail)), [props.graph, props.detail]);
  // The page makes a new callback on every render; the nodes get one that never changes and calls the latest.
  const onSelectRef = useRef(props.onSelect);
  onSelectRef.current = props.onSelect;
  const hasSelect = props.onSelect !== undefined;
  const onSelect = useCallback((step: string) => onSelectRef.current?.(step), []);
  // A graph wider than the screen (a phone) opens scrolled to its start, not to its left edge.
  const wrap = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = wrap.current;
    const start = layout.nodes.find((n) => n.node.kind === 'start');
    if (box && start && layout.width > box.clientWidth) box.scrollLeft = Math.max(0, start.x - box.clientWidth / 2);
  }, [layout]);
  return (
    <div class="graph-wrap" ref={wrap}>
      <svg
        class="graph"
        aria-label={props.label}
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0L10,5L0,10z" class="arrowhead" />
          </marker>
        </defs>
        <Edges layout={layout} />
        <g class="nodes">
          {layout.nodes.map((n) => {
            const step = n.node.kind === 'step' ? n.node.step : undefined;
            return (
              <GraphNode
                key={n.id}
                n={n}
                status={props.statuses?.get(n.id)}
                selected={step !== undefined && step === props.selected}
                onSelect={hasSelect ? onSelect : undefined}
              />
            );
          })}
        </g>
      </svg>
    </div>
  );
}

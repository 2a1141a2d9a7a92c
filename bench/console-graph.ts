/**
 * The run page's own work for a long run, outside the browser: compiling the graph (what GET /workflows/{id}/graph
 * does), laying it out with dagre (with and without its crossing minimisation), colouring it by step status and
 * building the timeline, for 50/100/200-step chains and a 200-step run of 20 parallel chains. Medians of 5 runs after
 * a warm-up. Run: npx tsx bench/console-graph.ts   Writes bench/results/console-graph.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutGraph, ORDER_HEURISTIC_MAX_NODES, visibleGraph } from '../console/src/graph/layout.ts';
import { nodeStatuses } from '../console/src/graph/status.ts';
import { buildTimeline } from '../console/src/runs/timeline.ts';
import { compileWorkflow, stateGraph, type WorkflowDocument } from '../lib/core/workflow/index.ts';

const root = join(import.meta.dirname, '..');

function workflow(chains: number, length: number): WorkflowDocument {
  const steps = [];
  for (let c = 0; c < chains; c++) {
    for (let i = 0; i < length; i++) {
      steps.push({
        name: `c${c}_s${i}`,
        step_type: 'service_call' as const,
        service: 'inventory',
        endpoint: `/items/${c}/${i}`,
        ...(i > 0 ? { depends_on: [`c${c}_s${i - 1}`] } : {}),
        retry_policy: { max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 },
      });
    }
  }
  return { name: `Bench ${chains}x${length}`, definition: { steps } } as WorkflowDocument;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}

function time(fn: () => void, runs = 5): number {
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

// The first layout in a fresh process (a page's first paint: nothing compiled by the JIT yet), 200-step chain.
const cold = (() => {
  const doc = workflow(1, 200);
  const shown = visibleGraph(stateGraph(doc, compileWorkflow(doc)), 'steps');
  const t = performance.now();
  layoutGraph(shown);
  return Math.round(performance.now() - t);
})();

const cases = [
  { name: 'chain of 50', chains: 1, length: 50 },
  { name: 'chain of 100', chains: 1, length: 100 },
  { name: 'chain of 200', chains: 1, length: 200 },
  { name: '20 chains of 10', chains: 20, length: 10 },
];
const results = cases.map(({ name, chains, length }) => {
  const doc = workflow(chains, length);
  const graph = stateGraph(doc, compileWorkflow(doc));
  const shown = visibleGraph(graph, 'steps');
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const steps = graph.nodes
    .filter((n) => n.kind === 'step')
    .map((n, i) => ({
      step: n.step!,
      status: 'completed',
      started_at: new Date(t0 + i * 100).toISOString(),
      completed_at: new Date(t0 + i * 100 + 80).toISOString(),
      attempts: 1,
    }));
  const attempts = steps.map((s) => ({
    step: s.step,
    attempt: 1,
    status: 'completed',
    at: s.started_at!,
    duration_ms: 80,
  }));
  const run = {
    status: 'completed',
    current_step: null,
    started_at: steps[0]!.started_at!,
    completed_at: steps.at(-1)!.completed_at,
  };
  return {
    case: name,
    steps: chains * length,
    nodes_shown: shown.nodes.length,
    compile_and_graph_ms: time(() => stateGraph(doc, compileWorkflow(doc))),
    layout_ms: time(() => layoutGraph(shown)),
    statuses_ms: time(() => nodeStatuses(graph, run, steps)),
    timeline_ms: time(() => buildTimeline(run, steps, attempts, Date.now())),
  };
});
const doc200 = workflow(1, 200);
const shown200 = visibleGraph(stateGraph(doc200, compileWorkflow(doc200)), 'steps');
const figures = {
  machine_note: 'a shared 2-core machine; absolute times are noisy, compare within one run',
  order_heuristic_max_nodes: ORDER_HEURISTIC_MAX_NODES,
  chain_200_first_layout_cold_ms: cold,
  cases: results,
  // The same 200-step layout with dagre's crossing minimisation forced on: what skipping it saves.
  chain_200_layout_with_order_heuristic_ms: time(() => layoutGraph(shown200, { orderHeuristic: true }), 3),
};
for (const r of results) console.log(JSON.stringify(r));
console.log(`200-step chain, first layout in a fresh process: ${cold} ms`);
console.log(
  `200-step chain layout with crossing minimisation: ${figures.chain_200_layout_with_order_heuristic_ms} ms ` +
    `(skipped above ${ORDER_HEURISTIC_MAX_NODES} nodes)`,
);
writeFileSync(join(root, 'bench/results/console-graph.json'), `${JSON.stringify(figures, null, 2)}\n`);

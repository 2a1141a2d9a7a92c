import { describe, expect, it } from 'vitest';
import { layoutGraph, pathOf, shapeOf, visibleGraph } from '../../console/src/graph/layout.ts';
import { nodeStatuses, statusCounts, statusLook } from '../../console/src/graph/status.ts';
import { compileWorkflow, stateGraph, type WorkflowDocument } from '../../lib/core/workflow/index.ts';
import { loadExample } from '../core/workflow/helpers.ts';

const graphOf = (doc: WorkflowDocument) => stateGraph(doc, compileWorkflow(doc));

/** A sequential workflow of n service calls. */
function chain(n: number): WorkflowDocument {
  return {
    name: 'Long',
    definition: {
      steps: Array.from({ length: n }, (_, i) => ({
        name: `s${i}`,
        step_type: 'service_call',
        service: 'inventory',
        endpoint: `/s/${i}`,
        ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}),
      })),
    },
  } as WorkflowDocument;
}

describe('visibleGraph', () => {
  it('hides park states and cancelled fails at step detail, keeps them at full detail or when asked', () => {
    const graph = graphOf(loadExample('error-handling.json'));

    const steps = visibleGraph(graph, 'steps');
    const kept = visibleGraph(graph, 'steps', new Set(['ship_order.paused']));

    expect(steps.nodes.some((n) => n.kind === 'park')).toBe(false);
    expect(steps.nodes.some((n) => n.id === 'charge_payment.cancelled')).toBe(false);
    expect(
      steps.edges.every((e) => steps.nodes.some((n) => n.id === e.from) && steps.nodes.some((n) => n.id === e.to)),
    ).toBe(true);
    expect(steps.nodes.some((n) => n.id === 'compensate.load')).toBe(true);
    expect(visibleGraph(graph, 'full')).toBe(graph);
    expect(kept.nodes.map((n) => n.id)).toContain('ship_order.paused');
  });
});

describe('layoutGraph', () => {
  it('places every node without overlaps and ranks each step below the one before it', () => {
    const graph = visibleGraph(graphOf(loadExample('agent-task-execution.json')), 'steps');

    const layout = layoutGraph(graph);

    expect(layout.nodes).toHaveLength(graph.nodes.length);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    const order = ['start', 'task_preparation', 'agent_assignment', 'execution_monitoring', 'result_processing', 'end'];
    for (let i = 1; i < order.length; i++) expect(at.get(order[i]!)!.y).toBeGreaterThan(at.get(order[i - 1]!)!.y);
    for (const a of layout.nodes) {
      expect(a.x - a.width / 2).toBeGreaterThanOrEqual(0);
      expect(a.y + a.height / 2).toBeLessThanOrEqual(layout.height);
      for (const b of layout.nodes) {
        if (a === b) continue;
        const overlap =
          Math.abs(a.x - b.x) < (a.width + b.width) / 2 && Math.abs(a.y - b.y) < (a.height + b.height) / 2;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
    expect(layout.edges).toHaveLength(graph.edges.length);
    expect(layout.edges.every((e) => e.path.startsWith('M'))).toBe(true);
    const retry = layout.edges.find((e) => e.edge.kind === 'retry');
    expect(retry?.back).toBe(true);
  });

  it('gives nodes shapes by what they are', () => {
    const graph = graphOf(loadExample('conditional.json'));
    const shape = (id: string) => shapeOf(graph.nodes.find((n) => n.id === id)!);

    expect(shape('route_by_priority')).toBe('choice');
    expect(shape('wait_for_batch')).toBe('wait');
    expect(shape('load_order')).toBe('task');
    expect(shape('start')).toBe('circle');
    expect(shape('load_order.paused')).toBe('helper');
  });

  it('lays out a 200-step run in one pass, every step on its own rank', () => {
    const graph = visibleGraph(graphOf(chain(200)), 'steps');

    const layout = layoutGraph(graph);

    const ys = layout.nodes.filter((n) => n.node.kind === 'step').map((n) => n.y);
    expect(new Set(ys).size).toBe(200);
  });

  it('draws paths through all points', () => {
    expect(
      pathOf([
        { x: 0, y: 0 },
        { x: 10, y: 20 },
      ]),
    ).toBe('M0,0L10,20');
    expect(
      pathOf([
        { x: 0, y: 0 },
        { x: 10, y: 10 },
        { x: 20, y: 0 },
      ]),
    ).toBe('M0,0Q10,10 20,0');
  });
});

describe('node statuses', () => {
  const graph = graphOf(loadExample('agent-task-execution.json'));

  it('colours steps by their records and says so in words and icons too', () => {
    const statuses = nodeStatuses(graph, { status: 'running', current_step: 'execution_monitoring' }, [
      { step: 'task_preparation', status: 'completed' },
      { step: 'agent_assignment', status: 'completed' },
      { step: 'execution_monitoring', status: 'running' },
    ]);

    expect(statuses.get('task_preparation')).toBe('completed');
    expect(statuses.get('execution_monitoring')).toBe('waiting');
    expect(statuses.get('result_processing')).toBe('not_run');
    expect(statuses.has('agent_assignment.retry_wait')).toBe(false);
    expect(statusCounts(statuses)).toEqual([
      { status: 'completed', count: 2 },
      { status: 'waiting', count: 1 },
      { status: 'not_run', count: 1 },
    ]);
    for (const s of ['completed', 'waiting', 'not_run', 'failed', 'paused']) {
      const look = statusLook(s);
      expect(look.text.length).toBeGreaterThan(0);
      expect(look.icon.length).toBeGreaterThan(0);
    }
    expect(new Set(['completed', 'failed', 'running', 'paused'].map((s) => statusLook(s).icon)).size).toBe(4);
  });

  it('marks the step a paused run stopped before, and the worst item of a map step', () => {
    const paused = nodeStatuses(graph, { status: 'paused', current_step: 'agent_assignment' }, [
      { step: 'task_preparation', status: 'completed' },
    ]);
    const map = graphOf(loadExample('map.json'));
    const items = nodeStatuses(map, { status: 'failed', current_step: 'reserve_line' }, [
      { step: 'reserve_line', status: 'completed' },
      { step: 'reserve_line', status: 'failed' },
      { step: 'reserve_line', status: 'completed' },
    ]);

    expect(paused.get('agent_assignment')).toBe('paused');
    expect(items.get('reserve_line')).toBe('failed');
    expect(statusLook('something_new')).toEqual({ text: 'something new', icon: '•', tone: 'muted' });
  });
});

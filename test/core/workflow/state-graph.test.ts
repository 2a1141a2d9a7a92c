import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AslState,
  type AslStateMachine,
  compileWorkflow,
  type StateGraph,
  stateGraph,
  type WorkflowDocument,
} from '../../../lib/core/workflow/index.ts';
import { arbitraryDag, dagWorkflow } from './dag-generators.ts';
import { call, exampleFiles, loadExample, workflowOf } from './helpers.ts';

function graphOf(doc: WorkflowDocument): { graph: StateGraph; asl: AslStateMachine } {
  const compiled = compileWorkflow(doc);
  return { graph: stateGraph(doc, compiled), asl: compiled.asl };
}

/** Every state of a machine with its transitions (Next, Choice targets, Default, Catch targets). */
function statesOf(states: Record<string, AslState>, out = new Map<string, string[]>()): Map<string, string[]> {
  for (const [name, s] of Object.entries(states)) {
    const targets: string[] = [];
    // A Parallel's or Map's Next leaves from the join node where its branches meet.
    if ((s.Type === 'Parallel' || s.Type === 'Map') && s.Next !== undefined) {
      out.set(`${name}/join`, [s.Next]);
    } else if ('Next' in s && typeof s.Next === 'string') targets.push(s.Next);
    if (s.Type === 'Choice') targets.push(...s.Choices.map((c) => c.Next), ...(s.Default ? [s.Default] : []));
    if (s.Type === 'Task' || s.Type === 'Parallel' || s.Type === 'Map')
      targets.push(...(s.Catch ?? []).map((c) => c.Next));
    out.set(name, targets);
    if (s.Type === 'Parallel') for (const b of s.Branches) statesOf(b.States, out);
    if (s.Type === 'Map') statesOf(s.ItemProcessor.States, out);
  }
  return out;
}

/** Structural invariants every compiled graph keeps. */
function checkInvariants(graph: StateGraph, asl: AslStateMachine): void {
  const ids = new Set(graph.nodes.map((n) => n.id));
  expect(ids.size).toBe(graph.nodes.length);
  for (const e of graph.edges) {
    expect(ids.has(e.from), `edge from ${e.from}`).toBe(true);
    expect(ids.has(e.to), `edge to ${e.to}`).toBe(true);
  }
  const states = statesOf(asl.States);
  for (const [name, targets] of states) {
    expect(ids.has(name), `state ${name} is a node`).toBe(true);
    for (const t of targets) {
      expect(
        graph.edges.some((e) => e.from === name && e.to === t),
        `${name} → ${t} is an edge`,
      ).toBe(true);
    }
  }
  // Every node is reachable from start, and the end from start.
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const seen = new Set([graph.start]);
  const queue = [graph.start];
  while (queue.length > 0)
    for (const t of out.get(queue.shift()!) ?? []) if (!seen.has(t) && seen.add(t)) queue.push(t);
  expect([...ids].filter((i) => !seen.has(i))).toEqual([]);
}

describe('stateGraph', () => {
  it.each(exampleFiles())('%s: every state is a node, every transition an edge, all reachable', (file) => {
    const doc = loadExample(file);
    const { graph, asl } = graphOf(doc);

    checkInvariants(graph, asl);
    const stepNodes = graph.nodes.filter((n) => n.kind === 'step');
    for (const n of stepNodes) expect(n.step).toBe(n.id);
  });

  it('marks each user step, its park state, its handler route and the shared compensation flow', () => {
    const { graph } = graphOf(loadExample('error-handling.json'));
    const node = (id: string) => graph.nodes.find((n) => n.id === id);

    expect(node('reserve_stock')).toMatchObject({ kind: 'step', step_type: 'service_call', asl_type: 'Task' });
    expect(node('reserve_stock')?.retriers?.map((r) => r.max_attempts)).toEqual([6, 2]);
    expect(node('reserve_stock.paused')).toMatchObject({ kind: 'park', step: 'reserve_stock', waits: true });
    expect(node('charge_backup_provider')).toMatchObject({ kind: 'step', fallback_for: 'charge_payment' });
    expect(node('compensate.load')).toMatchObject({ kind: 'compensation' });
    expect(node('compensate.load')?.step).toBeUndefined();
    expect(node('compensate.step')).toMatchObject({ kind: 'compensation', parent: 'compensate.run' });
    expect(node('compensate.fail')).toMatchObject({ kind: 'fail' });
    expect(node('send_receipt.continued')).toMatchObject({ kind: 'pass', step: 'send_receipt' });
    expect(graph.edges).toContainEqual({
      from: 'charge_payment',
      to: 'charge_backup_provider',
      kind: 'catch',
      label: 'on error',
    });
    expect(graph.edges).toContainEqual({
      from: 'reserve_stock.paused',
      to: 'reserve_stock',
      kind: 'resume',
      label: 'resume',
    });
    expect(graph.edges).toContainEqual({ from: 'compensate.step', to: 'compensate.run/join', kind: 'merge' });
  });

  it('forks parallel branches and joins them in a synthesized node before the next step', () => {
    const { graph } = graphOf(loadExample('parallel.json'));

    const branches = graph.edges.filter((e) => e.from === 'parallel.1' && e.kind === 'branch').map((e) => e.to);
    expect(branches).toEqual(['check_agents', 'check_inventory', 'check_budget']);
    const merges = graph.edges.filter((e) => e.to === 'parallel.1/join' && e.kind === 'merge').map((e) => e.from);
    expect(merges.sort()).toEqual(['check_agents', 'check_budget', 'check_inventory']);
    expect(graph.edges).toContainEqual({ from: 'parallel.1/join', to: 'report_readiness', kind: 'next' });
    expect(graph.nodes.find((n) => n.id === 'check_budget')).toMatchObject({ parent: 'parallel.1', branch: 2 });
  });

  it('labels choice edges with their conditions and the default as otherwise', () => {
    const { graph } = graphOf(loadExample('conditional.json'));

    const choice = graph.edges.find((e) => e.from === 'route_by_priority' && e.kind === 'choice');
    expect(choice?.to).toBe('ship_express');
    expect(choice?.label).toContain('$.context.priority = "high"');
    expect(graph.edges).toContainEqual({
      from: 'route_by_priority',
      to: 'wait_for_batch',
      kind: 'default',
      label: 'otherwise',
    });
  });

  it('shows a map body between the map step and its join, and exact-DAG joins with what they wait for', () => {
    const map = graphOf(loadExample('map.json')).graph;
    expect(map.edges).toContainEqual({ from: 'reserve_lines', to: 'reserve_line', kind: 'item', label: 'each item' });
    expect(map.edges).toContainEqual({ from: 'reserve_lines/join', to: 'charge_total', kind: 'next' });

    const dag = graphOf(loadExample('exact-dag.json')).graph;
    expect(dag.nodes.find((n) => n.id === 'charge_payment.join')).toMatchObject({
      kind: 'join',
      step: 'charge_payment',
    });
    expect(dag.edges).toContainEqual({
      from: 'reserve_stock',
      to: 'charge_payment.join',
      kind: 'waits_for',
      label: 'waits for',
    });
  });

  it('shows slow retries as a loop back to the step', () => {
    const { graph } = graphOf(loadExample('agent-task-execution.json'));

    expect(graph.nodes.find((n) => n.id === 'agent_assignment.retry_wait')).toMatchObject({ kind: 'retry' });
    expect(graph.edges).toContainEqual({
      from: 'agent_assignment.retry_wait',
      to: 'agent_assignment',
      kind: 'retry',
      label: 'retry',
    });
    expect(graph.nodes.find((n) => n.id === 'execution_monitoring')).toMatchObject({
      step_type: 'event_wait',
      waits: true,
    });
  });

  it('does not take helper states for steps named like them', () => {
    const undo = { service: 'inventory', endpoint: '/undo', method: 'DELETE' };
    const doc = workflowOf(
      [call('parallel', { compensation: undo } as never), call('compensate', { depends_on: ['parallel'] })],
      {
        definition: { error_handlers: [{ step: 'compensate', on_error: { action: 'compensate' } }] },
      },
    ) as unknown as WorkflowDocument;
    const { graph, asl } = graphOf(doc);

    checkInvariants(graph, asl);
    expect(graph.nodes.find((n) => n.id === 'compensate')).toMatchObject({ kind: 'step', step: 'compensate' });
    expect(graph.nodes.find((n) => n.id === 'compensate.paused')).toMatchObject({ kind: 'park', step: 'compensate' });
    expect(graph.nodes.find((n) => n.id === 'compensate.load')).toMatchObject({ kind: 'compensation' });
    expect(graph.nodes.find((n) => n.id === 'compensate.load')?.step).toBeUndefined();
  });

  it('keeps its invariants on random DAGs (series-parallel or not)', () => {
    fc.assert(
      fc.property(arbitraryDag(14), (deps) => {
        const doc = dagWorkflow(deps) as unknown as WorkflowDocument;
        const { graph, asl } = graphOf(doc);
        checkInvariants(graph, asl);
        const steps = graph.nodes.filter((n) => n.kind === 'step').map((n) => n.id);
        expect(steps.sort()).toEqual(deps.map((_, i) => `s${i}`).sort());
      }),
      { numRuns: 60 },
    );
  });
});

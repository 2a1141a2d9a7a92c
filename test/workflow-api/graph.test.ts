import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamodb } from '../../lambdas/shared/clients/dynamodb.ts';
import { enforceDataRules } from '../support/data-rules.ts';
import { useFreshTables } from '../support/tables.ts';
import { type ApiLambda, call, fakeEventBridge, fakeStepFunctions, seedWorkflow, setHandlerEnv } from './harness.ts';

const sfn = fakeStepFunctions();
const bus = fakeEventBridge();
let workflows: ApiLambda;

beforeAll(async () => {
  await useFreshTables(dynamodb);
  setHandlerEnv();
  enforceDataRules(dynamodb);
  workflows = (await import('../../lambdas/api-workflows/handler.ts')).handler as unknown as ApiLambda;
});

beforeEach(() => {
  sfn.install();
  bus.install();
});

type Node = { id: string; kind: string; step?: string; step_type?: string };
type Edge = { from: string; to: string; kind: string; label?: string };

describe('GET /workflows/{id}/graph', () => {
  it('answers the compiled graph and report of the latest version, and of an older one by label or number', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Graph Seed') })).body;
    const second = seedWorkflow('Graph Seed', { version: '2.0.0' });
    second.definition.steps.push({
      name: 'archive',
      step_type: 'service_call',
      service: 'planning-system',
      endpoint: '/tasks/{task_id}/archive',
      depends_on: ['result_processing'],
    });
    await call(workflows, 'PUT', `/workflows/${created.id}`, { body: { ...second, expected_seq: 1 } });

    const latest = await call(workflows, 'GET', `/workflows/${created.id}/graph`);
    const byLabel = await call(workflows, 'GET', `/workflows/${created.id}/graph`, { query: { version: '1.0.0' } });
    const byNumber = await call(workflows, 'GET', `/workflows/${created.id}/graph`, { query: { version: '1' } });

    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ workflow_id: created.id, version: '2.0.0', version_seq: 2 });
    const steps = (body: { graph: { nodes: Node[] } }): string[] =>
      body.graph.nodes.filter((n) => n.kind === 'step').map((n) => n.id);
    expect(steps(latest.body)).toContain('archive');
    expect(byLabel.body).toMatchObject({ version: '1.0.0', version_seq: 1 });
    expect(steps(byLabel.body)).not.toContain('archive');
    expect(byNumber.body.graph).toEqual(byLabel.body.graph);
    // The seed's happy path: one transition per step (DESIGN: bookkeeping adds none).
    expect(byLabel.body.report.transitions.happy_path).toBe(4);
    expect(latest.body.report.transitions.happy_path).toBe(5);
    expect(byLabel.body.report.cost_per_million_runs.standard_usd).toBe(100);
    const nodes: Node[] = byLabel.body.graph.nodes;
    expect(nodes.find((n) => n.id === 'execution_monitoring')).toMatchObject({ step_type: 'event_wait' });
    expect(nodes.find((n) => n.id === 'agent_assignment.retry_wait')).toMatchObject({
      kind: 'retry',
      step: 'agent_assignment',
    });
    const edges: Edge[] = byLabel.body.graph.edges;
    expect(edges).toContainEqual({ from: 'start', to: 'task_preparation', kind: 'next' });
    expect(edges).toContainEqual({ from: 'result_processing', to: 'end', kind: 'next' });
  });

  it('compiles a definition once: later reads of it, under any workflow, come from the cache', async () => {
    const { graphCacheStats } = await import('../../lambdas/api-workflows/graph-cache.ts');
    const first = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Graph Cache One') })).body;
    const changed = seedWorkflow('Graph Cache Two');
    changed.definition.steps.push({
      name: 'archive',
      step_type: 'service_call',
      service: 'planning-system',
      endpoint: '/tasks/{task_id}/archive',
      depends_on: ['result_processing'],
    });
    const second = (await call(workflows, 'POST', '/workflows', { body: changed })).body;

    const a = await call(workflows, 'GET', `/workflows/${first.id}/graph`);
    const compiles = graphCacheStats().compiles;
    const again = await call(workflows, 'GET', `/workflows/${first.id}/graph`);
    expect(graphCacheStats().compiles).toBe(compiles);
    expect(again.body.graph).toEqual(a.body.graph);
    // Another definition is compiled on its own, never answered from the first one's entry.
    const b = await call(workflows, 'GET', `/workflows/${second.id}/graph`);
    expect(graphCacheStats().compiles).toBe(compiles + 1);
    expect(b.body.graph).not.toEqual(a.body.graph);
  });

  it('answers 404 for an unknown workflow or version, 400 for a bad id or query', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Graph Missing') })).body;

    const noWorkflow = await call(workflows, 'GET', '/workflows/7d0c2f1e-4b7a-4c1e-9f3a-2b5d6e7f8a9b/graph');
    const noVersion = await call(workflows, 'GET', `/workflows/${created.id}/graph`, { query: { version: '9.9.9' } });
    const noNumber = await call(workflows, 'GET', `/workflows/${created.id}/graph`, { query: { version: '7' } });
    const badId = await call(workflows, 'GET', '/workflows/nope/graph');
    const badQuery = await call(workflows, 'GET', `/workflows/${created.id}/graph`, { query: { colour: 'red' } });
    const emptyVersion = await call(workflows, 'GET', `/workflows/${created.id}/graph`, { query: { version: '' } });

    expect(noWorkflow.status).toBe(404);
    expect(noVersion.status).toBe(404);
    expect(noNumber.status).toBe(404);
    expect(badId.status).toBe(400);
    expect(badId.body.error.problems[0].field).toBe('path.workflow_id');
    expect(badQuery.status).toBe(400);
    expect(emptyVersion.status).toBe(400);
    expect(emptyVersion.body.error.problems[0].field).toBe('query.version');
  });
});

describe('POST /workflows/{id}/validate', () => {
  it('returns the full compile report and the graph of a valid pasted definition', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Validate Graph') })).body;

    const res = await call(workflows, 'POST', `/workflows/${created.id}/validate`, {
      body: seedWorkflow('Validate Graph'),
    });

    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.report).toMatchObject({
      transitions: { happy_path: 4 },
      cost_per_million_runs: { standard_usd: 100 },
    });
    expect(res.body.graph.nodes.filter((n: Node) => n.kind === 'step')).toHaveLength(4);
  });

  it('points each problem of an invalid definition at its JSON path, with no report or graph', async () => {
    const created = (await call(workflows, 'POST', '/workflows', { body: seedWorkflow('Validate Problems') })).body;
    const bad = seedWorkflow('Validate Problems');
    bad.definition.steps[1].depends_on = ['missing_step'];
    bad.definition.steps[2].timeout = 'soon';

    const res = await call(workflows, 'POST', `/workflows/${created.id}/validate`, { body: bad });

    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    const paths = res.body.problems.map((p: { path: string }) => p.path);
    expect(paths).toContain('definition.steps[2].timeout');
    expect(res.body.report).toBeUndefined();
    expect(res.body.graph).toBeUndefined();
  });
});

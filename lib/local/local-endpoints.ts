/**
 * The `/local/*` JSON endpoints of local mode: what the status page needs that the REST API does not serve — recent
 * bus events, metrics from the EMF sink, the workflow graph (Mermaid) and a summary of the running stack.
 */
import { isUuid } from '../core/execution/ids.ts';
import { validateWorkflow, workflowGraph } from '../core/workflow/index.ts';
import type { LocalBackend } from './backend.ts';
import { type LocalEndpoint, LocalHttpError } from './http-api.ts';
import type { LocalWiring } from './wiring.ts';

export interface LocalEndpointsContext {
  wiring: LocalWiring;
  backend: () => LocalBackend | undefined;
  startedAt: number;
  speed: number;
  apiUrl: () => string;
  /** IAM enforcement: on or off, create-time findings, the latest denials. */
  iam?: () => unknown;
}

const limitOf = (query: URLSearchParams, fallback: number): number => {
  const raw = query.get('limit');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new LocalHttpError(400, 'must be a whole number from 1 to 1000', 'limit');
  return n;
};

/** Builds the `/local/<name>` handlers. */
export function localEndpoints(ctx: LocalEndpointsContext): Record<string, LocalEndpoint> {
  return {
    info: () => ({
      uptime_seconds: (Date.now() - ctx.startedAt) / 1000,
      speed: ctx.speed,
      functions: ctx.wiring.functions.length,
      state_machines: ctx.wiring.stateMachines.length,
      rules: ctx.wiring.rules.length,
      schedules: ctx.wiring.schedules.length + ctx.wiring.rules.filter((r) => r.scheduleExpression).length,
      tables: ctx.wiring.tables.map((t) => t.name),
      workflows: ctx.wiring.stateMachines.map((m) => ({ workflow: m.workflow, name: m.name, type: m.type })),
    }),
    events: (query) => ({ events: ctx.backend()?.recentEvents(limitOf(query, 100)) ?? [] }),
    metrics: () => ({ metrics: ctx.backend()?.metrics() ?? [] }),
    functions: () => ({ functions: ctx.backend()?.functionStats() ?? [] }),
    iam: () => ctx.iam?.() ?? { enforcing: false, findings: [], denials: [] },
    graph: async (query) => {
      const id = query.get('workflow_id');
      if (!id) throw new LocalHttpError(400, 'is required', 'workflow_id');
      // Checked before it goes into a URL: a value such as `../../x` or `%2e%2e` would otherwise name another path.
      if (!isUuid(id)) throw new LocalHttpError(400, 'must be a UUID', 'workflow_id');
      const response = await fetch(`${ctx.apiUrl()}/workflows/${encodeURIComponent(id)}`);
      if (response.status === 404) throw new LocalHttpError(404, `workflow '${id}' does not exist`, 'workflow_id');
      if (response.status >= 400 && response.status < 500) {
        const answer = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        throw new LocalHttpError(response.status, answer?.error?.message ?? 'was refused', 'workflow_id');
      }
      if (!response.ok) throw new LocalHttpError(502, `GET /workflows/${id} answered ${response.status}`);
      const workflow = (await response.json()) as Record<string, unknown>;
      const checked = validateWorkflow({
        name: workflow.name,
        description: workflow.description,
        version: workflow.version,
        definition: workflow.definition,
      });
      if (!checked.ok) throw new LocalHttpError(422, checked.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
      return { workflow_id: id, mermaid: workflowGraph(checked.workflow) };
    },
  };
}

// Sample "agent-orchestrator": accepts a task for an agent and, COMPLETE_AFTER_MS later, reports
// `agent.task_completed` to Steward's `/events` (STEWARD_URL) — the producer of the seed workflow's event.
// The seed's step sends no body, so when the request names no task the orchestrator asks Steward which running
// execution has this agent in its context (GET /executions?status=running) and takes the task from there.
// It turns unhealthy FLAKE_AFTER_SECONDS after it starts (0 = never), so Steward's probes notice and restart it
// within its restart budget; a restarted process is healthy again for the same time.
import { echo, pick, serve } from './common.mjs';

const stewardUrl = process.env.STEWARD_URL ?? 'http://127.0.0.1:4500';
const completeAfterMs = Number(process.env.COMPLETE_AFTER_MS ?? 2000);
const flakeAfterSeconds = Number(process.env.FLAKE_AFTER_SECONDS ?? 0);

async function report(event) {
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const response = await fetch(`${stewardUrl}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      if (response.ok) return;
      console.error(`agent-orchestrator: /events answered ${response.status}: ${await response.text()}`);
      if (response.status < 500) return;
    } catch (error) {
      console.error(`agent-orchestrator: could not reach ${stewardUrl}/events: ${error.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, attempt * 500));
  }
}

/**
 * The task and correlation id of the running execution that assigned work to this agent, newest first: by the
 * call's correlation id (Steward sends X-Correlation-Id on every call), else among the running executions.
 */
async function lookupTask(agentId, correlationId) {
  const query = correlationId ? `correlation_id=${encodeURIComponent(correlationId)}` : 'status=running';
  const response = await fetch(`${stewardUrl}/executions?${query}&limit=100`);
  if (!response.ok) return undefined;
  const answer = await response.json();
  const mine = (answer.executions ?? answer.items ?? []).filter(
    (e) => e.context?.agent_id === agentId && e.status === 'running',
  );
  mine.sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  const found = mine[0];
  return found && { taskId: found.context.task_id, correlationId: found.correlation_id };
}

serve(
  'agent-orchestrator',
  [
    [
      'POST',
      '/agents/{agent_id}/tasks',
      async (request) => {
        const agentId = request.params.agent_id;
        let taskId = pick(request, 'task_id');
        let correlationId = request.headers['x-correlation-id'] ?? pick(request, 'correlation_id');
        if (typeof taskId !== 'string' || taskId === '') {
          const found = await lookupTask(agentId, correlationId).catch(() => undefined);
          taskId = found?.taskId;
          correlationId ??= found?.correlationId;
        }
        if (typeof taskId !== 'string' || taskId === '') {
          return { status: 400, body: { error: { field: 'task_id', message: `no task for agent ${agentId}` } } };
        }
        setTimeout(() => {
          void report({
            type: 'agent.task_completed',
            source: 'agent-orchestrator',
            correlation_id: correlationId,
            data: {
              task_id: taskId,
              agent_id: agentId,
              result: { summary: `task ${taskId} done by ${agentId}`, score: 0.93 },
            },
          });
        }, completeAfterMs);
        return { status: 202, body: { accepted: true, agent_id: agentId, task_id: taskId, eta_ms: completeAfterMs } };
      },
    ],
    ['GET', '/agents/availability', () => ({ status: 200, body: { available: 3, agents: ['a1', 'a2', 'a3'] } })],
    ['*', '/{a}', echo('agents')],
    ['*', '/{a}/{b}', echo('agents')],
    ['*', '/{a}/{b}/{c}', echo('agents')],
  ],
  { healthy: (uptimeMs) => flakeAfterSeconds <= 0 || uptimeMs < flakeAfterSeconds * 1000 },
);

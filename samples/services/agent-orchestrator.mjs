// Sample "agent-orchestrator": accepts a task for an agent and, COMPLETE_AFTER_MS later, reports
// `agent.task_completed` to Steward's `/events` (STEWARD_URL) — the producer of the seed workflow's event.
// It turns unhealthy FLAKE_AFTER_SECONDS after it starts (0 = never), so Steward's probes notice and restart it
// within its restart budget; a restarted process is healthy again for the same time.
import { pick, serve } from './common.mjs';

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

serve(
  'agent-orchestrator',
  [
    [
      'POST',
      '/agents/{agent_id}/tasks',
      (request) => {
        const agentId = request.params.agent_id;
        const taskId = pick(request, 'task_id');
        if (typeof taskId !== 'string' || taskId === '') {
          return { status: 400, body: { error: { field: 'task_id', message: 'is required (body or context)' } } };
        }
        const correlationId = request.headers['x-correlation-id'] ?? pick(request, 'correlation_id');
        setTimeout(() => {
          void report({
            type: 'agent.task_completed',
            source: 'agent-orchestrator',
            correlation_id: correlationId,
            data: { task_id: taskId, agent_id: agentId, result: { summary: `task ${taskId} done by ${agentId}`, score: 0.93 } },
          });
        }, completeAfterMs);
        return { status: 202, body: { accepted: true, agent_id: agentId, task_id: taskId, eta_ms: completeAfterMs } };
      },
    ],
  ],
  { healthy: (uptimeMs) => flakeAfterSeconds <= 0 || uptimeMs < flakeAfterSeconds * 1000 },
);

import type { ServiceSpec } from '../../lib/core/supervision/manifest.ts';
import { compileDocument, type DeployedWorkflow } from '../../lib/stacks/inputs.ts';

/** `n` distinct copies of a small triggered workflow (synthetic load for splitting and the synth benchmark). */
export function syntheticWorkflows(n: number): DeployedWorkflow[] {
  const problems: { file: string; path: string; message: string }[] = [];
  const out: DeployedWorkflow[] = [];
  for (let i = 0; i < n; i++) {
    const wf = compileDocument(
      `synthetic/${i}.json`,
      {
        name: `synthetic-${i}`,
        triggers: [{ type: 'schedule', expression: 'rate(1 hour)' }],
        definition: {
          steps: [
            {
              name: 'prepare',
              step_type: 'service_call',
              service: 'planning-system',
              endpoint: '/tasks/{task_id}/prepare',
            },
            {
              name: 'done',
              step_type: 'event_wait',
              event_type: 'agent.task_completed',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a Steward template, not a JS one
              event_filter: { task_id: '${context.task_id}' },
              timeout: 60_000,
            },
          ],
        },
      },
      problems,
    );
    if (!wf) throw new Error(`synthetic workflow ${i} is invalid: ${JSON.stringify(problems)}`);
    out.push(wf);
  }
  return out;
}

/** `n` distinct managed services (ECS, with an HTTP check). */
export function syntheticServices(n: number): ServiceSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `svc-${i}`,
    port: 8080,
    image: 'public.ecr.aws/docker/library/nginx:stable',
    health_checks: [{ name: 'http', type: 'http' as const, path: '/health' }],
  }));
}

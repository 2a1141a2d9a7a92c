/** ECS probes: running vs desired tasks of a service, and tasks the container health check marks UNHEALTHY. */
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { ecs } from '../clients/ecs.ts';
import { type ProbeResult, since } from './types.ts';

/** Probes an ECS service; `minRatio` of the desired tasks must run and none may be unhealthy. */
export async function probeEcs(cluster: string, serviceName: string, minRatio: number): Promise<ProbeResult> {
  const start = performance.now();
  try {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
    const svc = out.services?.[0];
    if (!svc) return { ok: false, latency_ms: since(start), message: `ECS service ${serviceName} not found` };
    const desired = svc.desiredCount ?? 0;
    const running = svc.runningCount ?? 0;
    const tasks = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'RUNNING' }));
    const arns = tasks.taskArns ?? [];
    const described =
      arns.length > 0 ? await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns })) : { tasks: [] };
    const bad = (described.tasks ?? []).filter((t) => t.healthStatus === 'UNHEALTHY').map((t) => t.taskArn ?? '');
    const enough = desired === 0 ? running === 0 : running >= Math.ceil(desired * minRatio);
    const message = `${running}/${desired} tasks running${bad.length > 0 ? `, ${bad.length} unhealthy` : ''}`;
    return { ok: enough && bad.length === 0, latency_ms: since(start), message, bad_tasks: bad };
  } catch (error) {
    return { ok: false, latency_ms: since(start), message: (error as Error).message };
  }
}

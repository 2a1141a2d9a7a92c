/**
 * ECS task stops (from the account's default bus): counts the ones the service caused against its restart budget
 * and reports a crash loop once the budget is exceeded. Stops Steward or a deployment caused are not counted.
 */
import { ENV } from '../../lib/core/env.ts';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { crashesInWindow, recordTaskStop, type TaskStop } from '../../lib/core/supervision/crash-loop.ts';
import {
  effectiveEcsTarget,
  effectiveRestartPolicy,
  SUPERVISION_DEFAULTS,
} from '../../lib/core/supervision/defaults.ts';
import { PROBED_STATES } from '../../lib/core/supervision/lifecycle.ts';
import { listEnv } from '../shared/config.ts';
import { stewardEvent } from '../shared/events.ts';
import { getRestartState, saveRestartState } from '../shared/repositories/restarts.ts';
import { allServices, getServiceByName, type ServiceRecord } from '../shared/repositories/services.ts';

const CLUSTERS = listEnv(ENV.ecsClusters);

/** An "ECS Task State Change" event as EventBridge delivers it (only the fields read here). */
export interface EcsTaskStateChange {
  source: 'aws.ecs';
  'detail-type': 'ECS Task State Change';
  time?: string;
  detail: {
    taskArn?: string;
    clusterArn?: string;
    /** `service:<name>` for tasks of a service. */
    group?: string;
    lastStatus?: string;
    stopCode?: string;
    stoppedReason?: string;
    stoppedAt?: string;
    containers?: Array<{ name?: string; exitCode?: number }>;
  };
}

/** What was done with one task stop. */
export interface TaskStopOutcome {
  outcome: 'ignored' | 'duplicate' | 'counted' | 'crash_looping';
  detail?: string;
  service?: string;
  events: StewardEvent[];
}

/** True for the events this module handles. */
export function isTaskStateChange(event: unknown): event is EcsTaskStateChange {
  const e = event as Partial<EcsTaskStateChange> | undefined;
  return e?.source === 'aws.ecs' && e['detail-type'] === 'ECS Task State Change' && typeof e.detail === 'object';
}

const clusterName = (cluster: string): string => cluster.split(':cluster/').pop() ?? cluster;

/** The registry entry of the ECS service `name` in `cluster`: by name first, else by its `ecs` target. */
async function serviceOf(cluster: string, name: string): Promise<ServiceRecord | undefined> {
  const matches = (r: ServiceRecord): boolean => {
    const target = effectiveEcsTarget(r.spec, CLUSTERS);
    return target !== undefined && target.service_name === name && clusterName(target.cluster) === clusterName(cluster);
  };
  const byName = await getServiceByName(name);
  if (byName && matches(byName)) return byName;
  // Discovered services may be registered under a DNS-safe name that differs from the ECS service's.
  return (await allServices(PROBED_STATES)).find(matches);
}

/** Handles one task state change at `now`. */
export async function onTaskStateChange(event: EcsTaskStateChange, now: number): Promise<TaskStopOutcome> {
  const d = event.detail;
  const group = d.group ?? '';
  if (d.lastStatus !== 'STOPPED' || !d.taskArn || !d.clusterArn || !group.startsWith('service:'))
    return { outcome: 'ignored', detail: 'not a stopped task of a service', events: [] };
  const record = await serviceOf(d.clusterArn, group.slice('service:'.length));
  if (!record || record.status === 'retired')
    return { outcome: 'ignored', detail: `${group} is not a supervised service`, events: [] };
  const stoppedAt = Date.parse(d.stoppedAt ?? event.time ?? '');
  const stop: TaskStop = {
    task_arn: d.taskArn,
    at: Number.isFinite(stoppedAt) ? Math.min(stoppedAt, now) : now,
    stop_code: d.stopCode,
    stopped_reason: d.stoppedReason,
    exit_code: d.containers?.find((c) => typeof c.exitCode === 'number')?.exitCode,
  };
  const policy = effectiveRestartPolicy(record.spec.restart_policy);
  // Conditional on the version read: a restarter or prober writing meanwhile makes us read and decide again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await getRestartState(record.id);
    const outcome = recordTaskStop(current.state, policy, stop, now);
    if (outcome.kind === 'ignored')
      return { outcome: 'ignored', detail: `stop cause ${outcome.cause}`, service: record.name, events: [] };
    if (outcome.kind === 'duplicate') return { outcome: 'duplicate', service: record.name, events: [] };
    if (!(await saveRestartState(record.id, outcome.state, current.version))) continue;
    if (!outcome.looping)
      return { outcome: 'counted', detail: `${outcome.in_window} in window`, service: record.name, events: [] };
    const crashes = crashesInWindow(outcome.state, policy, now).length;
    return {
      outcome: 'crash_looping',
      service: record.name,
      events: [
        stewardEvent('service.crash_looping', {
          service_id: record.id,
          name: record.name,
          crashes_in_window: crashes,
          restarts_in_window: outcome.in_window,
          max_restarts: policy.max_restarts,
          window_seconds: policy.window_seconds,
          severity: record.spec.alerts?.severity ?? SUPERVISION_DEFAULTS.alerts.severity,
          last_stop: {
            task_arn: stop.task_arn,
            stop_code: stop.stop_code,
            reason: stop.stopped_reason,
            exit_code: stop.exit_code,
            at: new Date(stop.at).toISOString(),
          },
        }),
      ],
    };
  }
  throw new Error(`The restart state of ${record.name} kept changing while a task stop was being recorded`);
}

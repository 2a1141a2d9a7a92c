/**
 * Acts on an unhealthy service: applies its group's strategy (and escalation), checks each service's restart
 * budget and backoff, claims the restart with a conditional write, and only then calls ECS. A lost claim means
 * another restarter already acted: it does nothing.
 */
import { StopTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ENV } from '../../lib/core/env.ts';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { effectiveEcsTarget, effectiveRestartPolicy } from '../../lib/core/supervision/defaults.ts';
import { PROBED_STATES } from '../../lib/core/supervision/lifecycle.ts';
import { activeMaintenance } from '../../lib/core/supervision/maintenance.ts';
import {
  decideManualRestart,
  decideRestart,
  type ManualRestartDecision,
} from '../../lib/core/supervision/restart-budget.ts';
import { SupervisionTree } from '../../lib/core/supervision/strategy.ts';
import { ecs } from '../shared/clients/ecs.ts';
import { listEnv } from '../shared/config.ts';
import { stewardEvent } from '../shared/events.ts';
import {
  getGroupRestarts,
  getRestartState,
  recordGroupRestart,
  saveRestartState,
} from '../shared/repositories/restarts.ts';
import { allServices, getService, listGroups, type ServiceRecord } from '../shared/repositories/services.ts';

const CLUSTERS = listEnv(ENV.ecsClusters);

/** A restart request (from the prober, or `detail.data` of a bus event). */
export interface RestartRequest {
  service_id: string;
  reason?: string;
  bad_tasks?: string[];
}

/** What was done, per service. */
export interface SuperviseOutcome {
  actions: Array<{ service: string; action: string; detail?: string }>;
  events: StewardEvent[];
}

const inMaintenance = (r: ServiceRecord, now: number): boolean =>
  r.status === 'maintenance' || activeMaintenance(r.spec.maintenance_windows, now) !== undefined;

/** Handles one request at `now`. */
export async function supervise(request: RestartRequest, now: number): Promise<SuperviseOutcome> {
  const out: SuperviseOutcome = { actions: [], events: [] };
  const failed = await getService(request.service_id);
  if (!failed || failed.status === 'retired') {
    out.actions.push({ service: request.service_id, action: 'ignored', detail: 'unknown or retired' });
    return out;
  }
  if (failed.health !== 'unhealthy') {
    out.actions.push({ service: failed.name, action: 'ignored', detail: `health is ${failed.health}` });
    return out;
  }
  const [groups, services] = await Promise.all([listGroups(), allServices(PROBED_STATES)]);
  const tree = new SupervisionTree(
    groups,
    services.map((s) => ({ name: s.name, group: s.spec.group, depends_on: s.spec.depends_on })),
  );
  const recent = new Map<string, number>();
  for (const g of new Set([tree.groupOf(failed.name), ...groups.map((x) => x.name), 'root'])) {
    const { restarts } = await getGroupRestarts(g);
    recent.set(g, restarts.filter((t) => t > now - tree.intensity(g).window_seconds * 1_000).length);
  }
  const plan = tree.plan(failed.name, (g) => recent.get(g) ?? 0);
  if (plan.terminal) {
    // The whole tree gave up: mark the service failed (once, conditionally) so it is held from now on.
    const current = await getRestartState(failed.id);
    if (current.state.failed) {
      out.actions.push({ service: failed.name, action: 'held', detail: 'failed' });
      return out;
    }
    const marked = {
      ...current.state,
      failed: true,
      failed_at: now,
      failed_reason: 'group' as const,
      healthy_since: undefined,
    };
    if (!(await saveRestartState(failed.id, marked, current.version))) {
      out.actions.push({ service: failed.name, action: 'lost_race' });
      return out;
    }
    out.actions.push({
      service: failed.name,
      action: 'terminal',
      detail: `groups gave up: ${plan.escalations.join(', ')}`,
    });
    out.events.push(
      stewardEvent('service.restart_budget_exhausted', {
        service_id: failed.id,
        name: failed.name,
        scope: 'group',
        groups: plan.escalations,
      }),
    );
    return out;
  }
  // The failed service's own budget decides whether anything happens at all.
  const own = await restartOne(failed, request.bad_tasks, now, out, false);
  if (!own || plan.services.length <= 1) return out;
  const byName = new Map(services.map((s) => [s.name, s]));
  if (!(await recordGroupRestart(plan.decidedBy, now, tree.intensity(plan.decidedBy).window_seconds * 1_000)))
    return out;
  for (const name of plan.services) {
    const sibling = byName.get(name);
    if (sibling && sibling.id !== failed.id) await restartOne(sibling, undefined, now, out, true);
  }
  if (plan.escalations.length > 0)
    out.actions.push({ service: failed.name, action: 'escalated', detail: plan.escalations.join(' → ') });
  return out;
}

async function restartOne(
  record: ServiceRecord,
  badTasks: string[] | undefined,
  now: number,
  out: SuperviseOutcome,
  sibling: boolean,
): Promise<boolean> {
  const policy = effectiveRestartPolicy(record.spec.restart_policy);
  const current = await getRestartState(record.id);
  const decision = decideRestart(current.state, policy, now, { inMaintenance: inMaintenance(record, now) });
  if (decision.kind === 'held' || decision.kind === 'wait') {
    out.actions.push({
      service: record.name,
      action: decision.kind,
      detail: 'reason' in decision ? decision.reason : undefined,
    });
    return false;
  }
  if (!(await saveRestartState(record.id, decision.state, current.version))) {
    out.actions.push({ service: record.name, action: 'lost_race' });
    return false;
  }
  if (decision.kind === 'exhausted') {
    out.actions.push({ service: record.name, action: 'exhausted' });
    out.events.push(
      stewardEvent('service.restart_budget_exhausted', {
        service_id: record.id,
        name: record.name,
        scope: 'service',
        max_restarts: policy.max_restarts,
        window_seconds: policy.window_seconds,
      }),
    );
    return false;
  }
  let detail: string;
  try {
    detail = await ecsRestart(record, policy.action, badTasks);
  } catch (error) {
    // ECS refused: give the claimed restart back (if nobody moved on meanwhile) so the retry of this invocation
    // is not held by a grace period and a budget entry for a restart that never happened.
    await saveRestartState(record.id, current.state, current.version + 1);
    throw error;
  }
  out.actions.push({ service: record.name, action: 'restarted', detail });
  out.events.push(
    stewardEvent('service.restarted', {
      service_id: record.id,
      name: record.name,
      action: policy.action,
      attempt: decision.state.attempt,
      by_group: sibling,
      detail,
    }),
  );
  return true;
}

async function ecsRestart(record: ServiceRecord, action: string, badTasks: string[] | undefined): Promise<string> {
  const target = effectiveEcsTarget(record.spec, CLUSTERS);
  if (!target) return 'no ECS service to restart (recorded only)';
  if (action === 'stop_task' && badTasks && badTasks.length > 0) {
    for (const task of badTasks) {
      await ecs.send(
        new StopTaskCommand({ cluster: target.cluster, task, reason: `Steward: ${record.name} unhealthy` }),
      );
    }
    return `stopped ${badTasks.length} task(s)`;
  }
  await ecs.send(
    new UpdateServiceCommand({ cluster: target.cluster, service: target.service_name, forceNewDeployment: true }),
  );
  return 'force new deployment';
}

/** Outcome of an operator's restart ({@link restartNow}). */
export type ManualRestartOutcome =
  | { kind: 'not_found' }
  | { kind: 'not_restartable'; reason: string }
  | (Extract<ManualRestartDecision, { kind: 'spent' }> & { name: string })
  | { kind: 'lost_race' }
  /** ECS refused or failed for another reason (throttling, permissions, an outage); the claim was given back. */
  | { kind: 'ecs_failed'; name: string; error: string }
  | { kind: 'restarted'; name: string; attempt: number; detail: string; event: StewardEvent };

/** ECS errors meaning the service (or its cluster) named by the spec is not there to restart. */
const ECS_TARGET_MISSING = new Set([
  'ServiceNotFoundException',
  'ServiceNotActiveException',
  'ClusterNotFoundException',
]);

/**
 * Restarts one managed service now, at an operator's request: the same budget claim (a conditional write on the
 * restart state), the same ECS call and give-back on refusal, and the same `service.restarted` event as the
 * automatic path, but for this service only (no group strategy) and whatever its health.
 */
export async function restartNow(
  serviceId: string,
  request: { reason?: string; by: string },
  now: number,
): Promise<ManualRestartOutcome> {
  const record = await getService(serviceId);
  if (!record) return { kind: 'not_found' };
  if (record.status === 'retired') return { kind: 'not_restartable', reason: `service '${record.name}' is retired` };
  if (!effectiveEcsTarget(record.spec, CLUSTERS))
    return { kind: 'not_restartable', reason: `service '${record.name}' is not an ECS service Steward manages` };
  const policy = effectiveRestartPolicy(record.spec.restart_policy);
  const current = await getRestartState(record.id);
  const decision = decideManualRestart(current.state, policy, now);
  if (decision.kind === 'spent') return { ...decision, name: record.name };
  if (!(await saveRestartState(record.id, decision.state, current.version))) return { kind: 'lost_race' };
  let detail: string;
  try {
    // Always a new deployment: an operator's restart replaces every task, whatever the automatic action is.
    detail = await ecsRestart(record, 'force_new_deployment', undefined);
  } catch (error) {
    await saveRestartState(record.id, current.state, current.version + 1);
    const name = (error as { name?: string }).name ?? 'Error';
    const message = (error as { message?: string }).message ?? '';
    // The spec names an ECS service that is not there (never deployed, deleted, draining): the operator's request
    // cannot succeed as it stands, so it is a conflict to answer, not a failure of Steward's.
    if (ECS_TARGET_MISSING.has(name)) {
      return { kind: 'not_restartable', reason: `ECS cannot restart service '${record.name}' (${name}: ${message})` };
    }
    return { kind: 'ecs_failed', name: record.name, error: `${name}: ${message}` };
  }
  const event = stewardEvent('service.restarted', {
    service_id: record.id,
    name: record.name,
    action: 'force_new_deployment',
    attempt: decision.state.attempt,
    by_group: false,
    detail,
    manual: true,
    by: request.by,
    ...(request.reason ? { reason: request.reason } : {}),
  });
  return { kind: 'restarted', name: record.name, attempt: decision.state.attempt, detail, event };
}

/**
 * Rolls health up: check → service → group → system. A service is as healthy as its worst check (a failing
 * liveness check is a failing service, as in Kubernetes); a group or the system is `degraded` when only some of
 * its members are unhealthy.
 */
import type { HealthStatus } from './health.ts';

/** A service's status from its checks' statuses. */
export function serviceStatus(checks: readonly HealthStatus[]): HealthStatus {
  if (checks.length === 0) return 'unknown';
  if (checks.includes('unhealthy')) return 'unhealthy';
  if (checks.includes('unknown')) return 'unknown';
  if (checks.includes('degraded')) return 'degraded';
  return 'healthy';
}

/** A group's (or the system's) status from its members' statuses. */
export function groupStatus(members: readonly HealthStatus[]): HealthStatus {
  const known = members.filter((m) => m !== 'unknown');
  if (known.length === 0) return 'unknown';
  if (known.every((m) => m === 'healthy')) return members.length === known.length ? 'healthy' : 'degraded';
  if (known.every((m) => m === 'unhealthy')) return 'unhealthy';
  return 'degraded';
}

/**
 * The `status` word of the 002 dashboard shape. A service that answers its probes but is crash looping (its tasks
 * keep stopping and being replaced) or that phi-accrual suspects is `degraded`, not `online`.
 */
export function dashboardStatus(
  status: HealthStatus,
  inMaintenance: boolean,
  signs: { crashLooping?: boolean; suspected?: boolean } = {},
): string {
  if (inMaintenance) return 'maintenance';
  if (status === 'healthy' && (signs.crashLooping || signs.suspected)) return 'degraded';
  return { healthy: 'online', unhealthy: 'offline', degraded: 'degraded', unknown: 'unknown' }[status];
}

/** A tree of groups and services, for the full rollup. */
export interface RollupInput {
  services: ReadonlyArray<{ name: string; group?: string; status: HealthStatus }>;
  groups: ReadonlyArray<{ name: string; parent?: string }>;
}

/** Rolls the statuses of services up through their groups to `root` (the system). */
export function rollupTree(input: RollupInput): Record<string, HealthStatus> {
  const children = new Map<string, string[]>();
  const add = (parent: string, child: string): void => {
    children.set(parent, [...(children.get(parent) ?? []), child]);
  };
  for (const g of input.groups) add(g.parent ?? 'root', `group:${g.name}`);
  for (const s of input.services) add(s.group ?? 'root', `service:${s.name}`);
  const own = new Map(input.services.map((s) => [`service:${s.name}`, s.status]));
  const out: Record<string, HealthStatus> = {};
  const visit = (group: string, seen: Set<string>): HealthStatus => {
    if (seen.has(group)) return 'unknown';
    seen.add(group);
    const statuses = (children.get(group) ?? []).map((c) =>
      c.startsWith('service:') ? (own.get(c) ?? 'unknown') : visit(c.slice('group:'.length), seen),
    );
    const status = groupStatus(statuses);
    out[group] = status;
    return status;
  };
  visit('root', new Set());
  for (const g of input.groups) if (!(g.name in out)) visit(g.name, new Set());
  return out;
}

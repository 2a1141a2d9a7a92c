/**
 * Defaults for every optional field of the services manifest, and the functions that resolve a spec's effective
 * settings. Chosen close to what operators already know (see docs/supervision.md for the comparison):
 * - probes: Kubernetes period 10 s / timeout 1 s / failure 3 / success 1; ECS 30 s / 5 s / 3. Steward: 10 s, 2 s,
 *   2 failures, 2 successes → a dead service is unhealthy within 2 rounds (≤ 30 s with one round of jitter).
 * - restarts: CrashLoopBackOff 10 s doubling to 300 s, reset after 10 min healthy; budget from seed 002
 *   ("max 10 restarts per 5 minutes").
 * - phi accrual: Akka's threshold 8, window 1,000, min std-dev 100 ms, acceptable pause 3 s.
 */
import type { GroupSpec, HealthCheckSpec, RestartPolicy, ServiceSpec } from './manifest.ts';

/** The documented defaults, as one object so docs and tests can quote it. */
export const SUPERVISION_DEFAULTS = {
  check: {
    interval_seconds: 10,
    timeout_ms: 2_000,
    http: { method: 'GET' as const, path: '/health' },
  },
  failure_threshold: 2,
  success_threshold: 2,
  phi_accrual: {
    threshold: 8,
    max_sample_size: 1_000,
    min_std_deviation_ms: 100,
    acceptable_heartbeat_pause_ms: 3_000,
  },
  restart_policy: {
    backoff: 'exponential' as const,
    base_delay_seconds: 10,
    max_delay_seconds: 300,
    max_restarts: 10,
    window_seconds: 300,
    reset_after_seconds: 600,
    grace_seconds: 30,
    action: 'force_new_deployment' as const,
    failed_recovery: 'healthy_period' as const,
  },
  group: { max_restarts: 3, window_seconds: 60 },
  alerts: { severity: 'critical' as const, escalate_after_seconds: 900, remind_every_seconds: 3_600 },
  /** Default DNS namespace for `base_url` when a service does not set one (Cloud Map private namespace). */
  namespace: 'steward.local',
  /** Database ports when a database check does not name one. */
  databasePorts: { postgres: 5432, mysql: 3306, redis: 6379 },
  /** Results are written at least this often even when nothing changes. */
  heartbeat_seconds: 300,
} as const;

/** A restart policy with every field resolved. */
export type EffectiveRestartPolicy = Required<RestartPolicy>;

/** Resolves a service's restart policy. */
export function effectiveRestartPolicy(policy: RestartPolicy | undefined): EffectiveRestartPolicy {
  return { ...SUPERVISION_DEFAULTS.restart_policy, ...stripUndefined(policy ?? {}) };
}

/** Thresholds for the consecutive-result state machine. */
export interface Thresholds {
  failure: number;
  success: number;
}

/** Resolves a service's thresholds. */
export function effectiveThresholds(spec: Pick<ServiceSpec, 'failure_threshold' | 'success_threshold'>): Thresholds {
  return {
    failure: spec.failure_threshold ?? SUPERVISION_DEFAULTS.failure_threshold,
    success: spec.success_threshold ?? SUPERVISION_DEFAULTS.success_threshold,
  };
}

/** Resolves the interval and timeout of a check. */
export function effectiveTiming(check: HealthCheckSpec): { intervalSeconds: number; timeoutMs: number } {
  return {
    intervalSeconds: check.interval_seconds ?? SUPERVISION_DEFAULTS.check.interval_seconds,
    timeoutMs: check.timeout_ms ?? SUPERVISION_DEFAULTS.check.timeout_ms,
  };
}

/** Resolves a group's intensity. */
export function effectiveGroup(group: GroupSpec): Required<Omit<GroupSpec, 'parent'>> & { parent: string } {
  return {
    name: group.name,
    strategy: group.strategy,
    max_restarts: group.max_restarts ?? SUPERVISION_DEFAULTS.group.max_restarts,
    window_seconds: group.window_seconds ?? SUPERVISION_DEFAULTS.group.window_seconds,
    parent: group.parent ?? 'root',
  };
}

/** The base URL probes use: the spec's, else the Cloud Map name `http://<name>.<namespace>:<port>`. */
export function effectiveBaseUrl(spec: Pick<ServiceSpec, 'name' | 'base_url' | 'port'>, namespace?: string): string {
  if (spec.base_url) return spec.base_url.replace(/\/+$/, '');
  const ns = namespace ?? SUPERVISION_DEFAULTS.namespace;
  return `http://${spec.name}.${ns}${spec.port ? `:${spec.port}` : ''}`;
}

/** The checks a service gets when it declares none: an HTTP GET of /health when it has a port or URL. */
export function effectiveChecks(spec: ServiceSpec): HealthCheckSpec[] {
  if (spec.health_checks && spec.health_checks.length > 0) return spec.health_checks;
  if (spec.base_url || spec.port) return [{ name: 'http', type: 'http', path: SUPERVISION_DEFAULTS.check.http.path }];
  if (spec.ecs) return [{ name: 'ecs', type: 'ecs' }];
  return [];
}

/**
 * The ECS service behind a registry entry: `ecs` when set (discovery, or by hand); otherwise, for a service the
 * deployment runs (it has an image or a command), the service of the same name in the deployment's first cluster,
 * which is how the services stack and local mode name them. Undefined when the service is not on ECS.
 */
export function effectiveEcsTarget(
  spec: Pick<ServiceSpec, 'name' | 'ecs' | 'image' | 'command'>,
  clusters: readonly string[],
): { cluster: string; service_name: string } | undefined {
  if (spec.ecs) return spec.ecs;
  const cluster = clusters[0];
  if (cluster === undefined || (spec.image === undefined && spec.command === undefined)) return undefined;
  return { cluster, service_name: spec.name };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

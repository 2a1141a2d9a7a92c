/** Response shapes of the service routes, built from registry records (pure mapping, no I/O). */
import { crashesInWindow } from '../../lib/core/supervision/crash-loop.ts';
import { effectiveChecks, effectiveRestartPolicy, SUPERVISION_DEFAULTS } from '../../lib/core/supervision/defaults.ts';
import { activeMaintenance } from '../../lib/core/supervision/maintenance.ts';
import type { CrashRecord, RestartState } from '../../lib/core/supervision/restart-budget.ts';
import { dashboardStatus } from '../../lib/core/supervision/rollup.ts';
import type { CheckRecord } from '../shared/repositories/health.ts';
import type { ServiceRecord } from '../shared/repositories/services.ts';

const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());

/** The maintenance state of a service at `now`: a manual lifecycle move or an active window. */
export function maintenanceOf(
  record: ServiceRecord,
  now: number,
): { active: boolean; window?: { name?: string; starts_at: string; ends_at: string } } {
  const w = activeMaintenance(record.spec.maintenance_windows, now);
  if (w) {
    return {
      active: true,
      window: { name: w.name, starts_at: new Date(w.start).toISOString(), ends_at: new Date(w.end).toISOString() },
    };
  }
  return { active: record.status === 'maintenance' };
}

/** A service as the API shows it. */
export function serviceView(record: ServiceRecord, now = Date.now()): Record<string, unknown> {
  return {
    ...record.spec,
    id: record.id,
    name: record.name,
    lifecycle: record.status,
    health: record.health,
    health_changed_at: record.health_changed_at,
    maintenance: maintenanceOf(record, now),
    source: record.source,
    user_fields: record.user_fields,
    created_at: record.created_at,
    updated_at: record.updated_at,
    retired_at: record.retired_at,
    version: record.version,
  };
}

/** A crash (unexpected task stop) as the API shows it. */
function crashView(c: CrashRecord | undefined): Record<string, unknown> | null {
  if (!c) return null;
  return {
    at: iso(c.at),
    task_arn: c.task,
    cause: c.cause,
    stop_code: c.stop_code ?? null,
    reason: c.reason ?? null,
    exit_code: c.exit_code ?? null,
  };
}

/** Restarts and crashes of a service in its budget's window, as `/services/status` and `/health` show them. */
export function restartsView(record: ServiceRecord, state: RestartState, now: number): Record<string, unknown> {
  const policy = effectiveRestartPolicy(record.spec.restart_policy);
  const windowStart = now - policy.window_seconds * 1_000;
  return {
    in_window: state.restarts.filter((t) => t > windowStart).length,
    crashes_in_window: crashesInWindow(state, policy, now).length,
    max_restarts: policy.max_restarts,
    window_seconds: policy.window_seconds,
    last_restart_at: iso(state.last_restart_at),
    last_crash: crashView(state.last_crash),
    budget_exhausted: state.failed,
    failed_reason: state.failed ? (state.failed_reason ?? 'restart_budget') : null,
    crash_looping: state.failed && state.failed_reason === 'crash_loop',
  };
}

/**
 * Phi-accrual of a service with `phi_accrual` set: each check's phi as the prober last evaluated it and whether it
 * is suspected (phi ≥ threshold: the check is unhealthy whatever its count). Undefined without phi-accrual.
 */
export function phiView(
  record: ServiceRecord,
  checks: readonly CheckRecord[],
): { threshold: number; value: number | null; suspected: boolean; checks: Record<string, unknown>[] } | undefined {
  if (!record.spec.phi_accrual) return undefined;
  const threshold = record.spec.phi_accrual.threshold ?? SUPERVISION_DEFAULTS.phi_accrual.threshold;
  const evaluated = checks.filter((c) => c.phi_value !== undefined);
  const perCheck = evaluated.map((c) => ({
    check: c.check,
    value: c.phi_value ?? null,
    suspected: c.suspected === true,
    evaluated_at: iso(c.phi_at),
  }));
  const values = evaluated.map((c) => c.phi_value ?? 0);
  return {
    threshold,
    value: values.length > 0 ? Math.max(...values) : null,
    suspected: perCheck.some((c) => c.suspected),
    checks: perCheck,
  };
}

/** One entry of `/services/status` in the shape of seed 002. */
export function statusView(
  record: ServiceRecord,
  restarts: RestartState | undefined,
  now = Date.now(),
  checks: readonly CheckRecord[] = [],
): Record<string, unknown> {
  const maintenance = maintenanceOf(record, now);
  const budget = restarts && restartsView(record, restarts, now);
  const phi = phiView(record, checks);
  return {
    id: record.id,
    name: record.name,
    description: record.spec.description,
    status:
      record.status === 'retired'
        ? 'retired'
        : dashboardStatus(record.health, maintenance.active, {
            crashLooping: budget?.crash_looping === true,
            suspected: phi?.suspected === true,
          }),
    statusCode: record.last_status_code ?? null,
    timestamp: record.health_changed_at ?? record.updated_at,
    lifecycle: record.status,
    health: record.health,
    maintenance,
    restarts: budget,
    ...(phi ? { phi: { value: phi.value, threshold: phi.threshold, suspected: phi.suspected } } : {}),
    group: record.spec.group ?? 'root',
    depends_on: record.spec.depends_on ?? [],
    // Each configured check with its latest result; a check never probed yet is listed as unknown.
    checks: effectiveChecks(record.spec).map((c) => {
      const r = checks.find((x) => x.check === c.name);
      return {
        name: c.name,
        type: c.type,
        status: r?.status ?? 'unknown',
        changed_at: iso(r?.changed_at),
        last_checked_at: r?.last_checked_at ?? null,
        ok: r?.last_result?.ok ?? null,
        latency_ms: r?.last_result?.latency_ms ?? null,
        status_code: r?.last_result?.status_code ?? null,
        message: r?.last_result?.message ?? null,
      };
    }),
  };
}

/** The answer of `POST /services/{service_id}/restart`: what was done and the budget left. */
export function restartView(
  record: ServiceRecord,
  state: RestartState,
  outcome: { attempt: number; detail: string },
  reason: string | undefined,
  now: number,
): Record<string, unknown> {
  const restarts = restartsView(record, state, now);
  return {
    service_id: record.id,
    name: record.name,
    restarted: true,
    restarted_at: new Date(now).toISOString(),
    action: 'force_new_deployment',
    detail: outcome.detail,
    attempt: outcome.attempt,
    reason: reason ?? null,
    budget_left: Math.max(
      0,
      Number(restarts.max_restarts) - Number(restarts.in_window) - Number(restarts.crashes_in_window),
    ),
    restarts,
  };
}

/** Response shapes of the service routes, built from registry records (pure mapping, no I/O). */
import { activeMaintenance } from '../../lib/core/supervision/maintenance.ts';
import type { RestartState } from '../../lib/core/supervision/restart-budget.ts';
import { dashboardStatus } from '../../lib/core/supervision/rollup.ts';
import type { ServiceRecord } from '../shared/repositories/services.ts';

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

/** One entry of `/services/status` in the shape of seed 002. */
export function statusView(
  record: ServiceRecord,
  restarts: RestartState | undefined,
  now = Date.now(),
): Record<string, unknown> {
  const maintenance = maintenanceOf(record, now);
  return {
    id: record.id,
    name: record.name,
    description: record.spec.description,
    status: record.status === 'retired' ? 'retired' : dashboardStatus(record.health, maintenance.active),
    statusCode: record.last_status_code ?? null,
    timestamp: record.health_changed_at ?? record.updated_at,
    lifecycle: record.status,
    health: record.health,
    maintenance,
    restarts: restarts && {
      in_window: restarts.restarts.length,
      last_restart_at: restarts.last_restart_at === undefined ? null : new Date(restarts.last_restart_at).toISOString(),
      budget_exhausted: restarts.failed,
    },
  };
}

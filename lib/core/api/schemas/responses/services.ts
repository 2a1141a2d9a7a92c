/** Response schemas of the service registry, status, restart and alert routes. */
import * as z from 'zod';
import { LIFECYCLE_STATES } from '../../../supervision/lifecycle.ts';
import { nextToken, openObject, timestamp } from './common.ts';

const health = z.enum(['unknown', 'healthy', 'degraded', 'unhealthy']);
const failedReason = z.enum(['restart_budget', 'crash_loop', 'group']);

/** A manual maintenance move or the active maintenance window. */
export const maintenanceView = z.object({
  active: z.boolean(),
  window: z.object({ name: z.string().optional(), starts_at: timestamp, ends_at: timestamp }).optional(),
});

/**
 * A registered service: its spec (the manifest's service fields, spread at the top level, so open) plus the
 * registry's lifecycle, health, source and version.
 */
export const serviceView = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  lifecycle: z.enum(LIFECYCLE_STATES),
  health,
  health_changed_at: timestamp.optional(),
  maintenance: maintenanceView,
  source: z.enum(['deployment', 'discovery', 'api']),
  user_fields: z.array(z.string()).optional(),
  created_at: timestamp,
  updated_at: timestamp,
  retired_at: timestamp.optional(),
  version: z.number().int(),
});
export type ServiceView = z.infer<typeof serviceView>;

/** An unexpected task stop as the API shows it. */
export const crashView = z.object({
  at: timestamp.nullable(),
  task_arn: z.string(),
  cause: z.string(),
  stop_code: z.string().nullable(),
  reason: z.string().nullable(),
  exit_code: z.number().nullable(),
});

/** Restarts and crashes in the budget's window. */
export const restartsView = z.object({
  in_window: z.number().int().min(0),
  crashes_in_window: z.number().int().min(0),
  max_restarts: z.number().int(),
  window_seconds: z.number(),
  last_restart_at: timestamp.nullable(),
  last_crash: crashView.nullable(),
  budget_exhausted: z.boolean(),
  failed_reason: failedReason.nullable(),
  crash_looping: z.boolean(),
});
export type RestartsView = z.infer<typeof restartsView>;

/** The stored restart state (`GET /services/{service_id}`'s `restarts`). */
export const restartState = z.looseObject({
  restarts: z.array(z.number()),
  attempt: z.number().int(),
  failed: z.boolean(),
  last_restart_at: z.number().optional(),
  grace_until: z.number().optional(),
  failed_at: z.number().optional(),
  failed_reason: failedReason.optional(),
});

/** `GET /services/{service_id}`. */
export const serviceDetailResponse = serviceView.extend({ restarts: restartState });
export type ServiceDetailResponse = z.infer<typeof serviceDetailResponse>;

/** `GET /services`. */
export const servicePage = z.object({ services: z.array(serviceView), next_token: nextToken });
export type ServicePage = z.infer<typeof servicePage>;

/** Phi-accrual of a service, rolled up. */
export const phiSummary = z.object({ value: z.number().nullable(), threshold: z.number(), suspected: z.boolean() });

/** A configured check with its latest result, as `/services/status` lists it (nulls before the first probe). */
export const statusCheckView = z.object({
  name: z.string(),
  type: z.string(),
  status: health,
  changed_at: timestamp.nullable(),
  last_checked_at: timestamp.nullable(),
  ok: z.boolean().nullable(),
  latency_ms: z.number().nullable(),
  status_code: z.number().nullable(),
  message: z.string().nullable(),
});
export type StatusCheckView = z.infer<typeof statusCheckView>;

/** A group of the supervision tree. */
export const groupView = z.object({
  name: z.string(),
  strategy: z.enum(['one_for_one', 'one_for_all', 'rest_for_one']),
  parent: z.string(),
  max_restarts: z.number().int().nullable(),
  window_seconds: z.number().nullable(),
});
export type GroupView = z.infer<typeof groupView>;

/** One entry of `/services/status` (seed 002's shape plus lifecycle, maintenance, restarts and phi). */
export const serviceStatusView = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
  status: z.enum(['online', 'offline', 'degraded', 'unknown', 'maintenance', 'retired']),
  statusCode: z.number().nullable(),
  timestamp,
  lifecycle: z.enum(LIFECYCLE_STATES),
  health,
  maintenance: maintenanceView,
  restarts: restartsView.optional(),
  phi: phiSummary.optional(),
  /** Its supervision group (`root` when none). */
  group: z.string().optional(),
  depends_on: z.array(z.string()).optional(),
  /** Every configured check with its latest result. */
  checks: z.array(statusCheckView).optional(),
});
export type ServiceStatusView = z.infer<typeof serviceStatusView>;

/** `GET /services/status`. */
export const serviceStatusPage = z.object({
  services: z.array(serviceStatusView),
  /** The groups of the supervision tree. */
  groups: z.array(groupView).optional(),
  timestamp,
  next_token: nextToken,
});
export type ServiceStatusPage = z.infer<typeof serviceStatusPage>;

/** The latest result of one check. */
export const checkView = z.object({
  name: z.string(),
  status: health,
  consecutive_failures: z.number().int(),
  consecutive_successes: z.number().int(),
  changed_at: timestamp,
  last_checked_at: timestamp.optional(),
  /** The probe's result (ok, latency, status code, error …). */
  last_result: openObject.optional(),
  phi: z.number().nullable().optional(),
  suspected: z.boolean().optional(),
});

/** `GET /services/{service_id}/health`. */
export const serviceHealthResponse = z.object({
  service_id: z.string().min(1),
  name: z.string(),
  status: health,
  recorded_status: health,
  maintenance: maintenanceView,
  lifecycle: z.enum(LIFECYCLE_STATES),
  checks: z.array(checkView),
  phi: phiSummary
    .extend({
      checks: z.array(
        z.object({
          check: z.string(),
          value: z.number().nullable(),
          suspected: z.boolean(),
          evaluated_at: timestamp.nullable(),
        }),
      ),
    })
    .optional(),
  /** The stored restart state and the window's view of it. */
  restarts: restartState.extend(restartsView.shape),
  /** Recent recorded probe results, newest first. */
  history: z.array(openObject),
});
export type ServiceHealthResponse = z.infer<typeof serviceHealthResponse>;

/** One recorded check result of the health history. */
export const recordedResultView = z.object({
  at: timestamp,
  check: z.string(),
  /** The check's status after this result. */
  status: health,
  ok: z.boolean(),
  latency_ms: z.number().nullable(),
  status_code: z.number().nullable(),
  message: z.string().nullable(),
});
export type RecordedResultView = z.infer<typeof recordedResultView>;

/** `GET /services/{service_id}/history`. */
export const serviceHistoryPage = z.object({
  service_id: z.string().min(1),
  results: z.array(recordedResultView),
  count: z.number().int().min(0),
  next_token: nextToken,
});
export type ServiceHistoryPage = z.infer<typeof serviceHistoryPage>;

/** Uptime and latency over one window. */
export const uptimeWindowView = z.object({
  window: z.enum(['24h', '7d']),
  from: timestamp,
  to: timestamp,
  /** Up time over observed time (0..1); null when nothing was recorded. */
  uptime: z.number().min(0).max(1).nullable(),
  observed_seconds: z.number().min(0),
  up_seconds: z.number().min(0),
  results: z.number().int().min(0),
  latency_ms: z.object({ avg: z.number(), p95: z.number(), max: z.number() }).nullable(),
});

/** `GET /services/{service_id}/uptime`. */
export const serviceUptimeResponse = z.object({
  service_id: z.string().min(1),
  computed_at: timestamp,
  /** A recorded status counts for at most this long without a newer record (seconds). */
  max_gap_seconds: z.number(),
  windows: z.array(uptimeWindowView),
});
export type ServiceUptimeResponse = z.infer<typeof serviceUptimeResponse>;

/** `POST /services/{service_id}/restart`: what was done and the budget left. */
export const restartServiceResponse = z.object({
  service_id: z.string().min(1),
  name: z.string(),
  restarted: z.literal(true),
  restarted_at: timestamp,
  action: z.literal('force_new_deployment'),
  detail: z.string(),
  attempt: z.number().int().min(1),
  reason: z.string().nullable(),
  budget_left: z.number().int().min(0),
  restarts: restartsView,
});
export type RestartServiceResponse = z.infer<typeof restartServiceResponse>;

/** An alert occurrence (times as ISO strings). */
export const alertView = z.object({
  alert_id: z.string().min(1),
  key: z.string(),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  severity: z.enum(['critical', 'warning', 'info']),
  summary: z.string(),
  source: z.string(),
  service_id: z.string().optional(),
  opened_at: timestamp,
  updated_at: timestamp,
  count: z.number().int(),
  last_notified_at: timestamp.optional(),
  escalated_at: timestamp.optional(),
  acknowledged_at: timestamp.optional(),
  acknowledged_by: z.string().optional(),
  resolved_at: timestamp.optional(),
  muted: z.boolean(),
  version: z.number().int(),
});
export type AlertView = z.infer<typeof alertView>;

/** `GET /alerts`. */
export const alertPage = z.object({ alerts: z.array(alertView), next_token: nextToken });
export type AlertPage = z.infer<typeof alertPage>;

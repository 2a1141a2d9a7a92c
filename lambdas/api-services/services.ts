/** Operations on the service registry: register, list, get, update, retire, health, status. */

import { ENV } from '../../lib/core/env.ts';
import { serviceOutboundProblems } from '../../lib/core/outbound-spec.ts';
import { apiAuthProblems, type ServiceAuth } from '../../lib/core/supervision/auth.ts';
import { effectiveChecks } from '../../lib/core/supervision/defaults.ts';
import { mergeServiceSpec } from '../../lib/core/supervision/discovery.ts';
import { canTransition } from '../../lib/core/supervision/lifecycle.ts';
import { parseServiceSpec, type ServiceSpec } from '../../lib/core/supervision/manifest.ts';
import { resetRestartState } from '../../lib/core/supervision/restart-budget.ts';
import { serviceStatus } from '../../lib/core/supervision/rollup.ts';
import { restartNow } from '../restarter/supervise.ts';
import { listEnv } from '../shared/config.ts';
import { ConflictError, HttpError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.ts';
import { publish, stewardEvent } from '../shared/events.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { currentOutboundPolicy } from '../shared/outbound.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import { checkRecordsOf, getCheckRecords, recentResults, servicePartition } from '../shared/repositories/health.ts';
import {
  getRestartState,
  getRestartStates,
  resetRestartBudget,
  restartStateOf,
  saveRestartState,
} from '../shared/repositories/restarts.ts';
import {
  getService,
  listGroups,
  listServices,
  putIfVersion,
  registerManagedService,
  ServiceExistsError,
  type ServiceRecord,
  StaleServiceError,
} from '../shared/repositories/services.ts';
import { phiView, restartsView, restartView, serviceView, statusView } from './views.ts';

/**
 * The outbound policy at registration: every destination the spec names, and its custom checks against the
 * deployment's custom-check functions. The same rules run again at call time, after DNS resolution.
 */
function assertOutbound(spec: ServiceSpec): void {
  const problems = serviceOutboundProblems(currentOutboundPolicy(), spec, listEnv(ENV.customCheckFunctions));
  if (problems.length > 0) throw new ValidationError(problems.map(({ field, message }) => ({ field, message })));
}

/** A secret the step runner is not granted would fail every call: refuse it at registration, naming the field. */
function refuseUngrantedSecret(auth: ServiceAuth | undefined): void {
  const problems = apiAuthProblems(auth);
  if (problems.length > 0)
    throw new ValidationError(problems.map((p) => ({ field: `body.${p.field}`, message: p.message })));
}

async function load(id: string): Promise<ServiceRecord> {
  const record = await getService(id);
  if (!record) throw new NotFoundError('Service', id);
  return record;
}

export async function registerService(req: ApiRequest): Promise<ApiResult> {
  const spec = req.body as ServiceSpec;
  const checked = parseServiceSpec(spec);
  if (!checked.ok)
    throw new ValidationError(checked.problems.map((p) => ({ field: `body.${p.path}`, message: p.message })));
  assertOutbound(checked.spec);
  refuseUngrantedSecret(checked.spec.auth);
  try {
    const { record, revived } = await registerManagedService(checked.spec, 'api');
    if (revived) await resetRestartBudget(record.id);
    await recordAudit(req.caller, 'service.register', `service/${record.id}`, { name: record.name });
    await publish([stewardEvent('service.registered', { service_id: record.id, name: record.name, source: 'api' })]);
    return { body: serviceView(record), headers: { location: `/services/${record.id}` } };
  } catch (error) {
    if (error instanceof ServiceExistsError) throw new ConflictError(error.message, { service_id: error.existing.id });
    throw error;
  }
}

export async function listServicesOp(req: ApiRequest): Promise<ApiResult> {
  const page = await listServices({
    limit: parseLimit(req.query.limit),
    status: req.query.status as ServiceRecord['status'] | undefined,
    startKey: decodeNextToken(req.query.next_token),
  });
  return { body: { services: page.items.map((s) => serviceView(s)), next_token: encodeNextToken(page.lastKey) } };
}

export async function listServiceStatus(req: ApiRequest): Promise<ApiResult> {
  const page = await listServices({
    limit: parseLimit(req.query.limit, 100),
    status: req.query.status as ServiceRecord['status'] | undefined,
    startKey: decodeNextToken(req.query.next_token),
  });
  const now = Date.now();
  const [restarts, checks, groups] = await Promise.all([
    getRestartStates(page.items.map((s) => s.id)),
    // Each check's latest result (and phi) lives on its check record: one BatchGetItem per 100 checks.
    getCheckRecords(
      page.items.flatMap((s) => effectiveChecks(s.spec).map((c) => ({ serviceId: s.id, check: c.name }))),
    ),
    listGroups(),
  ]);
  return {
    body: {
      services: page.items.map((s) => statusView(s, restarts.get(s.id), now, checks.get(s.id))),
      // The supervision tree's groups (the implicit `root` is the top and is not stored).
      groups: groups.map((g) => ({
        name: g.name,
        strategy: g.strategy,
        parent: g.parent ?? 'root',
        max_restarts: g.max_restarts ?? null,
        window_seconds: g.window_seconds ?? null,
      })),
      timestamp: new Date(now).toISOString(),
      next_token: encodeNextToken(page.lastKey),
    },
  };
}

export async function getServiceOp(req: ApiRequest): Promise<ApiResult> {
  const record = await load(req.params.service_id!);
  const restarts = await getRestartState(record.id);
  return { body: { ...serviceView(record), restarts: restarts.state } };
}

export async function updateService(req: ApiRequest): Promise<ApiResult> {
  const { lifecycle, reset_restarts, ...fields } = req.body as Partial<ServiceSpec> & {
    lifecycle?: ServiceRecord['status'];
    reset_restarts?: true;
  };
  const record = await load(req.params.service_id!);
  if (fields.name !== undefined && fields.name !== record.name) {
    throw new UnprocessableError('A service cannot be renamed: register the new name and retire this one', {
      field: 'body.name',
    });
  }
  if (record.status === 'retired') throw new ConflictError('The service is retired: register it again to change it');
  const merged = mergeServiceSpec(record, { ...fields, name: record.name }, 'api');
  const checked = parseServiceSpec(merged.spec);
  if (!checked.ok)
    throw new ValidationError(checked.problems.map((p) => ({ field: `body.${p.path}`, message: p.message })));
  assertOutbound(checked.spec);
  if (fields.auth !== undefined) refuseUngrantedSecret(checked.spec.auth);
  if (lifecycle && !canTransition(record.status, lifecycle)) {
    throw new ConflictError(`Cannot move a service from ${record.status} to ${lifecycle}`, {
      lifecycle: record.status,
    });
  }
  const next: ServiceRecord = {
    ...record,
    spec: merged.spec,
    user_fields: merged.user_fields,
    status: lifecycle ?? record.status,
    updated_at: new Date().toISOString(),
    version: record.version + 1,
  };
  try {
    await putIfVersion(next, record.version);
  } catch (error) {
    if (error instanceof StaleServiceError)
      throw new ConflictError('The service changed meanwhile: read it again and retry');
    throw error;
  }
  if (reset_restarts) {
    const current = await getRestartState(record.id);
    if (!(await saveRestartState(record.id, resetRestartState(current.state), current.version))) {
      throw new ConflictError('The restart budget changed meanwhile: retry the reset');
    }
    if (current.state.failed) {
      await publish([
        stewardEvent('service.restart_budget_reset', {
          service_id: record.id,
          name: record.name,
          reason: 'manual',
          was: current.state.failed_reason ?? 'restart_budget',
          by: req.caller,
        }),
      ]);
    }
  }
  await recordAudit(req.caller, 'service.update', `service/${record.id}`, {
    fields: Object.keys(fields),
    ...(lifecycle ? { lifecycle } : {}),
    ...(reset_restarts ? { reset_restarts } : {}),
  });
  if (lifecycle && lifecycle !== record.status && (lifecycle === 'maintenance' || record.status === 'maintenance')) {
    const type = lifecycle === 'maintenance' ? 'service.maintenance_started' : 'service.maintenance_ended';
    await publish([stewardEvent(type, { service_id: record.id, name: record.name, by: req.caller })]);
  }
  return { body: serviceView(next) };
}

export async function deregisterService(req: ApiRequest): Promise<ApiResult> {
  const record = await load(req.params.service_id!);
  if (record.status === 'retired') return { body: serviceView(record) };
  const now = new Date().toISOString();
  const next: ServiceRecord = {
    ...record,
    status: 'retired',
    retired_at: now,
    updated_at: now,
    version: record.version + 1,
  };
  try {
    await putIfVersion(next, record.version);
  } catch (error) {
    if (error instanceof StaleServiceError) throw new ConflictError('The service changed meanwhile: retry');
    throw error;
  }
  await recordAudit(req.caller, 'service.retire', `service/${record.id}`, { name: record.name });
  await publish([stewardEvent('service.retired', { service_id: record.id, name: record.name, by: req.caller })]);
  return { body: serviceView(next) };
}

export async function getServiceHealth(req: ApiRequest): Promise<ApiResult> {
  const id = req.params.service_id!;
  const items = await servicePartition(id);
  const meta = items.find((i) => i.sk === 'META');
  if (!meta) throw new NotFoundError('Service', id);
  const record = (await getService(id))!;
  const checks = checkRecordsOf(items);
  const historyLimit = req.query.history === undefined ? 20 : Math.min(Number(req.query.history), 100);
  const now = Date.now();
  const view = serviceView(record, now);
  const restarts = restartStateOf(items.find((i) => i.sk === 'RESTARTS')).state;
  const phi = phiView(record, checks);
  return {
    body: {
      service_id: id,
      name: record.name,
      // Checks never probed yet count as unknown, so a new check does not hide behind old healthy ones.
      status: serviceStatus(
        effectiveChecks(record.spec).map((c) => checks.find((x) => x.check === c.name)?.status ?? 'unknown'),
      ),
      recorded_status: record.health,
      maintenance: view.maintenance,
      lifecycle: record.status,
      checks: checks.map((c) => ({
        name: c.check,
        status: c.status,
        consecutive_failures: c.consecutive_failures,
        consecutive_successes: c.consecutive_successes,
        changed_at: new Date(c.changed_at).toISOString(),
        last_checked_at: c.last_checked_at,
        last_result: c.last_result,
        ...(phi ? { phi: c.phi_value ?? null, suspected: c.suspected === true } : {}),
      })),
      ...(phi ? { phi } : {}),
      restarts: { ...restarts, ...restartsView(record, restarts, now) },
      history: historyLimit > 0 ? await recentResults(id, historyLimit) : [],
    },
  };
}

/**
 * `POST /services/{service_id}/restart`: restarts a managed ECS service now, through the restarter's own claim on
 * the restart budget. A spent budget answers 429 with the budget and when it refills (or, for a service held
 * `failed`, how to reset it); retired and unmanaged services answer 409.
 */
export async function restartService(req: ApiRequest): Promise<ApiResult> {
  const id = req.params.service_id!;
  const reason = (req.body as { reason?: string } | undefined)?.reason;
  const now = Date.now();
  const outcome = await restartNow(id, { reason, by: req.caller }, now);
  switch (outcome.kind) {
    case 'not_found':
      throw new NotFoundError('Service', id);
    case 'not_restartable':
      throw new ConflictError(`${outcome.reason}: it cannot be restarted`, { service_id: id });
    case 'lost_race':
      throw new ConflictError('Another restart of this service was just claimed; read its status and try again', {
        service_id: id,
      });
    case 'ecs_failed':
      // The request was sound and nothing was spent; the service behind the API failed it (as a failed start does).
      throw new HttpError(502, `ECS did not restart '${outcome.name}': ${outcome.error}`, 'restart_failed', {
        service_id: id,
      });
    case 'spent': {
      const budget = {
        used: outcome.used,
        max_restarts: outcome.max_restarts,
        window_seconds: outcome.window_seconds,
        refills_at: outcome.refills_at === undefined ? null : new Date(outcome.refills_at).toISOString(),
        failed_reason: outcome.failed_reason ?? null,
      };
      const message =
        outcome.refills_at === undefined
          ? `Restart budget of '${outcome.name}' is spent (${outcome.failed_reason}): the service is held until its ` +
            'budget is reset (PUT /services/{service_id} with {"reset_restarts": true})'
          : `Restart budget of '${outcome.name}' is spent: ${outcome.used} of ${outcome.max_restarts} restarts in ` +
            `${outcome.window_seconds} s; it refills at ${budget.refills_at}`;
      const headers =
        outcome.refills_at === undefined
          ? undefined
          : { 'retry-after': String(Math.max(1, Math.ceil((outcome.refills_at - now) / 1_000))) };
      throw new HttpError(429, message, 'restart_budget_spent', { service_id: id, budget }, undefined, headers);
    }
    case 'restarted': {
      await recordAudit(req.caller, 'service.restart', `service/${id}`, {
        name: outcome.name,
        ...(reason ? { reason } : {}),
      });
      await publish([outcome.event]);
      const record = await load(id);
      const { state } = await getRestartState(id);
      return { body: restartView(record, state, outcome, reason, now) };
    }
  }
}

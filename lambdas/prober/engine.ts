/**
 * The probing engine of one shard: loads its services once, then runs rounds. Each round probes the checks that
 * are due (all concurrently, bounded), applies thresholds and phi-accrual, and writes only what changed (plus a
 * heartbeat), publishes `service.health_changed`, asks the restarter to act on unhealthy services, and resets
 * restart backoff after a healthy period.
 */
import { createHash } from 'node:crypto';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import {
  effectiveChecks,
  effectiveRestartPolicy,
  effectiveThresholds,
  effectiveTiming,
  SUPERVISION_DEFAULTS,
} from '../../lib/core/supervision/defaults.ts';
import { applyResult, initialCheckState } from '../../lib/core/supervision/health.ts';
import { lifecycleAfterHealth, PROBED_STATES } from '../../lib/core/supervision/lifecycle.ts';
import { activeMaintenance } from '../../lib/core/supervision/maintenance.ts';
import type { HealthCheckSpec } from '../../lib/core/supervision/manifest.ts';
import { initialPhiState, type PhiSettings, phi, phiHeartbeat } from '../../lib/core/supervision/phi.ts';
import { observeHealth } from '../../lib/core/supervision/restart-budget.ts';
import { serviceStatus } from '../../lib/core/supervision/rollup.ts';
import { stewardEvent } from '../shared/events.ts';
import { type ProbeResult, runBounded, runCheck } from '../shared/probes/index.ts';
import {
  type CheckRecord,
  checkRecordsOf,
  recordResult,
  saveCheck,
  servicePartition,
} from '../shared/repositories/health.ts';
import {
  getRestartState,
  restartStateOf,
  saveRestartState,
  type VersionedRestartState,
} from '../shared/repositories/restarts.ts';
import { allServices, type ServiceRecord, setServiceHealth } from '../shared/repositories/services.ts';

/** Side effects the engine needs beyond the repositories (injected so tests can observe them). */
export interface ProberEffects {
  publish(events: StewardEvent[]): Promise<void>;
  requestRestart(request: { service_id: string; reason: string; bad_tasks?: string[] }): Promise<void>;
  metric(service: string, check: string, result: ProbeResult): void;
}

/** A service the engine watches, with its in-memory state. */
interface Tracked {
  record: ServiceRecord;
  checks: Map<string, CheckRecord>;
  restart: VersionedRestartState;
  lastRestartRequest?: number;
  /** A restart was requested: re-read the restart state (grace, failed) before the next round. */
  reloadRestart?: boolean;
  /** Checks whose phi state came from storage and has had no heartbeat in this invocation yet. */
  phiResumed?: Set<string>;
}

/** Which shard a service belongs to: a stable hash of its id. */
export function shardOf(serviceId: string, shards: number): number {
  return createHash('sha1').update(serviceId).digest().readUInt32BE(0) % shards;
}

/** Summary of a round. */
export interface RoundSummary {
  probes: number;
  failures: number;
  writes: number;
  changes: number;
  restartRequests: number;
}

export class ProbeEngine {
  private tracked: Tracked[] = [];

  constructor(
    private readonly effects: ProberEffects,
    private readonly options: { concurrency: number; roundSeconds: number },
  ) {}

  /** Loads the services of a shard with their check and restart state (one Query per service). */
  async load(shard: number, shards: number): Promise<number> {
    const services = (await allServices(PROBED_STATES)).filter((s) => shardOf(s.id, shards) === shard);
    this.tracked = await runBounded(services, 32, async (record) => {
      const items = await servicePartition(record.id);
      const checks = new Map(checkRecordsOf(items).map((c) => [c.check, c]));
      const phiResumed = new Set([...checks.values()].filter((c) => c.phi?.last !== undefined).map((c) => c.check));
      return { record, checks, restart: restartStateOf(items.find((i) => i.sk === 'RESTARTS')), phiResumed };
    });
    return this.tracked.length;
  }

  /** Runs round number `round` at time `now`. */
  async round(round: number, now: number): Promise<RoundSummary> {
    const summary: RoundSummary = { probes: 0, failures: 0, writes: 0, changes: 0, restartRequests: 0 };
    await runBounded(
      this.tracked.filter((t) => t.reloadRestart),
      32,
      async (t) => {
        t.restart = await getRestartState(t.record.id);
        t.reloadRestart = false;
      },
    );
    const due: Array<{ t: Tracked; check: HealthCheckSpec }> = [];
    for (const t of this.tracked) {
      for (const check of effectiveChecks(t.record.spec)) {
        const every = Math.max(1, Math.ceil(effectiveTiming(check).intervalSeconds / this.options.roundSeconds));
        if (round % every === 0) due.push({ t, check });
      }
    }
    const results = await runBounded(due, this.options.concurrency, ({ t, check }) => runCheck(t.record.spec, check));
    summary.probes = results.length;
    const events: StewardEvent[] = [];
    const touched = new Set<Tracked>();
    await runBounded(due, 32, async ({ t, check }, i) => {
      const result = results[i]!;
      if (!result.ok) summary.failures++;
      this.effects.metric(t.record.name, check.name, result);
      if (await this.applyCheck(t, check, result, now)) summary.writes++;
      touched.add(t);
    });
    await runBounded([...touched], 32, async (t) => {
      const change = await this.rollUp(t, now);
      if (change) {
        summary.changes++;
        events.push(change);
      }
      if (await this.supervise(t, now, events)) summary.restartRequests++;
    });
    if (events.length > 0) await this.effects.publish(events);
    return summary;
  }

  private async applyCheck(t: Tracked, check: HealthCheckSpec, result: ProbeResult, now: number): Promise<boolean> {
    const spec = t.record.spec;
    const previous = t.checks.get(check.name);
    const version = previous?.version ?? 0;
    const base = previous ?? {
      ...initialCheckState(now),
      service_id: t.record.id,
      check: check.name,
      written_at: 0,
      version: 0,
    };
    const policy = effectiveRestartPolicy(spec.restart_policy);
    const startedAt = Math.max(Date.parse(t.record.created_at), t.restart.state.last_restart_at ?? 0);
    const inGrace = now < startedAt + policy.grace_seconds * 1_000;
    let phiState = base.phi;
    let suspected = false;
    let phiValue: number | undefined;
    if (spec.phi_accrual) {
      const settings: PhiSettings = { ...SUPERVISION_DEFAULTS.phi_accrual, ...spec.phi_accrual };
      phiState ??= initialPhiState(effectiveTiming(check).intervalSeconds * 1_000);
      if (result.ok) {
        // The stored last heartbeat is only as fresh as the last write (minutes old): the first heartbeat after
        // loading starts a new interval instead of feeding that gap into the mean.
        const resumed = t.phiResumed?.delete(check.name) === true;
        phiState = phiHeartbeat(resumed ? { ...phiState, last: undefined } : phiState, now, settings);
      }
      // Capped so a long silence stays a storable number (phi itself saturates at Number.MAX_VALUE).
      phiValue = Math.round(Math.min(phi(phiState, now, settings), 1e6) * 100) / 100;
      suspected = phiValue >= settings.threshold;
    }
    const applied = applyResult(base, result.ok, effectiveThresholds(spec), now, { inGrace, suspected });
    const heartbeatDue = now - base.written_at >= SUPERVISION_DEFAULTS.heartbeat_seconds * 1_000;
    const next: CheckRecord = {
      ...base,
      ...applied.state,
      last_result: result,
      last_checked_at: new Date(now).toISOString(),
      phi: phiState,
      phi_value: phiValue,
      phi_at: phiValue === undefined ? undefined : now,
      suspected: phiValue === undefined ? undefined : suspected,
    };
    // A change of suspicion is a change worth writing: the API shows it.
    const suspicionChanged = phiValue !== undefined && suspected !== (base.suspected === true);
    if (!applied.changed && !suspicionChanged && !heartbeatDue && version !== 0) {
      t.checks.set(check.name, next);
      return false;
    }
    const saved = await saveCheck({ ...next, written_at: now, version: version + 1 }, version);
    if (!saved) {
      // Another prober wrote this check (an overlapping invocation): take its view at the next load.
      t.checks.set(check.name, next);
      return false;
    }
    t.checks.set(check.name, { ...next, written_at: now, version: version + 1 });
    if (applied.changed || version === 0)
      await recordResult(t.record.id, check.name, applied.state.status, result, now);
    return true;
  }

  private async rollUp(t: Tracked, now: number): Promise<StewardEvent | undefined> {
    const checks = effectiveChecks(t.record.spec).map((c) => t.checks.get(c.name)?.status ?? 'unknown');
    const status = serviceStatus(checks);
    if (status === t.record.health) return undefined;
    const lifecycle = lifecycleAfterHealth(t.record.status, status === 'healthy');
    const http = [...t.checks.values()].find((c) => c.last_result?.status_code !== undefined);
    const at = new Date(now).toISOString();
    const won = await setServiceHealth(t.record.id, t.record.health, status, at, {
      lifecycle: lifecycle !== t.record.status ? lifecycle : undefined,
      lastStatusCode: http?.last_result?.status_code,
    });
    const from = t.record.health;
    t.record = { ...t.record, health: status, health_changed_at: at, status: lifecycle };
    if (!won) return undefined;
    const maintenance = this.inMaintenance(t, now);
    return stewardEvent('service.health_changed', {
      service_id: t.record.id,
      name: t.record.name,
      from,
      to: status,
      in_maintenance: maintenance,
      severity: t.record.spec.alerts?.severity ?? SUPERVISION_DEFAULTS.alerts.severity,
      checks: Object.fromEntries(
        [...t.checks.values()].map((c) => [c.check, { status: c.status, message: c.last_result?.message }]),
      ),
    });
  }

  /**
   * Asks for a restart of an unhealthy service; resets backoff (and a spent budget, when the policy says so) after a
   * healthy period, publishing `service.restart_budget_reset` for the latter. True when it asked for a restart.
   */
  private async supervise(t: Tracked, now: number, events: StewardEvent[]): Promise<boolean> {
    const policy = effectiveRestartPolicy(t.record.spec.restart_policy);
    if (t.record.health === 'healthy') {
      const since = Date.parse(t.record.health_changed_at ?? new Date(now).toISOString());
      const observed = observeHealth(
        { ...t.restart.state, healthy_since: t.restart.state.healthy_since ?? since },
        policy,
        true,
        now,
      );
      if (
        observed !== t.restart.state &&
        (observed.attempt !== t.restart.state.attempt || observed.failed !== t.restart.state.failed)
      ) {
        if (await saveRestartState(t.record.id, observed, t.restart.version)) {
          if (t.restart.state.failed && !observed.failed) {
            events.push(
              stewardEvent('service.restart_budget_reset', {
                service_id: t.record.id,
                name: t.record.name,
                reason: 'healthy_period',
                was: t.restart.state.failed_reason ?? 'restart_budget',
              }),
            );
          }
          t.restart = { state: observed, version: t.restart.version + 1 };
        }
      }
      return false;
    }
    if (t.record.health !== 'unhealthy' || t.restart.state.failed || policy.action === 'none') return false;
    if (this.inMaintenance(t, now)) return false;
    if (t.lastRestartRequest !== undefined && now - t.lastRestartRequest < this.options.roundSeconds * 1_000 - 500)
      return false;
    t.lastRestartRequest = now;
    t.reloadRestart = true;
    const bad = [...t.checks.values()].flatMap((c) => c.last_result?.bad_tasks ?? []);
    await this.effects.requestRestart({
      service_id: t.record.id,
      reason: 'unhealthy',
      bad_tasks: bad.length > 0 ? bad : undefined,
    });
    return true;
  }

  private inMaintenance(t: Tracked, now: number): boolean {
    return t.record.status === 'maintenance' || activeMaintenance(t.record.spec.maintenance_windows, now) !== undefined;
  }
}

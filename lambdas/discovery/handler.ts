import { ENV } from '../../lib/core/env.ts';
import { serviceSpecSchema } from '../../lib/core/supervision/manifest.ts';
import { listEnv, requireEnv } from '../shared/config.ts';
import { publish, stewardEvent } from '../shared/events.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import {
  allServices,
  putIfVersion,
  registerManagedService,
  StaleServiceError,
} from '../shared/repositories/services.ts';
import { type Found, scanCluster, scanNamespace } from './scan.ts';

requireEnv(ENV.eventBus);
const CLUSTERS = listEnv(ENV.ecsClusters);
const NAMESPACES = listEnv(ENV.cloudMapNamespaces);

/** A `service.advertised` bus event (detail = Steward event whose data is a service spec), or the schedule's tick. */
export type DiscoveryEvent = { 'detail-type'?: string; detail?: { data?: unknown } };

/** Registers advertised services, or scans clusters and namespaces and marks what disappeared. */
export const handler = lambdaHandler(async (event: DiscoveryEvent): Promise<Record<string, unknown>> => {
  if (event['detail-type'] === 'service.advertised') {
    // Steward-shaped events carry the spec in `data`; other producers may put the spec as the whole detail.
    const detail = event.detail as { data?: unknown } | undefined;
    const parsed = serviceSpecSchema.safeParse(detail && 'data' in detail ? detail.data : detail);
    if (!parsed.success) {
      logger.warn('Ignored an invalid advertisement', { issues: parsed.error.issues });
      return { ignored: true };
    }
    const { record, created } = await registerManagedService(parsed.data, 'discovery');
    if (created)
      await publish([
        stewardEvent('service.registered', { service_id: record.id, name: record.name, source: 'advertisement' }),
      ]);
    return { registered: record.id, created };
  }
  const scans = [
    ...CLUSTERS.map((c) => ({ by: `ecs:${c}`, run: () => scanCluster(c) })),
    ...NAMESPACES.map((n) => ({ by: `cloudmap:${n}`, run: () => scanNamespace(n) })),
  ];
  const found: Found[] = [];
  const completed = new Set<string>();
  for (const scan of scans) {
    try {
      found.push(...(await scan.run()));
      completed.add(scan.by);
    } catch (error) {
      // A scan that failed must not mark its services as gone.
      logger.error('Discovery scan failed', { scan: scan.by, error: (error as Error).message });
    }
  }
  return reconcile(found, completed);
});

/**
 * Registers what the scans found; marks services of a completed scan that it no longer finds. A service found by
 * several scans of one pass (an ECS service registered in a Cloud Map namespace is both) keeps the scan it was
 * discovered by while that scan still finds it, rather than changing hands at every pass.
 */
export async function reconcile(found: Found[], completed: ReadonlySet<string>): Promise<Record<string, unknown>> {
  const events = [];
  const seen = new Set<string>();
  const scansOf = new Map<string, Set<string>>();
  for (const f of found) scansOf.set(f.spec.name, (scansOf.get(f.spec.name) ?? new Set()).add(f.by));
  for (const f of found) {
    const { record, created } = await registerManagedService(f.spec, 'discovery');
    seen.add(record.id);
    if (created)
      events.push(stewardEvent('service.registered', { service_id: record.id, name: record.name, source: f.by }));
    const keptBy = record.discovered_by !== undefined && scansOf.get(f.spec.name)?.has(record.discovered_by);
    if (!keptBy || record.disappeared_at) {
      await putIfVersion(
        { ...record, discovered_by: f.by, disappeared_at: undefined, version: record.version + 1 },
        record.version,
      ).catch(ignoreStale);
    }
  }
  let disappeared = 0;
  for (const r of await allServices(['discovered', 'registered', 'active', 'maintenance'])) {
    if (!r.discovered_by || !completed.has(r.discovered_by) || seen.has(r.id) || r.disappeared_at) continue;
    const at = new Date().toISOString();
    await putIfVersion({ ...r, disappeared_at: at, updated_at: at, version: r.version + 1 }, r.version).catch(
      ignoreStale,
    );
    events.push(stewardEvent('service.disappeared', { service_id: r.id, name: r.name, scan: r.discovered_by }));
    disappeared++;
  }
  if (events.length > 0) await publish(events);
  return { found: found.length, disappeared };
}

function ignoreStale(error: unknown): void {
  if (!(error instanceof StaleServiceError)) throw error;
}

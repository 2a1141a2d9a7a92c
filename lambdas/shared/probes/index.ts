/** Runs any health check of a service: dispatches on the check type with the service's resolved defaults. */
import { ENV } from '../../../lib/core/env.ts';
import {
  effectiveBaseUrl,
  effectiveEcsTarget,
  effectiveTiming,
  SUPERVISION_DEFAULTS,
} from '../../../lib/core/supervision/defaults.ts';
import type { HealthCheckSpec, ServiceSpec } from '../../../lib/core/supervision/manifest.ts';
import { listEnv } from '../config.ts';
import { probeCustom } from './custom.ts';
import { probeEcs } from './ecs.ts';
import { probeHttp } from './http.ts';
import { probeTcp } from './tcp.ts';
import type { ProbeResult } from './types.ts';

export { runBounded } from './runner.ts';
export type { ProbeResult } from './types.ts';

/** Probes one check of a service. Never throws: every failure is a failed result with a message. */
export async function runCheck(service: ServiceSpec, check: HealthCheckSpec): Promise<ProbeResult> {
  const { timeoutMs } = effectiveTiming(check);
  const base = effectiveBaseUrl(service);
  switch (check.type) {
    case 'http':
      return probeHttp(check.url ?? `${base}${check.path ?? SUPERVISION_DEFAULTS.check.http.path}`, check, timeoutMs);
    case 'tcp': {
      const url = new URL(base);
      return probeTcp(check.host ?? url.hostname, check.port ?? service.port ?? Number(url.port || 80), timeoutMs);
    }
    case 'database':
      return probeTcp(
        check.host,
        check.port ?? SUPERVISION_DEFAULTS.databasePorts[check.engine],
        timeoutMs,
        check.engine,
      );
    case 'ecs': {
      const target = effectiveEcsTarget(service, listEnv(ENV.ecsClusters));
      const cluster = check.cluster ?? target?.cluster;
      if (!cluster) return { ok: false, latency_ms: 0, message: 'no ECS cluster known for this service' };
      return probeEcs(
        cluster,
        check.service_name ?? target?.service_name ?? service.name,
        check.min_running_ratio ?? 1,
      );
    }
    case 'custom':
      // The prober may invoke only the deployment's custom-check functions (its IAM policy names exactly these).
      if (!listEnv(ENV.customCheckFunctions).includes(check.function_arn)) {
        return {
          ok: false,
          latency_ms: 0,
          message: `${check.function_arn} is not one of the deployment's custom-check functions`,
        };
      }
      return probeCustom(check.function_arn, { service: service.name, ...(check.payload ?? {}) }, timeoutMs);
  }
}

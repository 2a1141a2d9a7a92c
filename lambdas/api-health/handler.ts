import { HEALTH_ROUTES } from '../../lib/core/api/routes/health.ts';
import { apiHandler } from '../shared/http.ts';
import { checkDependencies } from './dependencies.ts';

const startedAt = new Date().toISOString();

/** REST: Steward's own liveness, readiness (503 when a dependency fails) and dependency detail. */
export const handler = apiHandler(HEALTH_ROUTES, {
  liveness: async () => ({ body: { status: 'ok', started_at: startedAt, timestamp: new Date().toISOString() } }),
  readiness: async () => {
    const deps = await checkDependencies();
    const ready = deps.every((d) => d.ok);
    return {
      status: ready ? 200 : 503,
      body: {
        status: ready ? 'ready' : 'not_ready',
        failing: deps.filter((d) => !d.ok).map((d) => d.name),
        timestamp: new Date().toISOString(),
      },
    };
  },
  dependencies: async () => {
    const deps = await checkDependencies();
    return {
      body: {
        status: deps.every((d) => d.ok) ? 'ok' : 'degraded',
        dependencies: deps,
        timestamp: new Date().toISOString(),
      },
    };
  },
});

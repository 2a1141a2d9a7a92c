import type { Route } from '../route.ts';
import { dependenciesResponse, livenessResponse, readinessResponse } from '../schemas/responses/health.ts';

const f = 'api-health';

/** Steward's own health (seed). Unauthenticated so load balancers and uptime checks can call them. */
export const HEALTH_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/health/liveness',
    operationId: 'liveness',
    functionId: f,
    auth: 'none',
    summary: 'Steward answers',
    successStatus: 200,
    response: livenessResponse,
  },
  {
    method: 'GET',
    path: '/health/readiness',
    operationId: 'readiness',
    functionId: f,
    auth: 'none',
    summary: 'Tables, bus and state machines answer',
    successStatus: 200,
    response: readinessResponse,
    otherResponses: { 503: { description: 'Not ready: `failing` names the dependencies', schema: readinessResponse } },
  },
  {
    method: 'GET',
    path: '/health/dependencies',
    operationId: 'dependencies',
    functionId: f,
    auth: 'none',
    summary: 'Each dependency with its status and latency',
    successStatus: 200,
    response: dependenciesResponse,
  },
];

import { matchRoute } from '../match.ts';
import type { Route } from '../route.ts';
import { EVENT_ROUTES } from './events.ts';
import { EXECUTION_ROUTES } from './executions.ts';
import { HEALTH_ROUTES } from './health.ts';
import { SERVICE_ROUTES } from './services.ts';
import { WORKFLOW_ROUTES } from './workflows.ts';

export { allowedMethods, matchPath } from '../match.ts';
export type { HttpMethod, Route } from '../route.ts';

/** Every REST operation of Steward. */
export const ROUTES: readonly Route[] = [
  ...WORKFLOW_ROUTES,
  ...EXECUTION_ROUTES,
  ...EVENT_ROUTES,
  ...SERVICE_ROUTES,
  ...HEALTH_ROUTES,
];

/** Finds the route for a method and path: literal segments win over parameters (`/services/status`). */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  return matchRoute(ROUTES, method, path);
}

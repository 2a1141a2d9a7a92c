import type { Route } from '../route.ts';
import { EVENT_ROUTES } from './events.ts';
import { EXECUTION_ROUTES } from './executions.ts';
import { HEALTH_ROUTES } from './health.ts';
import { SERVICE_ROUTES } from './services.ts';
import { WORKFLOW_ROUTES } from './workflows.ts';

export type { HttpMethod, Route } from '../route.ts';

/** Every REST operation of Steward. */
export const ROUTES: readonly Route[] = [
  ...WORKFLOW_ROUTES,
  ...EXECUTION_ROUTES,
  ...EVENT_ROUTES,
  ...SERVICE_ROUTES,
  ...HEALTH_ROUTES,
];

/** Matches a concrete path against a route path, returning its parameters, or undefined. */
export function matchPath(routePath: string, path: string): Record<string, string> | undefined {
  const want = routePath.split('/').filter(Boolean);
  const got = path.split('?')[0]!.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) {
      let value: string;
      try {
        value = decodeURIComponent(g);
      } catch {
        return undefined;
      }
      params[w.slice(1, -1)] = value;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

/** Finds the route for a method and path: literal segments win over parameters (`/services/status`). */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  let best: { route: Route; params: Record<string, string>; literals: number } | undefined;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, path);
    if (!params) continue;
    const literals = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
    if (!best || literals > best.literals) best = { route, params, literals };
  }
  return best && { route: best.route, params: best.params };
}

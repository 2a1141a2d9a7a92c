import type { Route } from './route.ts';

/**
 * Decodes a path parameter; one that is not valid percent-encoding (a bare `%`, a cut sequence) is taken as it is,
 * so the path still names its route (a wrong method answers 405, a malformed id the operation's own 400 or 404).
 */
export function decodePathParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

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
      params[w.slice(1, -1)] = decodePathParam(g);
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

/**
 * Finds the route among `routes` for a method and path: literal segments win over parameters (`/services/status`).
 * Takes the routes as an argument so that a function can match over its own area without importing every schema.
 */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  let best: { route: Route; params: Record<string, string>; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, path);
    if (!params) continue;
    const literals = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
    if (!best || literals > best.literals) best = { route, params, literals };
  }
  return best && { route: best.route, params: best.params };
}

/**
 * The methods `routes` serve on a path (a concrete path or a route template), in the route table's order: what a
 * 405 answer's `Allow` header lists. Empty when no route has that path.
 */
export function allowedMethods(routes: readonly { method: string; path: string }[], path: string): string[] {
  const out: string[] = [];
  for (const route of routes) {
    if (out.includes(route.method)) continue;
    if (route.path === path || matchPath(route.path, path)) out.push(route.method);
  }
  return out;
}

/**
 * Cross-checks of a services manifest that a schema cannot express. They read the raw input defensively (it may
 * not have passed the schema) so that every problem is reported in one pass.
 */
import type { ManifestProblem } from './manifest.ts';

/** The implicit top of the supervision tree; groups without a parent hang under it. */
export const ROOT_GROUP = 'root';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Checks one service on its own: duplicate check names, self-dependency, checks that need a target. */
export function crossCheckService(service: unknown, at: string): ManifestProblem[] {
  if (!isObj(service)) return [];
  const problems: ManifestProblem[] = [];
  const prefix = at === '' ? '' : `${at}.`;
  const name = str(service.name);
  const seen = new Set<string>();
  arr(service.health_checks).forEach((check, i) => {
    if (!isObj(check)) return;
    const checkName = str(check.name);
    if (checkName !== undefined) {
      if (seen.has(checkName))
        problems.push({ path: `${prefix}health_checks[${i}].name`, message: `duplicate check name '${checkName}'` });
      seen.add(checkName);
    }
    const target = service.base_url !== undefined || service.port !== undefined;
    if (check.type === 'http' && check.url === undefined && (check.path === undefined || !target)) {
      problems.push({
        path: `${prefix}health_checks[${i}].path`,
        message: 'an http check needs a url, or a path plus the service base_url or port',
      });
    }
    if (check.type === 'tcp' && check.port === undefined && service.port === undefined) {
      problems.push({
        path: `${prefix}health_checks[${i}].port`,
        message: 'a tcp check needs a port (here or on the service)',
      });
    }
  });
  if (service.image !== undefined && service.build !== undefined) {
    problems.push({ path: `${prefix}build`, message: 'give either image or build, not both' });
  }
  arr(service.depends_on).forEach((dep, i) => {
    if (dep === name && name !== undefined)
      problems.push({ path: `${prefix}depends_on[${i}]`, message: 'a service cannot depend on itself' });
  });
  return problems;
}

/** Finds one cycle in a graph given as adjacency lists; returns it as a node list, or undefined. */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const s = state.get(node);
    if (s === 'done') return undefined;
    if (s === 'active') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'active');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Cross-checks a whole manifest: names, references, cycles of dependencies and of group parents. */
export function crossCheckManifest(json: unknown): ManifestProblem[] {
  if (!isObj(json)) return [];
  const problems: ManifestProblem[] = [];
  const groups = arr(json.groups);
  const services = arr(json.services);

  const groupNames = new Map<string, number>();
  groups.forEach((g, i) => {
    const n = isObj(g) ? str(g.name) : undefined;
    if (n === undefined) return;
    if (n === ROOT_GROUP)
      problems.push({ path: `groups[${i}].name`, message: `'${ROOT_GROUP}' is the implicit top group` });
    else if (groupNames.has(n)) problems.push({ path: `groups[${i}].name`, message: `duplicate group name '${n}'` });
    else groupNames.set(n, i);
  });
  const parents = new Map<string, string[]>();
  groups.forEach((g, i) => {
    if (!isObj(g)) return;
    const parent = str(g.parent);
    const n = str(g.name);
    if (parent !== undefined && parent !== ROOT_GROUP && !groupNames.has(parent))
      problems.push({ path: `groups[${i}].parent`, message: `unknown group '${parent}'` });
    if (n !== undefined && groupNames.get(n) === i) parents.set(n, parent && parent !== ROOT_GROUP ? [parent] : []);
  });
  const groupCycle = findCycle(parents);
  if (groupCycle) {
    const first = groupCycle[0]!;
    problems.push({
      path: `groups[${groupNames.get(first)}].parent`,
      message: `group cycle: ${groupCycle.join(' → ')}`,
    });
  }

  const serviceNames = new Map<string, number>();
  services.forEach((s, i) => {
    const n = isObj(s) ? str(s.name) : undefined;
    if (n === undefined) return;
    if (serviceNames.has(n)) problems.push({ path: `services[${i}].name`, message: `duplicate service name '${n}'` });
    else serviceNames.set(n, i);
  });
  const deps = new Map<string, string[]>();
  services.forEach((s, i) => {
    if (!isObj(s)) return;
    problems.push(...crossCheckService(s, `services[${i}]`));
    const group = str(s.group);
    if (group !== undefined && group !== ROOT_GROUP && !groupNames.has(group))
      problems.push({ path: `services[${i}].group`, message: `unknown group '${group}'` });
    const own: string[] = [];
    arr(s.depends_on).forEach((d, j) => {
      const dep = str(d);
      if (dep === undefined) return;
      if (!serviceNames.has(dep))
        problems.push({ path: `services[${i}].depends_on[${j}]`, message: `unknown service '${dep}'` });
      else own.push(dep);
    });
    const n = str(s.name);
    if (n !== undefined && serviceNames.get(n) === i) deps.set(n, own);
  });
  const depCycle = findCycle(deps);
  if (depCycle && depCycle.length > 2) {
    const first = depCycle[0]!;
    problems.push({
      path: `services[${serviceNames.get(first)}].depends_on`,
      message: `dependency cycle: ${depCycle.join(' → ')}`,
    });
  }
  return problems;
}

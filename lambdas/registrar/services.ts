import {
  type GroupSpec,
  groupSpecSchema,
  type ServiceSpec,
  serviceSpecSchema,
} from '../../lib/core/supervision/manifest.ts';
import { resetRestartBudget } from '../shared/repositories/restarts.ts';
import { registerGroups, registerManagedService } from '../shared/repositories/services.ts';
import { fieldPath } from '../shared/validation.ts';

/** Maps whose values are strings by definition: CloudFormation's stringification is undone everywhere else. */
const STRING_MAPS = new Set(['environment', 'secrets', 'tags', 'command']);

/**
 * CloudFormation hands custom resources every number and boolean as a string (`"30"`, `"true"`). Turns them back,
 * except inside maps whose values are strings by definition.
 */
export function undoStringification(value: unknown, key = ''): unknown {
  if (STRING_MAPS.has(key)) return value;
  if (Array.isArray(value)) return value.map((v) => undoStringification(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, undoStringification(v, k)]));
  }
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) && key !== 'name') return Number(value);
  return value;
}

/** Parses a manifest entry from ResourceProperties (as given, else with CloudFormation's strings undone). */
export function parseServiceSpec(raw: unknown, index: number): ServiceSpec {
  const direct = serviceSpecSchema.safeParse(raw);
  if (direct.success) return direct.data;
  const coerced = serviceSpecSchema.safeParse(undoStringification(raw));
  if (coerced.success) return coerced.data;
  const issue = coerced.error.issues[0];
  throw new Error(
    `Deployed service ${index}: ${fieldPath(`services[${index}]`, issue?.path ?? [])}: ${issue?.message}`,
  );
}

/** Registers the deployment's services (upsert, source `deployment`); returns how many were created or changed. */
export async function registerDeployedServices(raw: readonly unknown[]): Promise<{ created: number; changed: number }> {
  const specs = raw.map(parseServiceSpec);
  let created = 0;
  let changed = 0;
  for (const spec of specs) {
    const out = await registerManagedService(spec, 'deployment');
    if (out.revived) await resetRestartBudget(out.record.id);
    if (out.created) created++;
    else if (out.changed) changed++;
  }
  return { created, changed };
}

/** Parses a supervision group from ResourceProperties (CloudFormation's strings undone). */
export function parseGroupSpec(raw: unknown, index: number): GroupSpec {
  const parsed = groupSpecSchema.safeParse(undoStringification(raw));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`Deployed group ${index}: ${fieldPath(`groups[${index}]`, issue?.path ?? [])}: ${issue?.message}`);
}

/** Stores the manifest's supervision groups, so the restarter applies their strategies and budgets. */
export async function registerDeployedGroups(raw: readonly unknown[]): Promise<number> {
  const groups = raw.map(parseGroupSpec);
  await registerGroups(groups);
  return groups.length;
}

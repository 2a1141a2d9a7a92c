/**
 * Discovery merge: what a scan or an advertisement found, folded into a registry record without ever overwriting a
 * field a user set by hand (through the API or the manifest). The record keeps the list of user-set fields.
 */
import type { ServiceSpec } from './manifest.ts';

/** Where a service's fields came from. */
export type ServiceSource = 'deployment' | 'discovery' | 'api';

/** The part of a registry record the merge needs. */
export interface MergeableRecord {
  spec: ServiceSpec;
  /** Top-level spec fields set by a user (API or deployment); discovery leaves them alone. */
  user_fields: string[];
}

/** Result of a merge: the new spec and user fields, and whether anything changed. */
export interface MergeResult {
  spec: ServiceSpec;
  user_fields: string[];
  changed: boolean;
  /** Fields discovery wanted to change but did not, because a user set them. */
  kept: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Merges `found` into `existing`. From discovery, only fields no user set are written; from the API or a
 * deployment, every given field is written and becomes user-set.
 */
export function mergeServiceSpec(
  existing: MergeableRecord | undefined,
  found: ServiceSpec,
  source: ServiceSource,
): MergeResult {
  const base: ServiceSpec = existing?.spec ?? { name: found.name };
  const userFields = new Set(existing?.user_fields ?? []);
  const next: Record<string, unknown> = { ...base };
  const kept: string[] = [];
  let changed = existing === undefined;
  for (const [field, value] of Object.entries(found)) {
    if (value === undefined || field === 'name') continue;
    if (source === 'discovery' && userFields.has(field)) {
      if (!same(next[field], value)) kept.push(field);
      continue;
    }
    if (!same(next[field], value)) {
      next[field] = value;
      changed = true;
    }
    if (source !== 'discovery' && !userFields.has(field)) {
      userFields.add(field);
      changed = true;
    }
  }
  return { spec: next as ServiceSpec, user_fields: [...userFields].sort(), changed, kept };
}

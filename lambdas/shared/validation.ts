import type * as z from 'zod';
import { isWellFormed } from '../../lib/core/api/params.ts';
import { type FieldProblem, ValidationError } from './errors.ts';

/** Formats a zod issue path as a JSON path under `root`: `body.definition.steps[2].name`. */
export function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** Parses `value` with `schema`, or throws a 400 naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({
    field: fieldPath(root, issue.path),
    message: issue.message,
  }));
  throw new ValidationError(problems);
}

/**
 * Checks and normalizes a query's `from`/`to` time range, for every route that has one: each must be a real
 * instant (not only ISO-shaped: `2025-02-30` is refused) and `from` must not be after `to` — DynamoDB refuses a
 * reversed `BETWEEN`, so this is a 400 here rather than a 500 there. Both come back as UTC ISO strings, the form the
 * stores keep, so offsets (`+02:00`) compare correctly.
 */
export function checkTimeRange<Q extends Record<string, unknown>>(query: Q): Q {
  const out: Record<string, unknown> = { ...query };
  const problems: FieldProblem[] = [];
  const instants: Record<string, number> = {};
  for (const name of ['from', 'to'] as const) {
    const raw = query[name];
    if (raw === undefined) continue;
    const ms = typeof raw === 'string' && raw !== '' ? Date.parse(raw) : Number.NaN;
    if (!Number.isFinite(ms) || !sameCalendarDay(String(raw), ms)) {
      problems.push({ field: `query.${name}`, message: 'must be an ISO 8601 date-time, e.g. 2025-03-29T06:15:00Z' });
      continue;
    }
    instants[name] = ms;
    out[name] = new Date(ms).toISOString();
  }
  if (problems.length > 0) throw new ValidationError(problems);
  if (instants.from !== undefined && instants.to !== undefined && instants.from > instants.to) {
    throw new ValidationError([{ field: 'query.from', message: 'must not be after query.to' }]);
  }
  return out as Q;
}

/** False when the date part names a day that does not exist (V8 rolls `2025-02-30` over to March 2). */
function sameCalendarDay(raw: string, ms: number): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw);
  if (!m) return true;
  const [, y, mo, d] = m.map(Number) as [number, number, number, number];
  const probe = new Date(0);
  probe.setUTCFullYear(y, mo - 1, d);
  return Number.isFinite(ms) && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

const NOT_UNICODE = 'is not valid Unicode text (a lone surrogate such as \\ud800)';

/** Largest JSON body accepted: every body is stored in one DynamoDB item (400 KB, keys and bookkeeping included). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Deepest nesting accepted: DynamoDB stores at most 32 levels, and a body sits a level or two down in its item. */
export const MAX_BODY_DEPTH = 24;

/**
 * Checks that a parsed JSON body can be stored as DynamoDB stores JSON: numbers within its range (magnitudes from
 * 1e-130 to below 1e126; a double outside it is refused by DynamoDB with a ValidationException), nesting no deeper
 * than {@link MAX_BODY_DEPTH}, text (values and keys) that is valid Unicode: JSON lets `"\ud800"` through, UTF-8
 * cannot encode it. Names the first offending field, so the caller gets a 400 rather than a 500 or a changed value.
 */
export function storableJsonProblems(value: unknown, root = 'body'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (problems.length > 0) return;
    if (typeof v === 'number') {
      const m = Math.abs(v);
      if (m !== 0 && (m < 1e-130 || m >= 1e126)) {
        problems.push({ field: path, message: 'is a number outside the stored range (magnitude 1e-130 to 1e125)' });
      }
      return;
    }
    if (typeof v === 'string') {
      if (!isWellFormed(v)) problems.push({ field: path, message: NOT_UNICODE });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= MAX_BODY_DEPTH) {
      problems.push({ field: path, message: `nests deeper than ${MAX_BODY_DEPTH} levels` });
      return;
    }
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`, depth + 1);
    } else {
      for (const [k, x] of Object.entries(v)) {
        if (!isWellFormed(k)) {
          problems.push({ field: path, message: `has a key that ${NOT_UNICODE}` });
          return;
        }
        walk(x, `${path}.${k}`, depth + 1);
      }
    }
  };
  walk(value, root, 0);
  return problems;
}

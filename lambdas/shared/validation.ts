import type * as z from 'zod';
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

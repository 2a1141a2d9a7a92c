/**
 * Building blocks of the response schemas: what every answer shares. The response schemas describe what the
 * handlers really send (JSON: absent fields are `.optional()`, explicit nulls `.nullable()`); plain `z.object`s
 * accept fields added later, so an older client keeps working, while every field a client reads is pinned.
 */
import * as z from 'zod';

/** An ISO-8601 timestamp as the API writes it. */
export const timestamp = z.string().min(1);

/** The continuation token of a page: `null` (or absent, on older routes) on the last page. */
export const nextToken = z.string().nullable().optional();

/** Any JSON value (step inputs and outputs, user data). */
export const anyJson = z.unknown();

/** A user-defined JSON object (a run's context, an event's data). */
export const openObject = z.looseObject({});

/** One problem of a rejected request: the field (JSON path within body/query/path) and what is wrong. */
export const fieldProblem = z.object({ field: z.string(), message: z.string() });

/**
 * The error envelope every 4xx and 5xx answer carries: a machine-readable `code`, a message, the field problems of
 * a 400, the request id, and the route's own details beside them (e.g. `budget` of a spent restart budget).
 */
export const errorBody = z.object({
  error: z.looseObject({
    code: z.string().min(1),
    message: z.string(),
    problems: z.array(fieldProblem).optional(),
    request_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

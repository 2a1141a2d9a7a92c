/**
 * The response contract: holds an answer of the API to its route's schemas — the success body to `response` (or an
 * `otherResponses` entry), every 4xx/5xx to the shared error envelope. The end-to-end suite and the handler tests
 * run every answer they receive through it, so the API and the clients written against the schemas cannot drift.
 */
import type * as z from 'zod';
import { matchRoute } from './match.ts';
import type { Route } from './route.ts';
import { errorBody } from './schemas/responses/common.ts';

/** Why an answer breaks the contract, in words naming the route and each schema issue; undefined when it holds. */
export function contractViolation(
  routes: readonly Route[],
  method: string,
  path: string,
  status: number,
  body: unknown,
): string | undefined {
  const match = matchRoute(routes, method, path);
  // Answers of paths outside the route table (405, unknown routes) still carry the error envelope.
  const route = match?.route;
  const name = route ? `${route.method} ${route.path} (${route.operationId})` : `${method} ${path} (no route)`;
  let schema: z.ZodType | undefined;
  let what: string;
  const other = route?.otherResponses?.[status];
  if (other) {
    schema = other.schema;
    what = `its ${status} body`;
  } else if (status >= 400) {
    schema = errorBody;
    what = `the error envelope (status ${status})`;
  } else if (!route) {
    return `${name} answered ${status}: a success from outside the route table`;
  } else if (status === 204 || route.successStatus === 204) {
    if (status !== 204) return `${name} answered ${status}; the route declares 204`;
    return body === undefined || body === null || body === '' ? undefined : `${name} answered 204 with a body`;
  } else {
    schema = route.response;
    what = 'its response schema';
    if (!schema) return `${name} has no response schema`;
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return undefined;
  const issues = parsed.error.issues
    .slice(0, 10)
    .map((i) => `  - ${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('\n');
  return `${name} answered ${status} with a body that breaks ${what}:\n${issues}`;
}

/**
 * The `/local/*` JSON endpoints of local mode: its own tools' views of the embedded AWS services that no deployed
 * API has — recent bus events, metrics from the EMF sink, per-function counters and IAM decisions. The console does
 * not use them (it speaks only the REST API, so it works the same against a deployed stack).
 */
import type { LocalBackend } from './backend.ts';
import { type LocalEndpoint, LocalHttpError } from './http-api.ts';
import type { LocalWiring } from './wiring.ts';

export interface LocalEndpointsContext {
  wiring: LocalWiring;
  backend: () => LocalBackend | undefined;
  /** IAM enforcement: on or off, create-time findings, the latest denials. */
  iam?: () => unknown;
}

const limitOf = (query: URLSearchParams, fallback: number): number => {
  const raw = query.get('limit');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new LocalHttpError(400, 'must be a whole number from 1 to 1000', 'limit');
  return n;
};

/** Builds the `/local/<name>` handlers. */
export function localEndpoints(ctx: LocalEndpointsContext): Record<string, LocalEndpoint> {
  return {
    events: (query) => ({ events: ctx.backend()?.recentEvents(limitOf(query, 100)) ?? [] }),
    metrics: () => ({ metrics: ctx.backend()?.metrics() ?? [] }),
    functions: () => ({ functions: ctx.backend()?.functionStats() ?? [] }),
    iam: () => ctx.iam?.() ?? { enforcing: false, findings: [], denials: [] },
  };
}

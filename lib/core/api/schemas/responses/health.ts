/** Response schemas of the health routes. */
import * as z from 'zod';
import { timestamp } from './common.ts';

/** `GET /health/liveness`. */
export const livenessResponse = z.object({ status: z.literal('ok'), started_at: timestamp, timestamp });
export type LivenessResponse = z.infer<typeof livenessResponse>;

/** `GET /health/readiness` (200 when ready, 503 with the same shape when not). */
export const readinessResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  failing: z.array(z.string()),
  timestamp,
});
export type ReadinessResponse = z.infer<typeof readinessResponse>;

/** One dependency probe. */
export const dependencyStatus = z.object({
  name: z.string(),
  ok: z.boolean(),
  latency_ms: z.number(),
  message: z.string().optional(),
});

/** `GET /health/dependencies`. */
export const dependenciesResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  dependencies: z.array(dependencyStatus),
  timestamp,
});
export type DependenciesResponse = z.infer<typeof dependenciesResponse>;

/** Request schemas of the execution, step and audit routes (lib/core/api/routes/executions.ts). */
import * as z from 'zod';
import { EXECUTION_STATUSES } from '../../execution/status.ts';

const id = z.string().min(1).max(256);
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2025-03-29T06:15:00Z' });
const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .optional();
const nextToken = z.string().max(4096).optional();

/** Body of `POST /executions`. */
export const startExecutionBody = z
  .strictObject({
    workflow_id: id.optional(),
    workflow_name: id.optional(),
    version: z.string().min(1).max(64).optional(),
    correlation_id: z.string().min(1).max(128).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    idempotency_key: z.string().min(1).max(256).optional(),
  })
  .refine((b) => b.workflow_id !== undefined || b.workflow_name !== undefined, {
    message: 'workflow_id or workflow_name is required',
    path: ['workflow_id'],
  });

/** Query of `GET /executions`. */
export const listExecutionsQuery = z.strictObject({
  workflow_id: id.optional(),
  status: z.enum(EXECUTION_STATUSES).optional(),
  correlation_id: z.string().min(1).max(128).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
  next_token: nextToken,
});

/** Optional body of cancel / pause / resume / retry: why (kept in the record and the audit trail). */
export const commandBody = z.strictObject({ reason: z.string().max(1024).optional() }).optional();

/** Query of paginated routes without filters (`/history`). */
export const pageQuery = z.strictObject({ limit, next_token: nextToken });

/** Query of `GET /steps`. */
export const listStepsQuery = z.strictObject({
  workflow_id: id.optional(),
  status: z
    .enum(['running', 'completed', 'failed', 'compensated', 'skipped', 'failed_continued', 'cancelled'])
    .optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
  next_token: nextToken,
});

/** Query of `GET /audit`. */
export const listAuditQuery = z.strictObject({
  target: z.string().min(1).max(512).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
  next_token: nextToken,
});

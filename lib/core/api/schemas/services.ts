/** Request schemas of the service registry, status and alert routes. */
import * as z from 'zod';
import { LIFECYCLE_STATES } from '../../supervision/lifecycle.ts';
import { serviceSpecSchema } from '../../supervision/manifest.ts';

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .optional();
const nextToken = z.string().max(2_048).optional();

/** `POST /services`: a service spec (the manifest's service shape). */
export const registerServiceBody = serviceSpecSchema;

/**
 * `PUT /services/{service_id}`: any spec fields to change (the name cannot change), a lifecycle move, or a manual
 * reset of a `failed` restart budget.
 */
export const updateServiceBody = serviceSpecSchema
  .partial()
  .extend({
    lifecycle: z.enum(['registered', 'active', 'maintenance']).optional(),
    reset_restarts: z.literal(true).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'must change at least one field' });

/** `GET /services` and `GET /services/status`. */
export const listServicesQuery = z.strictObject({
  limit,
  next_token: nextToken,
  status: z.enum(LIFECYCLE_STATES).optional(),
});

/** `GET /alerts`. */
export const listAlertsQuery = z.strictObject({
  limit,
  next_token: nextToken,
  state: z.enum(['open', 'acknowledged', 'resolved']).optional(),
});

/** `PUT /alerts/{alert_id}/acknowledge`: an optional note. */
export const acknowledgeAlertBody = z.strictObject({ note: z.string().max(1_000).optional() }).optional();

/** `GET /services/{service_id}/health`. */
export const serviceHealthQuery = z.strictObject({
  history: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number from 0 to 100')
    .optional(),
});

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2025-03-29T06:15:00Z' });

/** `GET /services/{service_id}/history`: recorded check results, newest first, optionally within [from, to]. */
export const serviceHistoryQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
  next_token: nextToken,
});

/** `POST /services/{service_id}/restart`: an optional reason, kept in the audit trail and the event. */
export const restartServiceBody = z.strictObject({ reason: z.string().min(1).max(1_000).optional() }).optional();

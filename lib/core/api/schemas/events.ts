/** Request schemas of the event routes (lib/core/api/routes/events.ts). */
import * as z from 'zod';

/** Largest `data` accepted, as JSON: the event is stored whole, in the event item and in early-event items. */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2025-03-29T06:15:00Z' });
// `#` separates key parts (`WAIT#<type>#<hash>`), so names are restricted to a safe alphabet.
const eventType = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'must be letters, digits and . _ : / - (e.g. agent.task_completed)');
const correlationId = z.string().min(1).max(128);
const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
  .optional();

/** Body of `POST /events`: the seed's event shape; `id` and `timestamp` are filled in when absent. */
export const processEventBody = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits and . _ : - (a UUID fits)')
    .optional(),
  type: eventType,
  source: z.string().min(1).max(256),
  timestamp: isoTime.optional(),
  correlation_id: correlationId.optional(),
  data: z
    .record(z.string().max(256), z.unknown())
    .refine((d) => new TextEncoder().encode(JSON.stringify(d) ?? '').length <= MAX_EVENT_DATA_BYTES, {
      message: `must be at most ${MAX_EVENT_DATA_BYTES} bytes of JSON`,
    }),
});

/** Query of `GET /events`. */
export const listEventsQuery = z.strictObject({
  type: eventType.optional(),
  correlation_id: correlationId.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
  next_token: z.string().max(4096).optional(),
});

/** Query of `GET /correlations/{id}/events`. */
export const correlationEventsQuery = z.strictObject({
  type: eventType.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
  next_token: z.string().max(4096).optional(),
});

export type ProcessEventBody = z.infer<typeof processEventBody>;

/** Response schemas of the event routes. */
import * as z from 'zod';
import { nextToken, openObject, timestamp } from './common.ts';

/** `POST /events`: the stored event's id, how many waiting steps it matched, and whether it was a redelivery. */
export const processEventResponse = z.object({
  event_id: z.string().min(1),
  matched: z.number().int().min(0),
  duplicate: z.boolean(),
});
export type ProcessEventResponse = z.infer<typeof processEventResponse>;

/** A stored event. */
export const eventView = z.object({
  id: z.string().min(1),
  type: z.string(),
  source: z.string(),
  timestamp,
  correlation_id: z.string().nullable(),
  data: openObject,
  received_at: timestamp,
  matched: z.number().int().min(0),
});
export type EventView = z.infer<typeof eventView>;

/** `GET /events`, `GET /correlations/{correlation_id}/events`. */
export const eventPage = z.object({ events: z.array(eventView), count: z.number().int(), next_token: nextToken });
export type EventPage = z.infer<typeof eventPage>;

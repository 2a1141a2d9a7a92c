import type { EventBridgeEvent } from 'aws-lambda';
import { fromBusEvent } from '../../lib/core/routing/bus.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import { putEvent } from '../shared/repositories/events.ts';
import { routeEvent } from './route.ts';

/**
 * Routes events from Steward's bus to waiting steps. The event is stored once by id (a redelivery, or an event that
 * came through POST /events and was published, finds its record); routing runs every time, since the claims make it
 * idempotent and a delivery that failed half-way is finished by the redelivery. A failed resume throws, so
 * EventBridge's retry (then the rule's DLQ) takes over.
 */
export const handler = lambdaHandler<EventBridgeEvent<string, unknown>, { matched: number }>(async (envelope) => {
  const event = fromBusEvent(envelope);
  const { event: stored } = await putEvent(event, new Date());
  const result = await routeEvent(stored);
  logger.info('Event routed', { event_id: event.id, type: event.type, matched: result.matched });
  return result;
});

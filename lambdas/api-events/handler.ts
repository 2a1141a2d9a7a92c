import { EVENT_ROUTES } from '../../lib/core/api/routes/events.ts';
import { apiHandler } from '../shared/http.ts';
import { getEventOp, listCorrelationEventsOp, listEventsOp, processEvent } from './operations.ts';

/** REST: process, list and get events; events by correlation id (lib/core/api/routes/events.ts). */
export const handler = apiHandler(EVENT_ROUTES, {
  processEvent,
  listEvents: listEventsOp,
  getEvent: getEventOp,
  listCorrelationEvents: listCorrelationEventsOp,
});

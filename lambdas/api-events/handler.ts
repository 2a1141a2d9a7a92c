import { apiHandler } from '../shared/http.ts';
import { getEventOp, listCorrelationEventsOp, listEventsOp, processEvent } from './operations.ts';

/** REST: process, list and get events; events by correlation id (lib/core/api/routes/events.ts). */
export const handler = apiHandler({
  processEvent,
  listEvents: listEventsOp,
  getEvent: getEventOp,
  listCorrelationEvents: listCorrelationEventsOp,
});

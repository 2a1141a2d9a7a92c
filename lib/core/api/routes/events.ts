import type { Route } from '../route.ts';
import { correlationEventsQuery, listEventsQuery, processEventBody } from '../schemas/events.ts';
import { eventPage, eventView, processEventResponse } from '../schemas/responses/events.ts';

const f = 'api-events';

/** Events (seed: "Event Management"). */
export const EVENT_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/events',
    operationId: 'processEvent',
    body: processEventBody,
    functionId: f,
    auth: 'iam',
    summary: 'Process an event: store, route to waiting steps, publish',
    successStatus: 202,
    response: processEventResponse,
  },
  {
    method: 'GET',
    path: '/events',
    operationId: 'listEvents',
    query: listEventsQuery,
    functionId: f,
    auth: 'iam',
    summary: 'List events',
    successStatus: 200,
    response: eventPage,
  },
  {
    method: 'GET',
    path: '/events/{event_id}',
    operationId: 'getEvent',
    functionId: f,
    auth: 'iam',
    summary: 'Get event details',
    successStatus: 200,
    response: eventView,
  },
  {
    method: 'GET',
    path: '/correlations/{correlation_id}/events',
    operationId: 'listCorrelationEvents',
    query: correlationEventsQuery,
    functionId: f,
    auth: 'iam',
    summary: 'List events by correlation id',
    successStatus: 200,
    response: eventPage,
  },
];

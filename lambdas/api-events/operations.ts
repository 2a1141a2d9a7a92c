import { randomUUID } from 'node:crypto';
import type { ProcessEventBody } from '../../lib/core/api/schemas/events.ts';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { canonicalJson } from '../../lib/core/routing/filters.ts';
import { DeliveryError, routeEvent } from '../event-router/route.ts';
import { ConflictError, HttpError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { publish } from '../shared/events.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import { logger } from '../shared/powertools.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import {
  type EventQuery,
  getEvent,
  listEvents,
  markPublished,
  plainEvent,
  putEvent,
  type StoredEvent,
} from '../shared/repositories/events.ts';

const view = (e: StoredEvent): Record<string, unknown> => ({
  id: e.id,
  type: e.type,
  source: e.source,
  timestamp: e.timestamp,
  correlation_id: e.correlation_id ?? null,
  data: e.data,
  received_at: e.received_at,
  matched: e.matched ?? 0,
});

const sameEvent = (a: StewardEvent, b: StewardEvent): boolean =>
  canonicalJson([a.type, a.source, a.correlation_id ?? null, a.data]) ===
  canonicalJson([b.type, b.source, b.correlation_id ?? null, b.data]);

/**
 * POST /events: store (idempotent on id), route to waiting steps in-process, publish on the bus, answer 202. A
 * redelivery routes again (claims make that harmless, and it finishes a delivery cut short) and publishes only if the
 * first delivery did not.
 */
export async function processEvent(req: ApiRequest): Promise<ApiResult> {
  const body = req.body as ProcessEventBody;
  const now = new Date();
  const event: StewardEvent = {
    id: body.id ?? randomUUID(),
    type: body.type,
    source: body.source,
    timestamp: body.timestamp ? new Date(body.timestamp).toISOString() : now.toISOString(),
    ...(body.correlation_id ? { correlation_id: body.correlation_id } : {}),
    data: body.data,
  };
  const put = await putEvent(event, now);
  if (!put.created && !sameEvent(put.event, event)) {
    throw new ConflictError(`Event '${event.id}' was already received with different content`, { field: 'body.id' });
  }
  let matched: number;
  try {
    ({ matched } = await routeEvent(put.event, now));
  } catch (error) {
    if (!(error instanceof DeliveryError)) throw error;
    logger.warn('Event stored but not fully routed', { event_id: event.id, error: error.message });
    throw new HttpError(503, `${error.message}; send the same event id again to finish`, 'routing_incomplete', {
      event_id: event.id,
    });
  }
  if (!put.event.published_at) {
    try {
      await publish([plainEvent(put.event)]);
    } catch (error) {
      logger.warn('Event stored and routed but not published', { event_id: event.id, error: (error as Error).message });
      throw new HttpError(503, 'The event was stored and routed but not published; send it again', 'publish_failed', {
        event_id: event.id,
      });
    }
    await markPublished(event.id, new Date());
  }
  await recordAudit(req.caller, 'event.process', `event/${event.id}`, {
    type: event.type,
    source: event.source,
    matched,
    duplicate: !put.created,
  });
  return { body: { event_id: event.id, matched, duplicate: !put.created } };
}

function pageQuery(q: Record<string, string | undefined>): Pick<EventQuery, 'from' | 'to' | 'limit' | 'startKey'> {
  if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) {
    throw new ValidationError([{ field: 'query.from', message: 'must not be after query.to' }]);
  }
  return {
    ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
    ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
    limit: parseLimit(q.limit),
    startKey: decodeNextToken(q.next_token),
  };
}

async function page(query: EventQuery): Promise<ApiResult> {
  const { items, lastKey } = await listEvents(query);
  return { body: { events: items.map(view), count: items.length, next_token: encodeNextToken(lastKey) ?? null } };
}

/** GET /events: by type and/or correlation id, within a time range, newest first. */
export async function listEventsOp(req: ApiRequest): Promise<ApiResult> {
  const q = req.query;
  return page({
    ...pageQuery(q),
    ...(q.type ? { type: q.type } : {}),
    ...(q.correlation_id ? { correlationId: q.correlation_id } : {}),
  });
}

/** GET /correlations/{correlation_id}/events. */
export async function listCorrelationEventsOp(req: ApiRequest): Promise<ApiResult> {
  const id = req.params.correlation_id ?? '';
  if (id.length === 0 || id.length > 128) {
    throw new ValidationError([{ field: 'path.correlation_id', message: 'must be 1 to 128 characters' }]);
  }
  return page({ ...pageQuery(req.query), correlationId: id, ...(req.query.type ? { type: req.query.type } : {}) });
}

/** GET /events/{event_id}. */
export async function getEventOp(req: ApiRequest): Promise<ApiResult> {
  const id = req.params.event_id ?? '';
  const event = id.length > 0 && id.length <= 128 ? await getEvent(id) : undefined;
  if (!event) throw new NotFoundError('Event', id);
  return { body: view(event) };
}

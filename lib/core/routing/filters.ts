import { createHash } from 'node:crypto';

/**
 * Event filters of `event_wait` steps, and how an event is looked up against them.
 *
 * A waiter waits for `event_type` plus a filter: equality on named fields. A field name reads the event's top-level
 * `data` field of that name; `correlation_id` reads the event's `correlation_id` when `data` has no such field. The
 * waiter is stored under `WAIT#<event_type>#<hash of its filter>`, and the set of field names in use per event type is
 * kept, so routing an event costs one indexed lookup per key-set instead of a look at every waiter.
 */

/** A filter: field name → the value the event must carry. */
export type EventFilter = Record<string, unknown>;

/** The part of an event the router reads. */
export interface RoutableEvent {
  type: string;
  correlation_id?: string | undefined;
  data: Record<string, unknown>;
}

/**
 * Normalises a filter value so that equal-looking values hash alike: numbers, booleans and numeric strings compare by
 * their text (`42` equals `"42"`: a context value reached through JSONPath may be either), objects and arrays by
 * canonical JSON (keys sorted). `null` and absent differ: absent fields never match.
 */
export function normaliseValue(value: unknown): string {
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `s:${String(value)}`;
  if (typeof value === 'boolean') return `s:${String(value)}`;
  if (value === null) return 'null';
  return `j:${canonicalJson(value)}`;
}

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` are one text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The sorted field names of a filter: the key-set it belongs to. */
export function keySetOf(filter: EventFilter): string[] {
  return Object.keys(filter)
    .filter((k) => filter[k] !== undefined)
    .sort();
}

/**
 * A stable hash of a filter: independent of key order, values normalised ({@link normaliseValue}). 128 bits of
 * SHA-256, base64url; the router still checks the filter itself on every candidate, so a collision cannot mis-route.
 */
export function filterHash(filter: EventFilter): string {
  const pairs = keySetOf(filter).map((k) => [k, normaliseValue(filter[k])]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('base64url').slice(0, 22);
}

/** The value an event carries for a filter field, or undefined when it has none. */
export function eventValue(event: RoutableEvent, key: string): unknown {
  if (Object.hasOwn(event.data, key)) return event.data[key];
  if (key === 'correlation_id') return event.correlation_id;
  return undefined;
}

/**
 * The event's values for a key-set, as a filter a waiter with that key-set would hold; undefined when the event lacks
 * one of the fields (then no waiter of that key-set can match it).
 */
export function projectEvent(event: RoutableEvent, keys: readonly string[]): EventFilter | undefined {
  const out: EventFilter = {};
  for (const key of keys) {
    const value = eventValue(event, key);
    if (value === undefined) return undefined;
    out[key] = value;
  }
  return out;
}

/** Whether an event satisfies a filter (every field present and equal after normalisation). */
export function matchesFilter(event: RoutableEvent, filter: EventFilter): boolean {
  return keySetOf(filter).every((key) => {
    const value = eventValue(event, key);
    return value !== undefined && normaliseValue(value) === normaliseValue(filter[key]);
  });
}

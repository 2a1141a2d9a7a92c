/**
 * The routes of an event type (its filter key-sets, and whether waits without a filter exist), and the short-lived
 * cache a warm router keeps of them.
 *
 * Why a cache is safe here: a router may route on a cached list only when, AFTER it wrote the event as an early event
 * under the empty key-set, the list is at most {@link routesCacheMs} old (see {@link RoutesCache.fresh}). A route the
 * cached list lacks was created after the list was read, so every event routed on that list was written by the
 * creation time + the cache lifetime. A waiter that finds its route new (not yet settled) waits out that lifetime
 * ({@link routeFenceMs}, measured from when its own registration of the route returned, so on its own clock) before it
 * looks for early events, and then sees every such event; once one waiter has waited it out it marks the route
 * settled, and later waiters look at once. Only durations on each side's own clocks are compared, never two
 * machines' clocks.
 */

import { setTimeout as sleep } from 'node:timers/promises';

/** How long a router trusts the routes it read (ms); STEWARD_ROUTES_CACHE_MS overrides it (tests use it). */
export const DEFAULT_ROUTES_CACHE_MS = 1_000;

/** Parses STEWARD_ROUTES_CACHE_MS: a non-negative integer of ms (0 turns the cache off); else the default. */
export function routesCacheMs(raw: string | undefined): number {
  return raw !== undefined && /^\d{1,7}$/.test(raw.trim()) ? Number(raw.trim()) : DEFAULT_ROUTES_CACHE_MS;
}

/**
 * How long a waiter of a route not yet settled waits before it looks for early events: the routers' cache lifetime
 * plus a margin for the two clocks' rates and timer lateness (a timer fires late, never early, so the margin only
 * covers rates).
 */
export function routeFenceMs(cacheMs: number): number {
  return cacheMs === 0 ? 0 : cacheMs + Math.max(50, Math.ceil(cacheMs / 10));
}

/**
 * Resolves once `ms` have passed on the monotonic clock since `fromMono` (a timer may fire a little early): how a
 * fence is waited out, by a waiter of a new route and by a declarer of a new type alike.
 */
export async function waitUntil(fromMono: number, ms: number): Promise<void> {
  for (let left = fromMono + ms - performance.now(); left > 0; left = fromMono + ms - performance.now()) {
    await sleep(Math.ceil(left));
  }
}

/** What the router needs to know of an event type before it reads any waiter. */
export interface TypeRoutes {
  /** The non-empty key-sets in use. */
  keySets: string[][];
  /** Whether waits without a filter were ever registered for the type (their waiters are then read every time). */
  unfiltered: boolean;
  /**
   * Whether some workflow version may wait for the type: it declared the type before its runs could start, or a
   * wait of the type was registered (a route, a live waiter without a filter, a legacy key-set). When not, and
   * every version's waits are known to be declared, the router stores the event and nothing else (see
   * {@link RoutesCache.freshEntry} and docs/engine.md, "Declared waits").
   */
  declared: boolean;
}

/**
 * The CloudFormation type of the custom resource that declares a stack's waits (lib/constructs/registration.ts),
 * by which the registrar tells it from a registration.
 */
export const WAIT_DECLARATIONS_RESOURCE_TYPE = 'Custom::StewardWaitDeclarations';

/** A route as stored (`route_keys`): `:` then the sorted keys joined by `,`, so the empty key-set is `:`. */
export const encodeRoute = (keys: readonly string[]): string => `:${[...keys].sort().join(',')}`;

/** The inverse of {@link encodeRoute}. */
export function decodeRoute(encoded: string): string[] {
  const body = encoded.startsWith(':') ? encoded.slice(1) : encoded;
  return body === '' ? [] : body.split(',');
}

/** Two readings taken at one moment: wall time (survives a frozen process) and a monotonic time (survives steps). */
export interface Instant {
  wall: number;
  mono: number;
}

/**
 * Routes per event type, each kept with the instant taken BEFORE the read that returned them. Bounded: past
 * `maxTypes` the oldest entry is dropped.
 */
export class RoutesCache {
  private readonly entries = new Map<string, { routes: TypeRoutes; at: Instant }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxTypes = 512,
  ) {}

  /** Keeps what a read returned; `readStartedAt` is taken before that read was sent. */
  put(eventType: string, routes: TypeRoutes, readStartedAt: Instant): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(eventType);
    this.entries.set(eventType, { routes, at: readStartedAt });
    if (this.entries.size > this.maxTypes) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /**
   * The cached routes if, by both clocks, they were read at most the lifetime before `now`; call it after the early
   * event under the empty key-set was written. Either clock alone can mislead (a frozen container's monotonic clock
   * may not advance; the wall clock can be stepped), so both must say fresh.
   */
  fresh(eventType: string, now: Instant): TypeRoutes | undefined {
    return this.freshEntry(eventType, now)?.routes;
  }

  /** {@link fresh}, with the instant taken before the read that returned the routes. */
  freshEntry(eventType: string, now: Instant): { routes: TypeRoutes; at: Instant } | undefined {
    const entry = this.entries.get(eventType);
    if (!entry) return undefined;
    const wallAge = now.wall - entry.at.wall;
    const monoAge = now.mono - entry.at.mono;
    if (wallAge < 0 || monoAge < 0 || wallAge > this.ttlMs || monoAge > this.ttlMs) {
      this.entries.delete(eventType);
      return undefined;
    }
    return entry;
  }
}

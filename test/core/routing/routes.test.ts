import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROUTES_CACHE_MS,
  decodeRoute,
  encodeRoute,
  RoutesCache,
  routeFenceMs,
  routesCacheMs,
} from '../../../lib/core/routing/routes.ts';

const routes = { keySets: [['task_id']], unfiltered: false, declared: true };

describe('routes cache', () => {
  it('answers while both clocks say the read is at most the lifetime old', () => {
    const cache = new RoutesCache(1_000);
    cache.put('t', routes, { wall: 10_000, mono: 500 });

    expect(cache.fresh('t', { wall: 11_000, mono: 1_500 })).toEqual(routes);
    expect(cache.fresh('other', { wall: 11_000, mono: 1_500 })).toBeUndefined();
  });

  it('is stale when either clock says too old, or went backwards', () => {
    const at = { wall: 10_000, mono: 500 };
    const cases = [
      { wall: 11_001, mono: 600 }, // a frozen container: the monotonic clock did not move
      { wall: 10_100, mono: 1_501 }, // the wall clock was stepped back
      { wall: 9_999, mono: 600 },
      { wall: 10_100, mono: 499 },
    ];
    for (const now of cases) {
      const cache = new RoutesCache(1_000);
      cache.put('t', routes, at);
      expect(cache.fresh('t', now)).toBeUndefined();
      // A stale entry is dropped: a later, younger-looking reading does not bring it back.
      expect(cache.fresh('t', at)).toBeUndefined();
    }
  });

  it('never answers a read older than the lifetime, for any readings (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: -10_000, max: 10_000 }),
        fc.integer({ min: -10_000, max: 10_000 }),
        (ttl, dWall, dMono) => {
          const cache = new RoutesCache(ttl);
          cache.put('t', routes, { wall: 50_000, mono: 50_000 });
          const hit = cache.fresh('t', { wall: 50_000 + dWall, mono: 50_000 + dMono });
          const fresh = ttl > 0 && dWall >= 0 && dMono >= 0 && dWall <= ttl && dMono <= ttl;
          expect(hit !== undefined).toBe(fresh);
        },
      ),
    );
  });

  it('keeps at most maxTypes types, dropping the oldest', () => {
    const cache = new RoutesCache(1_000, 2);
    const at = { wall: 0, mono: 0 };
    for (const t of ['a', 'b', 'c']) cache.put(t, routes, at);

    expect(cache.fresh('a', at)).toBeUndefined();
    expect(cache.fresh('b', at)).toEqual(routes);
    expect(cache.fresh('c', at)).toEqual(routes);
  });

  it('lets a waiter fence last longer than the cache lifetime, and not at all without a cache', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 600_000 }), (ms) => routeFenceMs(ms) > ms));
    expect(routeFenceMs(0)).toBe(0);
  });

  it('parses STEWARD_ROUTES_CACHE_MS', () => {
    expect(routesCacheMs(undefined)).toBe(DEFAULT_ROUTES_CACHE_MS);
    expect(routesCacheMs('250')).toBe(250);
    expect(routesCacheMs('0')).toBe(0);
    for (const bad of ['-1', '1.5', 'soon', '']) expect(routesCacheMs(bad)).toBe(DEFAULT_ROUTES_CACHE_MS);
  });

  it('encodes routes so that the empty key-set is distinct and every key-set round-trips', () => {
    expect(encodeRoute([])).toBe(':');
    expect(decodeRoute(':')).toEqual([]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), { maxLength: 5 }), (keys) => {
        expect(decodeRoute(encodeRoute(keys))).toEqual([...keys].sort());
      }),
    );
  });
});

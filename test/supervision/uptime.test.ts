import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RecordedResult, uptime } from '../../lib/core/supervision/uptime.ts';

const MIN = 60_000;
const H = 60 * MIN;

describe('uptime from recorded check results', () => {
  it('holds each recorded status until the next record of that check', () => {
    const results: RecordedResult[] = [
      { at: 0, check: 'http', status: 'healthy', latency_ms: 10 },
      { at: 5 * MIN, check: 'http', status: 'unhealthy', latency_ms: 1000 },
      { at: 8 * MIN, check: 'http', status: 'healthy', latency_ms: 30 },
    ];
    const u = uptime(results, 0, 10 * MIN);
    expect(u.observed_ms).toBe(10 * MIN);
    expect(u.up_ms).toBe(7 * MIN);
    expect(u.ratio).toBeCloseTo(0.7);
    expect(u.results).toBe(3);
    expect(u.latency).toEqual({ avg: 346.7, p95: 1000, max: 1000 });
  });

  it('counts a gap longer than the heartbeat allowance as not observed, not as up', () => {
    const results: RecordedResult[] = [
      { at: 0, check: 'http', status: 'healthy' },
      { at: 2 * H, check: 'http', status: 'unhealthy' },
    ];
    const u = uptime(results, 0, 2 * H + 30 * MIN, 15 * MIN);
    // Up for 15 min after the first record, then nothing known until 2 h, then down for 15 min (stale after).
    expect(u.observed_ms).toBe(30 * MIN);
    expect(u.up_ms).toBe(15 * MIN);
    expect(u.ratio).toBe(0.5);
  });

  it('is down while any check is unhealthy, and uses the record before the window for its start', () => {
    const results: RecordedResult[] = [
      { at: -MIN, check: 'tcp', status: 'healthy' },
      { at: -MIN, check: 'http', status: 'unhealthy' },
      { at: 4 * MIN, check: 'http', status: 'degraded' },
    ];
    const u = uptime(results, 0, 10 * MIN);
    expect(u.up_ms).toBe(6 * MIN);
    expect(u.observed_ms).toBe(10 * MIN);
    // Only results inside the window are counted and measured.
    expect(u.results).toBe(1);
  });

  it('says nothing (null) when nothing was observed; unknown results are not observations', () => {
    expect(uptime([], 0, H).ratio).toBeNull();
    expect(uptime([{ at: 0, check: 'http', status: 'unknown' }], 0, H)).toMatchObject({ ratio: null, observed_ms: 0 });
    expect(uptime([{ at: 2 * H, check: 'http', status: 'healthy' }], 0, H).results).toBe(0);
  });

  const result = fc.record({
    at: fc.integer({ min: -2 * H, max: 26 * H }),
    check: fc.constantFrom('http', 'tcp', 'ecs'),
    status: fc.constantFrom('unknown', 'healthy', 'degraded', 'unhealthy') as fc.Arbitrary<RecordedResult['status']>,
    latency_ms: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
  });

  it('keeps 0 ≤ up ≤ observed ≤ the window, whatever the records (property)', () => {
    fc.assert(
      fc.property(fc.array(result, { maxLength: 60 }), fc.integer({ min: MIN, max: 48 * H }), (rs, gap) => {
        const u = uptime(rs, 0, 24 * H, gap);
        expect(u.up_ms).toBeGreaterThanOrEqual(0);
        expect(u.up_ms).toBeLessThanOrEqual(u.observed_ms);
        expect(u.observed_ms).toBeLessThanOrEqual(24 * H);
        if (u.ratio !== null) expect(u.ratio).toBeGreaterThanOrEqual(0);
        if (u.ratio !== null) expect(u.ratio).toBeLessThanOrEqual(1);
        // Order of the input does not matter.
        expect(uptime([...rs].reverse(), 0, 24 * H, gap)).toEqual(u);
      }),
    );
  });

  it('lets the more severe of two results of one check at the same instant hold, in either order', () => {
    const at = [
      { at: 4, check: 'http', status: 'unknown' as const },
      { at: 4, check: 'http', status: 'unhealthy' as const },
    ];
    const u = uptime(at, 0, 60_000, 60_000);
    expect(u).toMatchObject({ observed_ms: 60_000 - 4, up_ms: 0, ratio: 0 });
    expect(uptime([...at].reverse(), 0, 60_000, 60_000)).toEqual(u);
  });

  it('is 100 % with only passing checks and 0 % with only failing ones (property)', () => {
    fc.assert(
      fc.property(fc.array(result, { minLength: 1, maxLength: 40 }), (rs) => {
        const healthy = uptime(
          rs.map((r) => ({ ...r, status: 'healthy' as const })),
          0,
          24 * H,
        );
        const down = uptime(
          rs.map((r) => ({ ...r, status: 'unhealthy' as const })),
          0,
          24 * H,
        );
        if (healthy.observed_ms > 0) expect(healthy.ratio).toBe(1);
        if (down.observed_ms > 0) expect(down.ratio).toBe(0);
        expect(healthy.observed_ms).toBe(down.observed_ms);
      }),
    );
  });
});

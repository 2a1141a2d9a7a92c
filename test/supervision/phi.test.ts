import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUPERVISION_DEFAULTS } from '../../lib/core/supervision/defaults.ts';
import { initialPhiState, isSuspected, phi, phiHeartbeat } from '../../lib/core/supervision/phi.ts';

const settings = { ...SUPERVISION_DEFAULTS.phi_accrual };

describe('phi-accrual detector (Akka defaults)', () => {
  it('stays low while heartbeats arrive on time and rises past 8 once they stop', () => {
    let s = initialPhiState(10_000);
    for (let t = 0; t <= 2_000_000; t += 10_000) s = phiHeartbeat(s, t, settings);
    expect(phi(s, 2_000_000 + 10_000, settings)).toBeLessThan(1);
    // Acceptable pause is 3 s: 12.5 s after the last beat is still fine, 16 s is not (sd shrinks towards 100 ms).
    expect(isSuspected(s, 2_000_000 + 12_500, settings)).toBe(false);
    expect(isSuspected(s, 2_000_000 + 16_000, settings)).toBe(true);
    expect(phi(s, 2_000_000 + 20_000, settings)).toBeGreaterThan(settings.threshold);
  });

  it('jittery heartbeats widen the distribution, so the same gap is less suspicious', () => {
    let steady = initialPhiState(10_000);
    let jittery = initialPhiState(10_000);
    let t1 = 0;
    let t2 = 0;
    for (let i = 0; i < 50; i++) {
      t1 += 10_000;
      t2 += i % 2 === 0 ? 6_000 : 14_000;
      steady = phiHeartbeat(steady, t1, settings);
      jittery = phiHeartbeat(jittery, t2, settings);
    }
    expect(phi(jittery, t2 + 15_000, settings)).toBeLessThan(phi(steady, t1 + 15_000, settings));
  });

  it('phi never decreases as time passes without a heartbeat (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 100, max: 60_000 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 120_000 }),
        (gaps, extra) => {
          let s = initialPhiState(10_000);
          let t = 0;
          s = phiHeartbeat(s, t, settings);
          for (const g of gaps) {
            t += g;
            s = phiHeartbeat(s, t, settings);
          }
          return phi(s, t + extra + 1_000, settings) >= phi(s, t + extra, settings) - 1e-9;
        },
      ),
    );
  });
});

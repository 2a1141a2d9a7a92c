import { describe, expect, it } from 'vitest';
import { functionMemory, resolveTierName, TIER_NAMES, tierConfig, UnknownTierError } from '../../lib/core/tiers.ts';

describe('tiers', () => {
  it.each([
    ['dev', 'dev'],
    ['tier_1', 'dev'],
    ['STAGING', 'staging'],
    ['tier_2', 'staging'],
    ['prod', 'prod'],
    [' tier_3 ', 'prod'],
  ])('resolves %s to %s', (given, want) => {
    expect(resolveTierName(given)).toBe(want);
  });

  it.each([['production'], [''], [3], [undefined]])('rejects %s naming the accepted values', (given) => {
    expect(() => tierConfig(given)).toThrow(UnknownTierError);
    expect(() => tierConfig(given)).toThrow(/dev\|staging\|prod/);
  });

  it('gets stricter from dev to prod', () => {
    const [dev, staging, prod] = TIER_NAMES.map((t) => tierConfig(t));
    expect(dev!.removalPolicy).toBe('destroy');
    expect(prod!.removalPolicy).toBe('retain');
    expect([dev!.pointInTimeRecovery, staging!.pointInTimeRecovery, prod!.pointInTimeRecovery]).toEqual([
      false,
      true,
      true,
    ]);
    expect(prod!.restartPolicy.max_restarts).toBeLessThan(dev!.restartPolicy.max_restarts);
    expect(prod!.alarms.lambdaErrors).toBeLessThanOrEqual(staging!.alarms.lambdaErrors);
    expect(staging!.alarms.lambdaErrors).toBeLessThanOrEqual(dev!.alarms.lambdaErrors);
    expect(prod!.historyRetentionDays).toBeGreaterThan(dev!.historyRetentionDays);
  });

  it.each([
    [512, 1, 512],
    [512, 1.5, 768],
    [100, 1, 128],
    [1000, 1.5, 1536],
    [9000, 1.5, 10240],
  ])('memory %i MB × %f → %i MB', (mb, factor, want) => {
    expect(functionMemory(mb, { ...tierConfig('dev'), lambdaMemoryFactor: factor })).toBe(want);
  });
});

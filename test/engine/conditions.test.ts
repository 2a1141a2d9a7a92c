import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isConditionFailure, written } from '../../lambdas/shared/repositories/conditions.ts';

const refused = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('conditional writes', () => {
  it('tell a refused condition, by class or by name (another copy of the SDK), from any other error', () => {
    expect(isConditionFailure(refused())).toBe(true);
    expect(isConditionFailure(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' }))).toBe(true);
    expect(isConditionFailure(Object.assign(new Error('x'), { name: 'TransactionCanceledException' }))).toBe(false);
    expect(isConditionFailure(undefined)).toBe(false);
  });

  it('answer true when written, false when refused, and throw anything else', async () => {
    expect(await written(Promise.resolve({}))).toBe(true);
    expect(await written(Promise.reject(refused()))).toBe(false);
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    await expect(written(Promise.reject(throttled))).rejects.toBe(throttled);
  });
});

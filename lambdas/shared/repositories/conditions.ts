import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Conditional writes. Every state change is a conditional write; a refused condition is an answer, not a failure:
 * another writer got there first, the record moved on, the claim was taken. These two are how the repositories tell
 * it from an error.
 */

/**
 * True when DynamoDB refused a write because of its condition. Judged by the error's class and, since a bundle may
 * hold more than one copy of the SDK's classes, by its name as well.
 */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as Error)?.name === 'ConditionalCheckFailedException';

/** Awaits a conditional write: true when written, false when its condition was refused; other errors are thrown. */
export async function written(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Reading and writing DynamoDB past one page, in one place: every "all items of this partition" read goes through the
 * SDK's own paginator, and batch writes and reads retry their unprocessed items with jittered exponential backoff
 * (as the DynamoDB documentation asks) and throw when items are still left, instead of silently dropping them.
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ddb } from '../clients/dynamodb.ts';

type Item = Record<string, unknown>;

/** Items a batch could not process after every retry. */
export class UnprocessedItemsError extends Error {
  override readonly name = 'UnprocessedItemsError';
  constructor(
    readonly operation: 'BatchWriteItem' | 'BatchGetItem',
    readonly remaining: number,
  ) {
    super(`${operation} left ${remaining} item(s) unprocessed after ${BATCH_RETRY.attempts} attempts`);
  }
}

/** Retries of unprocessed batch items: full jitter over an exponential ceiling. */
export const BATCH_RETRY = { attempts: 8, baseMs: 50, capMs: 2_000 } as const;

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) =>
    setTimeout(resolve, Math.random() * Math.min(BATCH_RETRY.capMs, BATCH_RETRY.baseMs * 2 ** attempt)),
  );

/** Every item a Query returns, over all its pages. */
export async function queryAll<T = Item>(input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateQuery({ client: ddb }, input)) items.push(...((page.Items ?? []) as T[]));
  return items;
}

/** Writes (puts or deletes) any number of requests to one table, 25 per call; throws if some never go through. */
export async function batchWriteAll(table: string, requests: readonly Item[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Item[] = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_RETRY.attempts) throw new UnprocessedItemsError('BatchWriteItem', pending.length);
      if (attempt > 0) await pause(attempt);
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as Item[];
    }
  }
}

/** Reads any number of keys from one table, 100 per call; throws if some are never read. */
export async function batchGetAll<T = Item>(
  table: string,
  keys: readonly Item[],
  options: Omit<NonNullable<BatchGetCommandInput['RequestItems']>[string], 'Keys'> = {},
): Promise<T[]> {
  const items: T[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] = keys.slice(i, i + 100);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_RETRY.attempts) throw new UnprocessedItemsError('BatchGetItem', pending.length);
      if (attempt > 0) await pause(attempt);
      const out = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { ...options, Keys: pending } } }));
      items.push(...((out.Responses?.[table] ?? []) as T[]));
      pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return items;
}

/**
 * The concurrency limit of a workflow (`concurrency: { max_running, on_limit }`). The running count lives in one
 * counter item; a start takes a slot with a conditional increment (`running < max_running`), so the limit holds
 * however many starts race. A start that finds no slot queues or is refused, as the definition says.
 */

/** A workflow's limit, as the definition states it. */
export interface ConcurrencyPolicy {
  max_running: number;
  on_limit: 'queue' | 'reject';
}

/** What a start does next. */
export type StartDecision = 'start' | 'queue' | 'reject';

/** Decides a start: with a slot it starts; without one it queues or is refused per `on_limit`. */
export function decideStart(policy: ConcurrencyPolicy | undefined, gotSlot: boolean): StartDecision {
  if (!policy || gotSlot) return 'start';
  return policy.on_limit === 'queue' ? 'queue' : 'reject';
}

/** Zero-padded queue position, so queue items sort by enqueue time then id. */
export function queueSortKey(enqueuedAtMs: number, executionId: string): string {
  return `${String(enqueuedAtMs).padStart(15, '0')}#${executionId}`;
}

import { randomUUID } from 'node:crypto';
import { ENV } from '../../lib/core/env.ts';
import { STEWARD_EVENT_SOURCE, type StewardEvent } from '../../lib/core/events/types.ts';
import { loadBusPut } from './clients/lazy.ts';
import { requireEnv } from './config.ts';

/** Builds an event in the seed's shape. */
export function stewardEvent<T extends Record<string, unknown>>(
  type: string,
  data: T,
  correlationId?: string,
  source = STEWARD_EVENT_SOURCE,
): StewardEvent<T> {
  return { id: randomUUID(), type, source, timestamp: new Date().toISOString(), correlation_id: correlationId, data };
}

/** Thrown when EventBridge refuses an entry (PutEvents reports failures per entry, not as an exception). */
export class PublishError extends Error {
  override readonly name = 'PublishError';
}

/**
 * Publishes events on Steward's bus (EVENT_BUS_NAME), ten per PutEvents call. Failed entries throw, so a caller
 * inside an asynchronous invocation is retried and, in the end, lands in its DLQ rather than losing the event.
 */
export async function publish(
  events: readonly StewardEvent[],
  options: { abortSignal?: AbortSignal } = {},
): Promise<void> {
  const bus = requireEnv(ENV.eventBus);
  const { eventBridge, PutEventsCommand } = await loadBusPut();
  for (let i = 0; i < events.length; i += 10) {
    const batch = events.slice(i, i + 10);
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: batch.map((e) => ({
          EventBusName: bus,
          Source: e.source,
          DetailType: e.type,
          Detail: JSON.stringify(e),
          Time: new Date(e.timestamp),
        })),
      }),
      options,
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const failed = (out.Entries ?? []).filter((e) => e.ErrorCode).map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`);
      throw new PublishError(`EventBridge refused ${out.FailedEntryCount} event(s): ${failed.join('; ')}`);
    }
  }
}

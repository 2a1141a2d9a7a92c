/** Pure helpers of the trigger handler: idempotency keys and context mapping from the triggering event. */

/** The idempotency key of a trigger: the EventBridge event id, or the schedule's time. */
export function triggerKey(input: {
  source: 'schedule' | 'event';
  event?: { id?: string; time?: string };
  scheduled_time?: string;
}): string | undefined {
  if (input.source === 'event') return input.event?.id ? `event:${input.event.id}` : undefined;
  const time = input.scheduled_time ?? input.event?.time;
  return time ? `schedule:${time}` : undefined;
}

function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The run's context: values that are JSONPath-like references to the event (`$.detail.task_id`) are read from it;
 * everything else is kept as given.
 */
export function resolveContext(context: Record<string, unknown>, event: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    out[key] = typeof value === 'string' && value.startsWith('$.') ? readPath(event, value.slice(2)) : value;
  }
  return out;
}

import { STEWARD_EVENT_SOURCE } from '../../lib/core/events/types.ts';
import { deployedWorkflowId } from '../../lib/core/execution/ids.ts';

/**
 * Pure helpers of the trigger handler: input checking, idempotency keys and context mapping from the triggering
 * event. Checked by hand rather than with zod: the trigger bundle stays small (zod adds ~450 KB minified).
 */

/** What schedules and event rules send to the trigger. */
export interface TriggerInput {
  workflow_id?: string;
  workflow_name?: string;
  version?: string;
  context?: Record<string, unknown>;
  source: 'schedule' | 'event';
  /** The EventBridge event that fired the rule (or the scheduled event). */
  event?: { id?: string; time?: string; [key: string]: unknown };
  /** The schedule's scheduled time (`<aws.scheduler.scheduled-time>`). */
  scheduled_time?: string;
}

/** One problem with a trigger input. */
export interface InputProblem {
  field: string;
  message: string;
}

const KEYS = new Set(['workflow_id', 'workflow_name', 'version', 'context', 'source', 'event', 'scheduled_time']);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a trigger input; returns it typed, or every problem found. */
export function checkTriggerInput(
  raw: unknown,
): { ok: true; input: TriggerInput } | { ok: false; problems: InputProblem[] } {
  if (!isObject(raw)) return { ok: false, problems: [{ field: 'input', message: 'must be an object' }] };
  const problems: InputProblem[] = [];
  for (const key of Object.keys(raw))
    if (!KEYS.has(key)) problems.push({ field: `input.${key}`, message: 'is not a known field' });
  const text = (key: string, max: number): void => {
    const v = raw[key];
    if (v !== undefined && (typeof v !== 'string' || v.length < 1 || v.length > max)) {
      problems.push({ field: `input.${key}`, message: `must be a string of 1 to ${max} characters` });
    }
  };
  text('workflow_id', 256);
  text('workflow_name', 256);
  text('version', 64);
  text('scheduled_time', 64);
  if (raw.workflow_id === undefined && raw.workflow_name === undefined) {
    problems.push({ field: 'input.workflow_id', message: 'workflow_id or workflow_name is required' });
  }
  if (raw.source !== 'schedule' && raw.source !== 'event') {
    problems.push({ field: 'input.source', message: "must be 'schedule' or 'event'" });
  }
  if (raw.context !== undefined && !isObject(raw.context))
    problems.push({ field: 'input.context', message: 'must be an object' });
  if (raw.event !== undefined) {
    if (!isObject(raw.event)) problems.push({ field: 'input.event', message: 'must be an object' });
    else
      for (const k of ['id', 'time'])
        if (raw.event[k] !== undefined && typeof raw.event[k] !== 'string') {
          problems.push({ field: `input.event.${k}`, message: 'must be a string' });
        }
  }
  return problems.length ? { ok: false, problems } : { ok: true, input: raw as unknown as TriggerInput };
}

/** The idempotency key of a trigger: the EventBridge event id, or the schedule's time. */
export function triggerKey(input: TriggerInput): string | undefined {
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

/**
 * Whether the triggering event was published by a run of the workflow this trigger would start: a Steward event
 * whose data names that workflow (`workflow_id`, carried by every `workflow.*` event; `workflow_type`, its name, by
 * the lifecycle ones). Starting a run from it would start runs without end, so the handler skips it. A workflow named
 * by `workflow_name` (deployed) has the id its name gives.
 */
export function publishedByTarget(input: TriggerInput): boolean {
  if (input.source !== 'event' || !isObject(input.event)) return false;
  const detail = input.event.detail;
  const source = input.event.source ?? (isObject(detail) ? detail.source : undefined);
  if (source !== STEWARD_EVENT_SOURCE || !isObject(detail) || !isObject(detail.data)) return false;
  const { workflow_id: id, workflow_type: name } = detail.data;
  if (input.workflow_id !== undefined && id === input.workflow_id) return true;
  if (input.workflow_name === undefined) return false;
  return name === input.workflow_name || id === deployedWorkflowId(input.workflow_name);
}

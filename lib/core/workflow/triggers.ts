/**
 * The inputs triggers send to the workflow-trigger function, shared by the deployed triggers (CDK) and those of
 * API-created workflows (created at run time), so both start runs the same way.
 */
import type { Trigger } from './schema.ts';

/** The schedule's time, substituted by EventBridge Scheduler on every tick: the start's idempotency key. */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/** Event-trigger context: each value names an event field (`detail.task_id`), as a `$.`-path the trigger reads. */
export function eventTriggerContext(context: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(context ?? {})) out[key] = field.startsWith('$.') ? field : `$.${field}`;
  return out;
}

/** Who a trigger starts: a workflow by name (deployed) or by id (API-created; its `live` version). */
export type TriggerTarget = { workflow_name: string } | { workflow_id: string };

/** The input of a schedule trigger (before EventBridge Scheduler substitutes the scheduled time). */
export function scheduleTriggerInput(
  target: TriggerTarget,
  trigger: Extract<Trigger, { type: 'schedule' }>,
): Record<string, unknown> {
  return { ...target, context: trigger.context ?? {}, source: 'schedule', scheduled_time: SCHEDULED_TIME };
}

/**
 * The input template of an event-trigger rule target: the whole event goes in as `event` (its id is the start's
 * idempotency key, its fields fill the context), through an input transformer mapping `<event>` to `$`.
 */
export function eventTriggerTemplate(target: TriggerTarget, trigger: Extract<Trigger, { type: 'event' }>): string {
  const fixed = JSON.stringify({ ...target, context: eventTriggerContext(trigger.context), source: 'event' });
  return `${fixed.slice(0, -1)},"event":<event>}`;
}

/**
 * Prefix of the schedules and rules of API-created workflows: the deployment's prefix and `api-trigger-`, so the
 * API's grant covers these and no rule or schedule the stacks create.
 */
export function apiTriggerPrefix(deploymentPrefix: string): string {
  return `${deploymentPrefix}api-trigger-`;
}

/**
 * Names of an API-created workflow's schedules and rules: under {@link apiTriggerPrefix}, unique per workflow and
 * trigger index, within the 64 characters both services allow.
 */
export function apiTriggerName(deploymentPrefix: string, workflowId: string, index: number): string {
  const prefix = apiTriggerPrefix(deploymentPrefix);
  const suffix = `-${index}`;
  const id = workflowId.replace(/-/g, '').slice(0, Math.max(8, 64 - prefix.length - suffix.length));
  return `${prefix}${id}${suffix}`.slice(0, 64);
}

import {
  DeleteRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, DeleteScheduleCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { ENV } from '../../lib/core/env.ts';
import type { Trigger } from '../../lib/core/workflow/schema.ts';
import { apiTriggerName, eventTriggerTemplate, scheduleTriggerInput } from '../../lib/core/workflow/triggers.ts';
import { eventBridge } from './clients/eventbridge.ts';
import { scheduler } from './clients/scheduler.ts';
import { requireEnv } from './config.ts';
import { ValidationError } from './errors.ts';

/**
 * The triggers of API-created workflows, as real EventBridge Scheduler schedules and rules on Steward's bus: each
 * targets the workflow-trigger function (never StartExecution), so every run gets its record, concurrency check and
 * idempotency, and starts the workflow's `live` version. Names are `<prefix>api-trigger-<workflow id>-<index>`, the
 * only names the API's role may manage.
 */
const PREFIX = requireEnv(ENV.stateMachinePrefix);
const BUS = requireEnv(ENV.eventBus);
const TARGET_ARN = requireEnv(ENV.workflowTriggerArn);
const SCHEDULER_ROLE_ARN = requireEnv(ENV.triggerSchedulerRoleArn);
const SCHEDULE_DLQ_ARN = requireEnv(ENV.triggerScheduleDlqArn);
const RULE_DLQ_ARN = requireEnv(ENV.triggerRuleDlqArn);
/** The same retry policies as the deployed triggers (lib/constructs/schedules.ts, steward-bus.ts). */
const SCHEDULE_RETRY = { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 };
const RULE_RETRY = { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 };
const TARGET_ID = 'workflow-trigger';

const named = (error: unknown, ...names: string[]): boolean => names.includes((error as Error)?.name);

/** Creates or replaces one schedule. */
async function putSchedule(name: string, workflowId: string, trigger: Extract<Trigger, { type: 'schedule' }>) {
  const input = {
    Name: name,
    ScheduleExpression: trigger.expression,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    State: 'ENABLED' as const,
    Description: `Starts workflow ${workflowId} (${trigger.expression})`,
    Target: {
      Arn: TARGET_ARN,
      RoleArn: SCHEDULER_ROLE_ARN,
      Input: JSON.stringify(scheduleTriggerInput({ workflow_id: workflowId }, trigger)),
      RetryPolicy: SCHEDULE_RETRY,
      DeadLetterConfig: { Arn: SCHEDULE_DLQ_ARN },
    },
  };
  try {
    await scheduler.send(new UpdateScheduleCommand(input));
  } catch (error) {
    if (!named(error, 'ResourceNotFoundException')) throw error;
    await scheduler.send(new CreateScheduleCommand(input));
  }
}

/** Creates or replaces one rule with its single target. */
async function putRule(name: string, workflowId: string, trigger: Extract<Trigger, { type: 'event' }>) {
  await eventBridge.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: BUS,
      EventPattern: JSON.stringify(trigger.pattern),
      State: 'ENABLED',
      Description: `Starts workflow ${workflowId} on matching events`,
    }),
  );
  const put = await eventBridge.send(
    new PutTargetsCommand({
      Rule: name,
      EventBusName: BUS,
      Targets: [
        {
          Id: TARGET_ID,
          Arn: TARGET_ARN,
          InputTransformer: {
            InputPathsMap: { event: '$' },
            InputTemplate: eventTriggerTemplate({ workflow_id: workflowId }, trigger),
          },
          RetryPolicy: RULE_RETRY,
          DeadLetterConfig: { Arn: RULE_DLQ_ARN },
        },
      ],
    }),
  );
  if (put.FailedEntryCount) {
    throw new Error(`rule ${name}: target not put: ${JSON.stringify(put.FailedEntries ?? [])}`);
  }
}

/** Removes trigger `index` of a workflow, whichever kind it was; a missing one is already removed. */
async function removeTrigger(workflowId: string, index: number): Promise<void> {
  const name = apiTriggerName(PREFIX, workflowId, index);
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name }));
  } catch (error) {
    if (!named(error, 'ResourceNotFoundException')) throw error;
  }
  try {
    await eventBridge.send(new RemoveTargetsCommand({ Rule: name, EventBusName: BUS, Ids: [TARGET_ID] }));
    await eventBridge.send(new DeleteRuleCommand({ Name: name, EventBusName: BUS }));
  } catch (error) {
    if (!named(error, 'ResourceNotFoundException')) throw error;
  }
}

/**
 * Makes a workflow's schedules and rules those of `triggers` (the live version's): trigger `i` is named by its
 * index, so a new version replaces each in place and removes those beyond its count (`previous` = the count the
 * replaced version had). A trigger whose kind changed is removed under its old kind first. What the services refuse
 * as invalid is a 400 naming the trigger.
 */
export async function syncTriggers(
  workflowId: string,
  triggers: readonly Trigger[],
  previous: readonly Trigger[] = [],
): Promise<void> {
  for (const [i, trigger] of triggers.entries()) {
    const name = apiTriggerName(PREFIX, workflowId, i);
    if (previous[i] && previous[i].type !== trigger.type) await removeTrigger(workflowId, i);
    try {
      if (trigger.type === 'schedule') await putSchedule(name, workflowId, trigger);
      else await putRule(name, workflowId, trigger);
    } catch (error) {
      if (named(error, 'ValidationException', 'InvalidEventPatternException')) {
        throw new ValidationError([{ field: `body.triggers[${i}]`, message: (error as Error).message }]);
      }
      throw error;
    }
  }
  for (let i = triggers.length; i < previous.length; i++) await removeTrigger(workflowId, i);
}

/** Removes every schedule and rule of a workflow (`triggers`: its live version's). */
export async function removeTriggers(workflowId: string, triggers: readonly Trigger[]): Promise<void> {
  for (let i = 0; i < triggers.length; i++) await removeTrigger(workflowId, i);
}

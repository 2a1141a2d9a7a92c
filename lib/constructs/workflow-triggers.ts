import * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Trigger } from '../core/workflow/schema.ts';
import type { ScheduleInvoker } from './schedules.ts';
import { StewardRule } from './steward-bus.ts';

/** Properties of {@link WorkflowTriggers}. */
export interface WorkflowTriggersProps {
  readonly workflowName: string;
  readonly triggers: readonly Trigger[];
  /** The `workflow-trigger` function: every run starts through it (record, concurrency, idempotency). */
  readonly target: lambda.IFunction;
  /** Steward's bus: event triggers match there. */
  readonly bus: events.IEventBus;
  /** Schedules of the `workflow-trigger` function. */
  readonly invoker: ScheduleInvoker;
  /** DLQ shared by the event-trigger rules of a stack. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * A workflow's `triggers`: each schedule becomes an EventBridge Scheduler schedule, each event pattern a rule on
 * Steward's bus; both send `{ workflow_name, context, source }` to the workflow-trigger function, never
 * StartExecution directly.
 */
export class WorkflowTriggers extends Construct {
  constructor(scope: Construct, id: string, props: WorkflowTriggersProps) {
    super(scope, id);
    // Schedules live in the invoker (one per stack): the workflow's slug keeps their ids unique there.
    const slug = props.workflowName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    props.triggers.forEach((trigger, i) => {
      if (trigger.type === 'schedule') {
        props.invoker.addSchedule(`${slug}-${i}`, {
          expression: trigger.expression,
          ...(trigger.timezone ? { timezone: trigger.timezone } : {}),
          purpose: `trigger:${props.workflowName}`,
          description: `Starts workflow ${props.workflowName} (${trigger.expression})`,
          // The scheduled time is the idempotency key of the start (a retried tick starts nothing new).
          input: {
            workflow_name: props.workflowName,
            context: trigger.context ?? {},
            source: 'schedule',
            scheduled_time: '<aws.scheduler.scheduled-time>',
          },
        });
        return;
      }
      // Context values name event fields; the trigger function reads them from the event it receives whole.
      const context: Record<string, string> = {};
      for (const [key, field] of Object.entries(trigger.context ?? {})) {
        context[key] = field.startsWith('$.') ? field : `$.${field}`;
      }
      new StewardRule(this, `Event${i}`, {
        purpose: `trigger:${props.workflowName}`,
        description: `Starts workflow ${props.workflowName} on matching events`,
        eventBus: props.bus,
        // Users write EventBridge's own JSON (`detail-type`, `$or`); CDK passes unknown keys through unchanged.
        eventPattern: trigger.pattern as events.EventPattern,
        target: props.target,
        deadLetterQueue: props.deadLetterQueue,
        input: events.RuleTargetInput.fromObject({
          workflow_name: props.workflowName,
          context,
          source: 'event',
          // The whole event: its id is the start's idempotency key, its fields fill the context.
          event: events.EventField.fromPath('$'),
        }),
      });
    });
  }
}

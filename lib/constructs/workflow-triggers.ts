import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Trigger } from '../core/workflow/schema.ts';
import { apiTriggerPrefix, eventTriggerContext, scheduleTriggerInput } from '../core/workflow/triggers.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { ScheduleInvoker } from './schedules.ts';
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
          input: scheduleTriggerInput({ workflow_name: props.workflowName }, trigger),
        });
        return;
      }
      // Context values name event fields; the trigger function reads them from the event it receives whole.
      const context = eventTriggerContext(trigger.context);
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

/** Properties of {@link ApiWorkflowTriggers}. */
export interface ApiWorkflowTriggersProps {
  /** The `workflow-trigger` function: the only target of API-created schedules and rules. */
  readonly target: lambda.IFunction;
  /** Name of Steward's bus, where the rules of event triggers live. */
  readonly busName: string;
  /** The deployment's prefix (`steward-dev_`): API-created schedules and rules are named `<prefix>api-trigger-…`. */
  readonly deploymentPrefix: string;
}

/**
 * What the triggers of API-created workflows need from the deployment: the role EventBridge Scheduler assumes to
 * invoke the trigger function (and to dead-letter), the dead-letter queues of schedules and rule targets, and the
 * trigger function's permission for rules named under the prefix on Steward's bus. The `api-workflows` function
 * creates the schedules and rules themselves, named `<prefix>…`, and may pass this role and no other.
 */
export class ApiWorkflowTriggers extends Construct {
  readonly schedulerRole: iam.IRole;
  readonly scheduleDeadLetterQueue: sqs.IQueue;
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** Name of Steward's bus. */
  readonly busName: string;
  /** ARN pattern of the rules API-created workflows may have (`…:rule/<bus>/<prefix>*`). */
  readonly ruleArnPattern: string;

  constructor(scope: Construct, id: string, props: ApiWorkflowTriggersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.busName = props.busName;
    const invoker = new ScheduleInvoker(this, 'Schedules', {
      target: props.target,
      purpose: 'schedules:api-workflow-trigger',
    });
    this.schedulerRole = invoker.role;
    this.scheduleDeadLetterQueue = invoker.deadLetterQueue.queue;
    this.ruleArnPattern = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: `${props.busName}/${apiTriggerPrefix(props.deploymentPrefix)}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const events = new iam.ServicePrincipal('events.amazonaws.com');
    const rules = new DeadLetterQueue(this, 'RulesDlq', { purpose: 'rules:api-workflow-trigger' }).queue;
    rules.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [events],
        actions: ['sqs:SendMessage'],
        resources: [rules.queueArn],
        conditions: { ArnLike: { 'aws:SourceArn': this.ruleArnPattern } },
      }),
    );
    this.ruleDeadLetterQueue = rules;
    // Rules are created at run time: the permission admits every rule under the prefix on Steward's bus, no other.
    props.target.addPermission('ApiTriggerRules', {
      principal: events,
      sourceArn: this.ruleArnPattern,
      sourceAccount: stack.account,
    });
  }
}

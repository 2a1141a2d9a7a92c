import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { parseScheduleExpression } from '../core/schedule.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** Metadata key local mode reads to reproduce a schedule (its value names the schedule's purpose). */
export const SCHEDULE_METADATA_KEY = 'steward:schedule';

/** Retry policy of every Steward schedule: a missed tick is worth retrying only within its own minute or so. */
export const SCHEDULE_RETRY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 } as const;

/** Properties of a {@link ScheduleInvoker}. */
export interface ScheduleInvokerProps {
  /** The function every schedule of this invoker calls. */
  readonly target: lambda.IFunction;
  /** Names the DLQ's purpose, e.g. `schedules:prober`. */
  readonly purpose: string;
}

/**
 * EventBridge Scheduler schedules for one target function: one scoped role (invoke that function, send to this DLQ)
 * and one DLQ shared by its schedules, so N schedules cost N resources plus four.
 */
export class ScheduleInvoker extends Construct {
  readonly role: iam.Role;
  readonly deadLetterQueue: DeadLetterQueue;
  private readonly target: lambda.IFunction;

  constructor(scope: Construct, id: string, props: ScheduleInvokerProps) {
    super(scope, id);
    this.target = props.target;
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', { purpose: props.purpose });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: `EventBridge Scheduler: invoke ${props.purpose}`,
    });
    // Unqualified ARN only: schedules invoke $LATEST, not arbitrary versions.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }),
    );
    this.deadLetterQueue.queue.grantSendMessages(this.role);
  }

  /**
   * Adds a schedule: `expression` is `rate(…)`, `cron(…)` or `at(…)` (checked with the same parser validation and
   * local mode use), in `timezone` (IANA, default UTC); `input` is the JSON the function receives.
   * Flexible time window off: probes and triggers are meant to run on the tick.
   */
  addSchedule(
    id: string,
    props: { expression: string; timezone?: string; input: unknown; purpose: string; description?: string },
  ): scheduler.CfnSchedule {
    try {
      parseScheduleExpression(props.expression, props.timezone);
    } catch (e) {
      throw new Error(`Schedule '${id}': ${(e as Error).message}`);
    }
    const schedule = new scheduler.CfnSchedule(this, id, {
      description: props.description ?? props.purpose,
      scheduleExpression: props.expression,
      scheduleExpressionTimezone: props.timezone ?? 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.target.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify(props.input),
        deadLetterConfig: { arn: this.deadLetterQueue.queue.queueArn },
        retryPolicy: { ...SCHEDULE_RETRY },
      },
    });
    schedule.addMetadata(SCHEDULE_METADATA_KEY, props.purpose);
    return schedule;
  }
}

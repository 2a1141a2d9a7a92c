import { RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import type { TierConfig } from '../core/tiers.ts';

/** Execution log events that change a run's status (the Express counterpart of the status-change events). */
export const EXPRESS_STATUS_EVENTS = [
  'ExecutionStarted',
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimedOut',
] as const;

/** Properties of {@link ExpressExecutionLogs}. */
export interface ExpressExecutionLogsProps {
  /** Deployment name: the log group is `/aws/vendedlogs/states/<deployment>-express`. */
  readonly deployment: string;
  /** Receives the status events of every Express execution of the deployment. */
  readonly statusHandler: lambda.IFunction;
  readonly tier: TierConfig;
}

/**
 * Where every Express state machine of the deployment logs (deployed and API-created), and the subscription that
 * hands their start and end events to the status handler. Step Functions emits no status-change events for Express
 * executions: without this their records would stay Running. One group, so one subscription filter serves them all
 * (CloudWatch Logs allows two per group) and its Lambda permission names this group only.
 */
export class ExpressExecutionLogs extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly subscription: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: ExpressExecutionLogsProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.deployment}-express`,
      retention: props.tier.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.tier.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // LambdaDestination adds the permission for logs.amazonaws.com with SourceArn = this group's ARN.
    this.subscription = new logs.SubscriptionFilter(this, 'ToStatusHandler', {
      logGroup: this.logGroup,
      destination: new destinations.LambdaDestination(props.statusHandler),
      filterPattern: logs.FilterPattern.any(
        ...EXPRESS_STATUS_EVENTS.map((type) => logs.FilterPattern.stringValue('$.type', '=', type)),
      ),
    });
  }
}

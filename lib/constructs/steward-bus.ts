import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** Metadata key local mode reads to wire a rule (its value names the rule's purpose). */
export const RULE_METADATA_KEY = 'steward:rule';

/** Retry policy of every Steward rule target: EventBridge retries for up to two hours, then the DLQ. */
export const TARGET_RETRY = { retryAttempts: 8, maxEventAgeHours: 2 } as const;

/** Properties of a {@link StewardRule}. */
export interface StewardRuleProps {
  /** Recorded as `steward:rule` metadata, e.g. `router`, `trigger:<workflow>`. */
  readonly purpose: string;
  readonly description: string;
  /** @default the account's default bus */
  readonly eventBus?: events.IEventBus;
  readonly eventPattern: events.EventPattern;
  readonly target: lambda.IFunction;
  /**
   * Input sent to the function instead of the event.
   * @default - the matched event
   */
  readonly input?: events.RuleTargetInput;
  /**
   * Queue for events the target could not take after the retries.
   * @default - a new queue for this rule
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** A rule to one Lambda target with Steward's retry policy and a DLQ of its own. */
export class StewardRule extends Construct {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: StewardRuleProps) {
    super(scope, id);
    this.deadLetterQueue =
      props.deadLetterQueue ?? new DeadLetterQueue(this, 'Dlq', { purpose: `rule:${props.purpose}` }).queue;
    this.rule = new events.Rule(this, 'Rule', {
      description: props.description,
      eventBus: props.eventBus,
      eventPattern: props.eventPattern,
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.target, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: TARGET_RETRY.retryAttempts,
        maxEventAge: Duration.hours(TARGET_RETRY.maxEventAgeHours),
        event: props.input,
      }),
    );
    (this.rule.node.defaultChild as events.CfnRule).addMetadata(RULE_METADATA_KEY, props.purpose);
  }
}

/** Properties of a {@link StewardBus}. */
export interface StewardBusProps {
  /** Bus name (the deployment name). */
  readonly busName: string;
  /** Receives every event on the bus and resumes matching waiters. */
  readonly eventRouter: lambda.IFunction;
  /** Receives Step Functions status changes of this deployment's state machines (from the default bus). */
  readonly statusHandler: lambda.IFunction;
  /** Prefix of this deployment's state machines (`steward-dev-`). */
  readonly stateMachinePrefix: string;
}

/**
 * Steward's custom bus with the rules owned by the workflow side: every event → the event router; Step Functions
 * status changes of this deployment (they arrive on the account's DEFAULT bus) → the status handler. The
 * supervision rules (`service.advertised` → discovery, alert-worthy events → alerts) are {@link StewardRule}s on
 * this bus created next to their functions in the monitoring stack.
 */
export class StewardBus extends Construct {
  readonly bus: events.EventBus;
  readonly routerRule: StewardRule;
  readonly statusRule: StewardRule;

  constructor(scope: Construct, id: string, props: StewardBusProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9._-]{1,256}$/.test(props.busName) || props.busName === 'default') {
      throw new Error(`StewardBus: busName '${props.busName}' must be 1-256 of [A-Za-z0-9._-] and not 'default'`);
    }
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName });
    this.bus.applyRemovalPolicy(RemovalPolicy.DESTROY);
    this.routerRule = new StewardRule(this, 'Router', {
      purpose: 'router',
      description: 'Every event on the bus to the event router (it resumes matching event_wait steps)',
      eventBus: this.bus,
      // An empty prefix matches every source: producers' events and Steward's own.
      eventPattern: { source: events.Match.prefix('') },
      target: props.eventRouter,
    });
    const stack = Stack.of(this);
    this.statusRule = new StewardRule(this, 'Status', {
      purpose: 'status',
      description: "Step Functions status changes of this deployment's state machines to the status handler",
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: events.Match.prefix(
            stack.formatArn({
              service: 'states',
              resource: 'stateMachine',
              resourceName: props.stateMachinePrefix,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        },
      },
      target: props.statusHandler,
    });
  }
}

import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Metadata key naming what a queue collects (local mode and `steward dlq` list them). */
export const DLQ_METADATA_KEY = 'steward:dlq';

/** Properties of a {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What fails into this queue, e.g. `rule:router` or `function:restarter` (recorded as metadata). */
  readonly purpose: string;
  /**
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Steward's dead-letter queue: SQS-managed SSE, TLS enforced, 14 days of retention (SQS's maximum) so a failure
 * can be inspected and redriven (`steward dlq redrive`, SQS's own message-move task) well after it happened.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    if (!props.purpose.trim()) throw new Error(`DeadLetterQueue '${id}': purpose must be non-empty (received '')`);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    (this.queue.node.defaultChild as sqs.CfnQueue).addMetadata(DLQ_METADATA_KEY, props.purpose);
    Validations.of(this.queue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue (of an EventBridge target, a schedule or an async Lambda).',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'This queue is itself a dead-letter queue: its messages are redriven by the operator, not by another queue.',
      },
    );
  }
}

import { randomUUID } from 'node:crypto';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION } from '../aws/errors.ts';
import type { QueryOperations } from '../aws/server.ts';

/** Options of {@link SnsService}. */
export interface SnsOptions {
  /** Delivers the SNS event to a subscribed Lambda function (asynchronously: an `async` invoke). */
  invokeLambda(functionArn: string, event: unknown): Promise<unknown>;
  region?: string;
  account?: string;
}

/**
 * Local SNS: topics, Lambda subscriptions, Publish (query protocol) delivering the Lambda SNS event shape
 * (`{ Records: [{ EventSource: 'aws:sns', Sns: { Message, Subject, TopicArn, MessageId, Timestamp, … } }] }`).
 */
export class SnsService {
  private readonly topics = new Map<string, Set<string>>();
  /** Every message published (newest last), for the status page and tests. */
  readonly published: Array<{ topicArn: string; messageId: string; subject?: string; message: string }> = [];

  constructor(private readonly options: SnsOptions) {}

  /** Creates a topic (idempotent) and returns its ARN. */
  createTopic(name: string): string {
    const arn = `arn:aws:sns:${this.options.region ?? LOCAL_REGION}:${this.options.account ?? LOCAL_ACCOUNT}:${name}`;
    if (!this.topics.has(arn)) this.topics.set(arn, new Set());
    return arn;
  }

  /** Subscribes a Lambda function to a topic. */
  subscribeLambda(topicArn: string, functionArn: string): void {
    this.subscribers(topicArn).add(functionArn);
  }

  /** Publishes a message; delivery to subscribers happens in the background. */
  publish(topicArn: string, message: string, subject?: string, attributes: Record<string, unknown> = {}): string {
    const subscribers = this.subscribers(topicArn);
    const messageId = randomUUID();
    this.published.push({ topicArn, messageId, subject, message });
    for (const fn of subscribers) {
      const event = {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
            Sns: {
              Type: 'Notification',
              MessageId: messageId,
              TopicArn: topicArn,
              Subject: subject ?? null,
              Message: message,
              Timestamp: new Date().toISOString(),
              SignatureVersion: '1',
              Signature: 'local',
              SigningCertUrl: '',
              UnsubscribeUrl: '',
              MessageAttributes: attributes,
            },
          },
        ],
      };
      void this.options.invokeLambda(fn, event).catch(() => undefined);
    }
    return messageId;
  }

  private subscribers(topicArn: string): Set<string> {
    const set = this.topics.get(topicArn);
    if (!set) throw new AwsError('NotFound', `Topic does not exist: ${topicArn}`, 404);
    return set;
  }

  /** Query-protocol operations: Publish, CreateTopic, Subscribe (lambda protocol), ListTopics. */
  operations(): QueryOperations {
    return {
      Publish: (p) => {
        const topicArn =
          typeof p.TopicArn === 'string' ? p.TopicArn : typeof p.TargetArn === 'string' ? p.TargetArn : '';
        if (!topicArn) throw new AwsError('InvalidParameter', 'Invalid parameter: TopicArn or TargetArn is required');
        if (typeof p.Message !== 'string' || p.Message.length === 0)
          throw new AwsError('InvalidParameter', 'Invalid parameter: Message');
        return { MessageId: this.publish(topicArn, p.Message, typeof p.Subject === 'string' ? p.Subject : undefined) };
      },
      CreateTopic: (p) => {
        if (typeof p.Name !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(p.Name))
          throw new AwsError('InvalidParameter', 'Invalid parameter: Name');
        return { TopicArn: this.createTopic(p.Name) };
      },
      Subscribe: (p) => {
        if (p.Protocol !== 'lambda' || typeof p.Endpoint !== 'string' || typeof p.TopicArn !== 'string') {
          throw new AwsError('InvalidParameter', 'Only the lambda protocol is supported locally');
        }
        this.subscribeLambda(p.TopicArn, p.Endpoint);
        return { SubscriptionArn: `${p.TopicArn}:${randomUUID()}` };
      },
      ListTopics: () => ({ Topics: [...this.topics.keys()].map((TopicArn) => ({ TopicArn })) }),
    };
  }
}

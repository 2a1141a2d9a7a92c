import { createHash, randomUUID } from 'node:crypto';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, requireString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';

interface Message {
  id: string;
  body: string;
  attributes: Record<string, unknown>;
  receiptHandle?: string;
  invisibleUntil: number;
  receiveCount: number;
  sentAt: number;
}

interface Queue {
  name: string;
  arn: string;
  url: string;
  messages: Message[];
  visibilityTimeoutSeconds: number;
}

/**
 * A small SQS for local DLQs: CreateQueue, GetQueueUrl, SendMessage, ReceiveMessage (visibility timeout),
 * DeleteMessage, GetQueueAttributes (ApproximateNumberOfMessages…), PurgeQueue and StartMessageMoveTask (redrive
 * from a DLQ back to its source queue, or to a given destination).
 */
export class SqsService {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly baseUrl: () => string = () => 'http://127.0.0.1',
    private readonly region = LOCAL_REGION,
    private readonly account = LOCAL_ACCOUNT,
  ) {}

  /** Creates a queue (idempotent); returns its URL. */
  createQueue(name: string): string {
    let q = this.queues.get(name);
    if (!q) {
      q = {
        name,
        arn: `arn:aws:sqs:${this.region}:${this.account}:${name}`,
        url: `${this.baseUrl()}/${this.account}/${name}`,
        messages: [],
        visibilityTimeoutSeconds: 30,
      };
      this.queues.set(name, q);
    }
    return q.url;
  }

  /** Enqueues a message on a queue named by name, URL or ARN (EventBridge/Lambda DLQ targets use this). */
  send(queue: string, body: string, attributes: Record<string, unknown> = {}): string {
    const q = this.queue(queue);
    const id = randomUUID();
    q.messages.push({ id, body, attributes, invisibleUntil: 0, receiveCount: 0, sentAt: Date.now() });
    return id;
  }

  /** Messages currently held by a queue (status page). */
  depth(queue: string): number {
    return this.queue(queue).messages.length;
  }

  private queue(ref: unknown): Queue {
    const name =
      String(ref ?? '')
        .split(/[/:]/)
        .pop() ?? '';
    const q = this.queues.get(name);
    if (!q)
      throw new AwsError(
        'AWS.SimpleQueueService.NonExistentQueue',
        `The specified queue does not exist: ${String(ref)}`,
      );
    return q;
  }

  /** The JSON operations (SQS's awsJson1_0 protocol). */
  operations(): JsonOperations {
    return {
      CreateQueue: (i) => ({ QueueUrl: this.createQueue(requireString(i, 'QueueName', 'InvalidParameterValue')) }),
      GetQueueUrl: (i) => ({ QueueUrl: this.queue(requireString(i, 'QueueName', 'InvalidParameterValue')).url }),
      ListQueues: () => ({ QueueUrls: [...this.queues.values()].map((q) => q.url) }),
      SendMessage: (i) => {
        const body = requireString(i, 'MessageBody', 'MissingParameter');
        const id = this.send(String(i.QueueUrl), body, (i.MessageAttributes as Record<string, unknown>) ?? {});
        return { MessageId: id, MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
      },
      ReceiveMessage: (i) => {
        const q = this.queue(i.QueueUrl);
        const max = typeof i.MaxNumberOfMessages === 'number' ? Math.min(Math.max(i.MaxNumberOfMessages, 1), 10) : 1;
        const visibility = typeof i.VisibilityTimeout === 'number' ? i.VisibilityTimeout : q.visibilityTimeoutSeconds;
        const now = Date.now();
        const picked = q.messages.filter((m) => m.invisibleUntil <= now).slice(0, max);
        for (const m of picked) {
          m.receiptHandle = randomUUID();
          m.invisibleUntil = now + visibility * 1000;
          m.receiveCount++;
        }
        return {
          Messages: picked.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receiptHandle,
            Body: m.body,
            MD5OfBody: createHash('md5').update(m.body).digest('hex'),
            Attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
          })),
        };
      },
      DeleteMessage: (i) => {
        const q = this.queue(i.QueueUrl);
        const handle = requireString(i, 'ReceiptHandle', 'ReceiptHandleIsInvalid');
        const index = q.messages.findIndex((m) => m.receiptHandle === handle);
        if (index < 0) throw new AwsError('ReceiptHandleIsInvalid', 'The input receipt handle is invalid.');
        q.messages.splice(index, 1);
        return {};
      },
      PurgeQueue: (i) => {
        this.queue(i.QueueUrl).messages.length = 0;
        return {};
      },
      GetQueueAttributes: (i) => {
        const q = this.queue(i.QueueUrl);
        const now = Date.now();
        return {
          Attributes: {
            QueueArn: q.arn,
            ApproximateNumberOfMessages: String(q.messages.filter((m) => m.invisibleUntil <= now).length),
            ApproximateNumberOfMessagesNotVisible: String(q.messages.filter((m) => m.invisibleUntil > now).length),
            VisibilityTimeout: String(q.visibilityTimeoutSeconds),
          },
        };
      },
      StartMessageMoveTask: (i) => {
        const source = this.queue(requireString(i, 'SourceArn', 'InvalidParameterValue'));
        if (typeof i.DestinationArn !== 'string') {
          throw new AwsError('InvalidParameterValue', 'DestinationArn is required locally (no redrive policy is kept)');
        }
        const destination = this.queue(i.DestinationArn);
        const moved = source.messages.splice(0, source.messages.length);
        for (const m of moved)
          destination.messages.push({ ...m, invisibleUntil: 0, receiveCount: 0, receiptHandle: undefined });
        return {
          TaskHandle: Buffer.from(JSON.stringify({ source: source.arn, moved: moved.length })).toString('base64'),
        };
      },
    };
  }
}

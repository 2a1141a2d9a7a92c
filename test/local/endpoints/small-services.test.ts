import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { CloudWatchService } from '../../../lib/local/cloudwatch/index.ts';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import { SnsService } from '../../../lib/local/sns/index.ts';
import { SqsService } from '../../../lib/local/sqs/index.ts';
import { eventually, fixtureFunction, sdkConfig } from './helpers.ts';

describe('local CloudWatch, SNS and SQS', () => {
  let runner: LambdaRunner;
  let cloudWatch: CloudWatchService;
  let sns: SnsService;
  let sqs: SqsService;
  let endpoint: AwsEndpoint;

  beforeAll(async () => {
    runner = new LambdaRunner({ functions: [fixtureFunction('counter', 'counter')] });
    cloudWatch = new CloudWatchService();
    sns = new SnsService({ invokeLambda: (arn, event) => runner.invoke(arn, event, { async: true }) });
    let url = '';
    sqs = new SqsService(() => url);
    endpoint = await startAwsEndpoint({
      port: 0,
      services: { cloudWatch: cloudWatch.operations(), sns: sns.operations(), sqs: sqs.operations(), lambda: runner },
    });
    url = endpoint.url;
  });

  afterAll(async () => {
    await endpoint.close();
    await runner.close();
  });

  it('records PutMetricData from the SDK and EMF lines from function logs', async () => {
    const cw = new CloudWatchClient(sdkConfig(endpoint.url));
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Steward',
        MetricData: [
          {
            MetricName: 'ProbeLatency',
            Value: 12,
            Unit: 'Milliseconds',
            Dimensions: [{ Name: 'service', Value: 'orders' }],
          },
        ],
      }),
    );
    cw.destroy();
    const emf = JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: 'Steward',
            Dimensions: [['service']],
            Metrics: [{ Name: 'ProbeLatency', Unit: 'Milliseconds' }],
          },
        ],
      },
      service: 'orders',
      ProbeLatency: [30, 6],
    });
    expect(cloudWatch.ingestLogLine(emf)).toBe(2);
    expect(cloudWatch.ingestLogLine('{"level":"INFO","message":"not a metric"}')).toBe(0);
    const [series] = cloudWatch.metrics();
    expect(series).toMatchObject({ namespace: 'Steward', name: 'ProbeLatency', dimensions: { service: 'orders' } });
    expect(series?.points.map((p) => p.value)).toEqual([12, 30, 6]);
    const minutes = series?.minutes ?? [];
    expect(minutes.reduce((s, m) => s + m.count, 0)).toBe(3);
    expect(Math.min(...minutes.map((m) => m.min))).toBe(6);
    expect(Math.max(...minutes.map((m) => m.max))).toBe(30);
  });

  it('publishes to an SNS topic and delivers the SNS event to a subscribed function', async () => {
    const topic = sns.createTopic('steward-alerts');
    sns.subscribeLambda(topic, 'arn:aws:lambda:us-east-1:000000000000:function:counter');
    const client = new SNSClient(sdkConfig(endpoint.url));
    const out = await client.send(new PublishCommand({ TopicArn: topic, Message: 'orders is down', Subject: 'ALERT' }));
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(client.send(new PublishCommand({ TopicArn: `${topic}-x`, Message: 'x' }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    client.destroy();
    const seen = await eventually(async () => {
      await runner.drain();
      const r = await runner.invoke('counter', { read: true });
      return r.ok && (r.payload as unknown[]).length > 0
        ? (r.payload as Array<{ Records: Array<{ EventSource: string; Sns: Record<string, unknown> }> }>)
        : undefined;
    });
    expect(seen[0]?.Records[0]?.EventSource).toBe('aws:sns');
    expect(seen[0]?.Records[0]?.Sns).toMatchObject({
      Message: 'orders is down',
      Subject: 'ALERT',
      TopicArn: topic,
      MessageId: out.MessageId,
    });
  });

  it('sends, receives, deletes and redrives SQS messages', async () => {
    const client = new SQSClient(sdkConfig(endpoint.url));
    const dlq = sqs.createQueue('steward-dlq');
    const source = sqs.createQueue('steward-work');
    await client.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: '{"failed":1}' }));
    await client.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: '{"failed":2}' }));
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('2');
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('{"failed":1}');
    await client.send(
      new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: received.Messages?.[0]?.ReceiptHandle }),
    );
    await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: 'arn:aws:sqs:us-east-1:000000000000:steward-dlq',
        DestinationArn: 'arn:aws:sqs:us-east-1:000000000000:steward-work',
      }),
    );
    const moved = await client.send(new ReceiveMessageCommand({ QueueUrl: source, MaxNumberOfMessages: 10 }));
    expect(moved.Messages?.map((m) => m.Body)).toEqual(['{"failed":2}']);
    expect(sqs.depth('steward-dlq')).toBe(0);
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${endpoint.url}/000000000000/missing`, MessageBody: 'x' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    client.destroy();
  });
});

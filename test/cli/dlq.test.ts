import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../lib/cli/dlq.ts';

const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(sqs);
const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/steward-dev-router-dlq';
const arn = 'arn:aws:sqs:us-east-1:123456789012:steward-dev-router-dlq';

describe('steward dlq', () => {
  let lines: string[] = [];
  const out = (line: string): void => {
    lines.push(line);
  };

  beforeEach(() => {
    mock.reset();
    lines = [];
    mock.on(GetQueueUrlCommand).resolves({ QueueUrl: url });
    mock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: arn, ApproximateNumberOfMessages: '7' } });
  });

  it('lists only the dead-letter queues with their depth', async () => {
    mock.on(ListQueuesCommand).resolves({ QueueUrls: [url, 'https://sqs.us-east-1.amazonaws.com/1/steward-dev-work'] });

    const code = await run(['list', '--prefix', 'steward-dev'], { sqs, out });

    expect(code).toBe(0);
    expect(lines).toEqual([`7\t${url}`]);
    expect(mock.commandCalls(ListQueuesCommand)[0]?.args[0].input).toEqual({ QueueNamePrefix: 'steward-dev' });
  });

  it('redrives a queue by name back to its source with the given rate', async () => {
    mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h-1' });

    const code = await run(['redrive', 'steward-dev-router-dlq', '--rate', '10'], { sqs, out });

    expect(code).toBe(0);
    expect(mock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: arn,
      DestinationArn: undefined,
      MaxNumberOfMessagesPerSecond: 10,
    });
    expect(lines[0]).toContain('Moving 7 message(s)');
  });

  it.each([
    [['redrive'], 'redrive needs a QUEUE'],
    [['redrive', 'q', '--rate', '0'], '--rate must be a whole number from 1 to 500'],
    [['status'], 'status needs a QUEUE'],
    [['explode'], "Unknown action 'explode'"],
  ])('refuses %j with a one-line usage message on stderr and exit 2', async (argv, message) => {
    const errors: string[] = [];
    const code = await run(argv as string[], { sqs, out, err: (line) => errors.push(line) });

    expect(code).toBe(2);
    expect(errors.join('\n')).toContain(message);
    expect(lines).toEqual([]);
    expect(mock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('reports the progress of move tasks', async () => {
    mock.on(ListMessageMoveTasksCommand).resolves({
      Results: [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: 7 }],
    });

    const code = await run(['status', url], { sqs, out });

    expect(code).toBe(0);
    expect(lines).toEqual(['RUNNING\tmoved 3/7']);
    expect(mock.commandCalls(GetQueueUrlCommand)).toHaveLength(0);
  });
});

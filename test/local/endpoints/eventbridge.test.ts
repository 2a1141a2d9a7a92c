import {
  DescribeRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { EventBridgeService } from '../../../lib/local/eventbridge/index.ts';
import { LambdaRunner } from '../../../lib/local/lambda/index.ts';
import { LocalScheduler } from '../../../lib/local/scheduler.ts';
import { eventually, fixtureFunction, sdkConfig } from './helpers.ts';

const COUNTER = 'arn:aws:lambda:us-east-1:000000000000:function:counter';

describe('local EventBridge', () => {
  const dlq: Array<{ payload: unknown; error: string }> = [];
  let runner: LambdaRunner;
  let events: EventBridgeService;
  let scheduler: LocalScheduler;
  let endpoint: AwsEndpoint;
  let client: EventBridgeClient;

  beforeAll(async () => {
    runner = new LambdaRunner({ functions: [fixtureFunction('counter', 'counter'), fixtureFunction('echo', 'echo')] });
    scheduler = new LocalScheduler(600);
    events = new EventBridgeService({
      invokers: { lambda: (arn, payload) => runner.invoke(arn, payload) },
      scheduler,
      retryDelayMs: 10,
    });
    events.createBus('steward');
    endpoint = await startAwsEndpoint({ port: 0, services: { events: events.operations() } });
    client = new EventBridgeClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    events.close();
    scheduler.close();
    client.destroy();
    await endpoint.close();
    await runner.close();
  });

  const seen = async (): Promise<unknown[]> => {
    const r = await runner.invoke('counter', { read: true });
    return r.ok ? (r.payload as unknown[]) : [];
  };

  it('delivers a matching event to a Lambda target through an input transformer, and skips others', async () => {
    const rule = await client.send(
      new PutRuleCommand({
        Name: 'task-completed',
        EventBusName: 'steward',
        EventPattern: JSON.stringify({
          source: ['steward'],
          'detail-type': ['agent.task_completed'],
          detail: { data: { task_id: [{ prefix: 't-' }] } },
        }),
      }),
    );
    expect(rule.RuleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/steward/task-completed');
    await client.send(
      new PutTargetsCommand({
        Rule: 'task-completed',
        EventBusName: 'steward',
        Targets: [
          {
            Id: 'router',
            Arn: COUNTER,
            InputTransformer: {
              InputPathsMap: { task: '$.detail.data.task_id', type: '$.detail-type', detail: '$.detail' },
              InputTemplate:
                '{"task": "<task>", "type": "<type>", "rule": "<aws.events.rule-name>", "detail": <detail>}',
            },
          },
        ],
      }),
    );
    const put = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'steward',
            Source: 'steward',
            DetailType: 'agent.task_completed',
            Detail: JSON.stringify({ data: { task_id: 't-1' } }),
          },
          {
            EventBusName: 'steward',
            Source: 'steward',
            DetailType: 'agent.task_completed',
            Detail: JSON.stringify({ data: { task_id: 'x-2' } }),
          },
          { EventBusName: 'nope', Source: 'steward', DetailType: 'x', Detail: '{}' },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(put.Entries?.[2]?.ErrorCode).toBe('ResourceNotFoundException');
    await events.drain();
    expect(await seen()).toEqual([
      { task: 't-1', type: 'agent.task_completed', rule: 'task-completed', detail: { data: { task_id: 't-1' } } },
    ]);
    const recent = events.recentEvents().filter((e) => e.bus === 'steward');
    expect(recent.map((e) => e.matchedRules)).toEqual([['task-completed'], []]);
    expect(recent[0]?.event).toMatchObject({
      version: '0',
      source: 'steward',
      'detail-type': 'agent.task_completed',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
    });
  });

  it('hands an event to the target DLQ after failed retries', async () => {
    events.addRule({
      name: 'failing',
      pattern: { source: ['test.fail'] },
      targets: [
        { Id: 'f', Arn: COUNTER, InputPath: '$.detail', deadLetter: (payload, error) => dlq.push({ payload, error }) },
      ],
    });
    events.putEvents([{ Source: 'test.fail', DetailType: 'x', Detail: JSON.stringify({ failAlways: true }) }]);
    await events.drain();
    expect(dlq).toEqual([{ payload: { failAlways: true }, error: 'Error: always fails' }]);
  });

  it('lets deliveries in flight finish when asked to drain, within the time given', async () => {
    const ECHO = 'arn:aws:lambda:us-east-1:000000000000:function:echo';
    events.addRule({
      name: 'slow',
      pattern: { source: ['test.slow'] },
      targets: [{ Id: 'e', Arn: ECHO, InputPath: '$.detail' }],
    });
    const put = (sleepMs: number) =>
      events.putEvents([{ Source: 'test.slow', DetailType: 'x', Detail: JSON.stringify({ sleepMs }) }]);
    put(300);
    const t0 = performance.now();
    expect(await events.drain(5_000)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    put(2_000);
    const t1 = performance.now();
    expect(await events.drain(100)).toBe(false);
    expect(performance.now() - t1).toBeLessThan(1_500);
    await events.drain();
  });

  it('runs scheduled rules with the Scheduled Event envelope', async () => {
    const rule = events.addRule({
      name: 'tick',
      schedule: 'rate(1 minute)',
      targets: [{ Id: 't', Arn: COUNTER, Input: '{"tick":true}' }],
    });
    const ticks = async () => (await seen()).filter((e) => (e as { tick?: boolean }).tick).length;
    await eventually(async () => ((await ticks()) >= 1 ? true : undefined));
    rule.schedule?.stop();
    await events.drain();
    // A target without Input gets the event itself (one rule at a time: the counter's environments each keep
    // their own list, and deliveries one after another go to the same one).
    const whole = events.addRule({ name: 'tock', schedule: 'rate(1 minute)', targets: [{ Id: 'w', Arn: COUNTER }] });
    const scheduled = async () =>
      (await seen()).filter((e) => (e as { 'detail-type'?: string })['detail-type'] === 'Scheduled Event');
    await eventually(async () => ((await scheduled()).length >= 1 ? true : undefined));
    whole.schedule?.stop();
    await events.drain();
    const [envelope] = await scheduled();
    expect(envelope).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [whole.Arn],
      detail: {},
    });
  });

  it('answers bad patterns, unknown rules and TestEventPattern like AWS', async () => {
    await expect(
      client.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"x"}' })),
    ).rejects.toBeInstanceOf(InvalidEventPatternException);
    await expect(client.send(new DescribeRuleCommand({ Name: 'missing' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    const t = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"detail":{"n":[{"numeric":[">",1]}]}}',
        Event: '{"detail":{"n":2}}',
      }),
    );
    expect(t.Result).toBe(true);
  });
});

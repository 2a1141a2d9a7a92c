import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerKey } from '../../../lambdas/workflow-trigger/input.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { LocalScheduler } from '../../../lib/local/scheduler.ts';
import { SchedulerService } from '../../../lib/local/scheduler-service.ts';
import { eventually, sdkConfig } from './helpers.ts';

const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:workflow-trigger';
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';

describe('local EventBridge Scheduler', () => {
  const invoked: Array<{ arn: string; payload: Record<string, unknown> }> = [];
  let scheduler: LocalScheduler;
  let service: SchedulerService;
  let endpoint: AwsEndpoint;
  let client: SchedulerClient;

  beforeAll(async () => {
    scheduler = new LocalScheduler(600); // rate(1 minute) every 100 ms
    service = new SchedulerService({
      scheduler,
      invokeLambda: async (arn, payload) => {
        invoked.push({ arn, payload: payload as Record<string, unknown> });
        return { ok: true, payload: null };
      },
    });
    endpoint = await startAwsEndpoint({ port: 0, services: { scheduler: service.operations() } });
    client = new SchedulerClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    service.close();
    scheduler.close();
    client.destroy();
    await endpoint.close();
  });

  const input = JSON.stringify({
    workflow_id: 'w1',
    source: 'schedule',
    scheduled_time: '<aws.scheduler.scheduled-time>',
    execution: '<aws.scheduler.execution-id>',
    attempt: '<aws.scheduler.attempt-number>',
    schedule: '<aws.scheduler.schedule-arn>',
    other: '<aws.scheduler.not-an-attribute>',
  });

  it('fires a rate(1 minute) schedule on every tick with the context attributes substituted', async () => {
    const created = await client.send(
      new CreateScheduleCommand({
        Name: 'steward-dev-every-minute',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: TARGET, RoleArn: ROLE, Input: input },
      }),
    );

    const runs = await eventually(() => {
      const mine = invoked.filter((i) => i.payload.schedule === created.ScheduleArn);
      return mine.length >= 3 ? mine.slice(0, 3).map((i) => i.payload) : undefined;
    });
    await client.send(new DeleteScheduleCommand({ Name: 'steward-dev-every-minute' }));

    expect(created.ScheduleArn).toBe(
      'arn:aws:scheduler:us-east-1:000000000000:schedule/default/steward-dev-every-minute',
    );
    const times = runs.map((r) => Date.parse(String(r.scheduled_time)));
    for (const r of runs) expect(String(r.scheduled_time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(times[1]! - times[0]!).toBe(60_000);
    expect(times[2]! - times[1]!).toBe(60_000);
    expect(new Set(runs.map((r) => r.execution)).size).toBe(3);
    expect(runs.map((r) => r.attempt)).toEqual(['1', '1', '1']);
    expect(runs[0]?.other).toBe('<aws.scheduler.not-an-attribute>');
    // Each tick is a new start for the trigger, not a duplicate of the first.
    const keys = runs.map((r) => triggerKey({ source: 'schedule', scheduled_time: String(r.scheduled_time) }));
    expect(new Set(keys).size).toBe(3);
  });

  it('updates and deletes a schedule; a deleted schedule no longer runs on the clock', async () => {
    const base = {
      Name: 'steward-dev-changing',
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: { Arn: TARGET, RoleArn: ROLE, Input: '{"n":1}' },
    };
    await client.send(new CreateScheduleCommand(base));

    const again = client.send(new CreateScheduleCommand(base));
    await expect(again).rejects.toBeInstanceOf(ConflictException);
    await client.send(new UpdateScheduleCommand({ ...base, Target: { ...base.Target, Input: '{"n":2}' } }));
    const read = await client.send(new GetScheduleCommand({ Name: base.Name }));
    expect(read.Target?.Input).toBe('{"n":2}');
    await client.send(new DeleteScheduleCommand({ Name: base.Name }));

    expect(scheduler.list().map((h) => h.name)).not.toContain('default/steward-dev-changing');
    await expect(client.send(new GetScheduleCommand({ Name: base.Name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new DeleteScheduleCommand({ Name: base.Name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('refuses what EventBridge Scheduler refuses', async () => {
    const bad = client.send(
      new CreateScheduleCommand({
        Name: 'steward-dev-bad',
        ScheduleExpression: 'every minute',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: TARGET, RoleArn: ROLE },
      }),
    );
    await expect(bad).rejects.toBeInstanceOf(ValidationException);
    const noGroup = client.send(
      new CreateScheduleCommand({
        Name: 'steward-dev-nogroup',
        GroupName: 'missing',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: TARGET, RoleArn: ROLE },
      }),
    );
    await expect(noGroup).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

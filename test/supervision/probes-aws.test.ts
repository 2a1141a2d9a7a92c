import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../lambdas/shared/probes/index.ts';
import { startHttpService, startTcpServer, type TestHttpService } from './support/servers.ts';

const ecs = mockClient((await import('../../lambdas/shared/clients/ecs.ts')).ecs);
const lambda = mockClient((await import('../../lambdas/shared/clients/lambda.ts')).lambda);
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/apps';
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:deep-check';

beforeEach(() => {
  ecs.reset();
  lambda.reset();
});

describe('ECS probe (ECS mocked)', () => {
  const spec = { name: 'web', ecs: { cluster: CLUSTER, service_name: 'web' } };
  it.each([
    ['all desired tasks running and healthy', 2, 2, ['HEALTHY', 'HEALTHY'], true, '2/2 tasks running'],
    ['fewer running than desired', 1, 2, ['HEALTHY'], false, '1/2 tasks running'],
    ['a task marked UNHEALTHY', 2, 2, ['HEALTHY', 'UNHEALTHY'], false, '2/2 tasks running, 1 unhealthy'],
  ] as const)('%s', async (_label, running, desired, health, ok, message) => {
    ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [{ serviceName: 'web', runningCount: running, desiredCount: desired }] });
    ecs.on(ListTasksCommand).resolves({ taskArns: health.map((_, i) => `arn:task/${i}`) });
    ecs
      .on(DescribeTasksCommand)
      .resolves({ tasks: health.map((h, i) => ({ taskArn: `arn:task/${i}`, healthStatus: h })) });
    const result = await runCheck(spec, { name: 'tasks', type: 'ecs' });
    expect(result).toMatchObject({ ok, message });
    if (health.includes('UNHEALTHY' as never)) expect(result.bad_tasks).toEqual(['arn:task/1']);
  });

  it('fails when the service is missing or there is no cluster', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    expect((await runCheck(spec, { name: 'tasks', type: 'ecs' })).ok).toBe(false);
    expect(await runCheck({ name: 'x' }, { name: 'tasks', type: 'ecs' })).toMatchObject({
      ok: false,
      message: 'no ECS cluster known for this service',
    });
  });
});

describe('custom probe (Lambda mocked)', () => {
  beforeAll(() => {
    process.env.CUSTOM_CHECK_FUNCTION_ARNS = `${FN},arn:aws:lambda:us-east-1:123456789012:function:other`;
  });
  afterAll(() => {
    delete process.env.CUSTOM_CHECK_FUNCTION_ARNS;
  });
  const payload = (v: unknown) => ({
    StatusCode: 200,
    Payload: new Uint8Array(Buffer.from(JSON.stringify(v))) as never,
  });
  it.each([
    ['a healthy verdict', payload({ healthy: true, message: 'fine' }), true, 'fine'],
    ['an unhealthy verdict', payload({ healthy: false, message: 'queue stuck' }), false, 'queue stuck'],
    ['a malformed verdict', payload({ ok: 1 }), false, 'verdict is not { healthy: boolean }'],
    ['a function error', { StatusCode: 200, FunctionError: 'Unhandled' }, false, 'function error: Unhandled'],
  ] as const)('%s', async (_label, answer, ok, message) => {
    lambda.on(InvokeCommand).resolves(answer as never);
    expect(
      await runCheck({ name: 'svc' }, { name: 'deep', type: 'custom', function_arn: FN, payload: { depth: 2 } }),
    ).toMatchObject({ ok, message });
    const sent = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array).toString(),
    );
    expect(sent).toEqual({ service: 'svc', depth: 2 });
  });

  it("never invokes a function that is not one of the deployment's custom-check functions", async () => {
    lambda.on(InvokeCommand).resolves(payload({ healthy: true }) as never);
    const foreign = 'arn:aws:lambda:us-east-1:123456789012:function:delete-everything';

    const result = await runCheck({ name: 'svc' }, { name: 'x', type: 'custom', function_arn: foreign });

    expect(result).toMatchObject({
      ok: false,
      message: `${foreign} is not one of the deployment's custom-check functions`,
    });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});

describe('check defaults resolved from the service', () => {
  let svc: TestHttpService;
  let tcp: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    svc = await startHttpService();
    tcp = await startTcpServer(() => undefined);
  });
  afterAll(async () => {
    await svc.close();
    await tcp.close();
  });
  it('http uses base_url + path, tcp the service port and base_url host', async () => {
    expect((await runCheck({ name: 's', base_url: svc.url }, { name: 'h', type: 'http', path: '/health' })).ok).toBe(
      true,
    );
    expect(
      (await runCheck({ name: 's', base_url: 'http://127.0.0.1', port: tcp.port }, { name: 't', type: 'tcp' })).ok,
    ).toBe(true);
  });
});

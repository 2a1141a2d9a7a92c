import { createServer } from 'node:net';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListTasksCommand,
  ServiceNotFoundException,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { EcsService } from '../../../lib/local/ecs/index.ts';
import { eventually, sdkConfig } from './helpers.ts';

const SERVICE_SCRIPT = new URL('../fixtures/http-service.mjs', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('local ECS', () => {
  const output: string[] = [];
  let ecs: EcsService;
  let endpoint: AwsEndpoint;
  let client: ECSClient;
  let apiPort: number;

  beforeAll(async () => {
    ecs = new EcsService({
      onOutput: (_s, _stream, line) => output.push(line),
      replaceDelayMs: 100,
      stopGraceMs: 1000,
      handleSignals: false,
    });
    const [dbPort, port] = [await freePort(), await freePort()];
    apiPort = port;
    // Declared dependent-first: the start order must still put the dependency first.
    ecs.defineService({
      cluster: 'steward',
      name: 'api',
      command: [process.execPath, SERVICE_SCRIPT],
      env: { PORT: String(apiPort), NAME: 'api' },
      port: apiPort,
      dependsOn: ['db'],
    });
    ecs.defineService({
      cluster: 'steward',
      name: 'db',
      command: [process.execPath, SERVICE_SCRIPT],
      env: { PORT: String(dbPort), NAME: 'db' },
      port: dbPort,
    });
    await ecs.start();
    endpoint = await startAwsEndpoint({ port: 0, services: { ecs: ecs.operations() } });
    client = new ECSClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
    const pid = ecs.pidOf('api');
    await ecs.close();
    // No orphans: the process is gone after close().
    expect(() => process.kill(pid!, 0)).toThrow();
  });

  const describeApi = async () =>
    (await client.send(new DescribeServicesCommand({ cluster: 'steward', services: ['api'] }))).services?.[0];

  it('starts services in dependency order and reports them running', async () => {
    // A service counts as started once its port accepts connections; its "listening" line on stdout may come after.
    const starts = await eventually(() => {
      const lines = output.filter((l) => l.startsWith('listening')).map((l) => l.split(' ')[1]);
      return lines.length >= 2 ? lines : undefined;
    });
    expect(starts.slice(0, 2)).toEqual(['db', 'api']);
    const svc = await describeApi();
    expect(svc).toMatchObject({ serviceName: 'api', desiredCount: 1, runningCount: 1, status: 'ACTIVE' });
    expect(svc?.deployments?.[0]?.rolloutState).toBe('COMPLETED');
    const clusters = await client.send(new ListClustersCommand({}));
    expect(clusters.clusterArns).toEqual(['arn:aws:ecs:us-east-1:000000000000:cluster/steward']);
  });

  it('restarts the process on UpdateService forceNewDeployment (new pid)', async () => {
    const before = ecs.pidOf('api');
    await client.send(new UpdateServiceCommand({ cluster: 'steward', service: 'api', forceNewDeployment: true }));
    const after = await eventually(() => {
      const pid = ecs.pidOf('api');
      return pid !== undefined && pid !== before && ecs.pidOf('api') ? pid : undefined;
    });
    expect(after).not.toBe(before);
    await eventually(async () => ((await describeApi())?.runningCount === 1 ? true : undefined));
  });

  it('replaces a task stopped with StopTask, and describes the stopped one', async () => {
    const { taskArns } = await client.send(new ListTasksCommand({ cluster: 'steward', serviceName: 'api' }));
    expect(taskArns).toHaveLength(1);
    await client.send(
      new StopTaskCommand({ cluster: 'steward', task: taskArns![0], reason: 'unhealthy: restart by Steward' }),
    );
    const { tasks } = await client.send(new DescribeTasksCommand({ cluster: 'steward', tasks: taskArns }));
    expect(tasks?.[0]).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: 'unhealthy: restart by Steward' });
    const replacement = await eventually(async () => {
      const list = await client.send(new ListTasksCommand({ cluster: 'steward', serviceName: 'api' }));
      return list.taskArns?.length === 1 && list.taskArns[0] !== taskArns![0] ? list.taskArns[0] : undefined;
    });
    const described = await eventually(async () => {
      const d = await client.send(new DescribeTasksCommand({ cluster: 'steward', tasks: [replacement] }));
      return d.tasks?.[0]?.lastStatus === 'RUNNING' ? d.tasks[0] : undefined;
    });
    expect(described.healthStatus).toBe('HEALTHY');
  });

  it('notices a process that exits on its own, records its exit code and replaces it', async () => {
    const { taskArns } = await client.send(new ListTasksCommand({ cluster: 'steward', serviceName: 'api' }));
    await fetch(`http://127.0.0.1:${apiPort}/exit`);
    const stopped = await eventually(async () => {
      const d = await client.send(new DescribeTasksCommand({ cluster: 'steward', tasks: taskArns }));
      return d.tasks?.[0]?.lastStatus === 'STOPPED' ? d.tasks[0] : undefined;
    });
    expect(stopped.containers?.[0]?.exitCode).toBe(3);
    expect(stopped.stoppedReason).toContain('exited (code 3)');
    await eventually(async () => ((await describeApi())?.runningCount === 1 ? true : undefined));
    expect((await describeApi())?.events?.some((e) => e.message?.includes('exited (code 3)'))).toBe(true);
  });

  it('scales to 0 and back, and answers unknown services with ServiceNotFoundException', async () => {
    await client.send(new UpdateServiceCommand({ cluster: 'steward', service: 'api', desiredCount: 0 }));
    expect(await describeApi()).toMatchObject({ desiredCount: 0, runningCount: 0 });
    await client.send(new UpdateServiceCommand({ cluster: 'steward', service: 'api', desiredCount: 1 }));
    await eventually(async () => ((await describeApi())?.runningCount === 1 ? true : undefined));
    await expect(
      client.send(new UpdateServiceCommand({ cluster: 'steward', service: 'nope', forceNewDeployment: true })),
    ).rejects.toBeInstanceOf(ServiceNotFoundException);
  });
});

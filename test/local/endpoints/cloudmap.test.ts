import {
  GetNamespaceCommand,
  GetServiceCommand,
  InvalidInput,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  NamespaceNotFound,
  paginateListServices,
  RegisterInstanceCommand,
  ServiceDiscoveryClient,
  ServiceNotFound,
} from '@aws-sdk/client-servicediscovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../../lib/local/aws/index.ts';
import { type CloudMapInstance, CloudMapService } from '../../../lib/local/cloudmap/index.ts';
import { cloudMapInstances } from '../../../lib/local/services.ts';
import type { LocalContainerService } from '../../../lib/local/wiring.ts';
import { sdkConfig } from './helpers.ts';

describe('local Cloud Map', () => {
  const instances = new Map<string, CloudMapInstance[]>();
  let endpoint: AwsEndpoint;
  let client: ServiceDiscoveryClient;

  beforeAll(async () => {
    const cloudMap = new CloudMapService({
      namespaces: [
        { id: 'ns-private', name: 'steward.local', type: 'DNS_PRIVATE' },
        { id: 'ns-http', name: 'apps', type: 'HTTP', description: 'API-only' },
      ],
      services: [
        {
          id: 'srv-a',
          name: 'orders',
          namespaceId: 'ns-private',
          dnsConfig: { DnsRecords: [{ TTL: 10, Type: 'A' }], RoutingPolicy: 'MULTIVALUE' },
          healthCheckCustomConfig: { FailureThreshold: 1 },
        },
        {
          id: 'srv-b',
          name: 'billing',
          namespaceId: 'ns-private',
          dnsConfig: { DnsRecords: [{ TTL: 10, Type: 'A' }] },
        },
        { id: 'srv-c', name: 'ledger', namespaceId: 'ns-private' },
        { id: 'srv-d', name: 'search', namespaceId: 'ns-http' },
      ],
      instancesOf: (id) => instances.get(id) ?? [],
    });
    endpoint = await startAwsEndpoint({ port: 0, services: { cloudMap: cloudMap.operations() } });
    client = new ServiceDiscoveryClient(sdkConfig(endpoint.url));
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
  });

  it('describes the namespaces, filtered by type and name', async () => {
    const all = await client.send(new ListNamespacesCommand({}));
    expect(all.Namespaces?.map((n) => [n.Id, n.Name, n.Type, n.ServiceCount])).toEqual([
      ['ns-private', 'steward.local', 'DNS_PRIVATE', 3],
      ['ns-http', 'apps', 'HTTP', 1],
    ]);
    expect(all.Namespaces?.[0]?.CreateDate).toBeInstanceOf(Date);

    const http = await client.send(new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['HTTP'] }] }));
    expect(http.Namespaces?.map((n) => n.Id)).toEqual(['ns-http']);
    const byName = await client.send(
      new ListNamespacesCommand({ Filters: [{ Name: 'NAME', Values: ['stew'], Condition: 'BEGINS_WITH' }] }),
    );
    expect(byName.Namespaces?.map((n) => n.Id)).toEqual(['ns-private']);

    const one = await client.send(new GetNamespaceCommand({ Id: 'ns-private' }));
    expect(one.Namespace).toMatchObject({
      Id: 'ns-private',
      Arn: 'arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-private',
      Name: 'steward.local',
      Type: 'DNS_PRIVATE',
      Properties: { HttpProperties: { HttpName: 'steward.local' } },
    });
    expect(one.Namespace?.Properties?.DnsProperties?.HostedZoneId).toMatch(/^Z/);
    await expect(client.send(new GetNamespaceCommand({ Id: 'ns-missing' }))).rejects.toBeInstanceOf(NamespaceNotFound);
  });

  it('lists a namespace services page by page, as the discovery scan reads them', async () => {
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateListServices(
      { client, pageSize: 1 },
      { Filters: [{ Name: 'NAMESPACE_ID', Values: ['ns-private'], Condition: 'EQ' }] },
    )) {
      pages++;
      names.push(...(page.Services ?? []).map((s) => s.Name!));
    }
    expect(names).toEqual(['orders', 'billing', 'ledger']);
    expect(pages).toBe(3);

    const both = await client.send(
      new ListServicesCommand({
        Filters: [{ Name: 'NAMESPACE_ID', Values: ['ns-private', 'ns-http'], Condition: 'IN' }],
      }),
    );
    expect(both.Services?.map((s) => [s.Id, s.Type])).toEqual([
      ['srv-a', 'DNS_HTTP'],
      ['srv-b', 'DNS_HTTP'],
      ['srv-c', 'HTTP'],
      ['srv-d', 'HTTP'],
    ]);
    expect(both.NextToken).toBeUndefined();

    const service = await client.send(new GetServiceCommand({ Id: 'srv-a' }));
    expect(service.Service).toMatchObject({
      Id: 'srv-a',
      Arn: 'arn:aws:servicediscovery:us-east-1:000000000000:service/srv-a',
      Name: 'orders',
      NamespaceId: 'ns-private',
      Type: 'DNS_HTTP',
      DnsConfig: { DnsRecords: [{ TTL: 10, Type: 'A' }], RoutingPolicy: 'MULTIVALUE' },
      HealthCheckCustomConfig: { FailureThreshold: 1 },
      InstanceCount: 0,
    });
    await expect(client.send(new GetServiceCommand({ Id: 'srv-missing' }))).rejects.toBeInstanceOf(ServiceNotFound);
  });

  it('lists the instances registered now, paginated', async () => {
    instances.set('srv-a', [
      { id: 'task-1', attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '4510' } },
      { id: 'task-2', attributes: { AWS_INSTANCE_IPV4: '127.0.0.1' } },
    ]);
    const first = await client.send(new ListInstancesCommand({ ServiceId: 'srv-a', MaxResults: 1 }));
    expect(first.Instances).toEqual([
      { Id: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '4510' } },
    ]);
    const second = await client.send(
      new ListInstancesCommand({ ServiceId: 'srv-a', MaxResults: 1, NextToken: first.NextToken }),
    );
    expect(second.Instances?.map((i) => i.Id)).toEqual(['task-2']);
    expect(second.NextToken).toBeUndefined();
    expect((await client.send(new GetServiceCommand({ Id: 'srv-a' }))).Service?.InstanceCount).toBe(2);

    instances.set('srv-a', []);
    expect((await client.send(new ListInstancesCommand({ ServiceId: 'srv-a' }))).Instances).toEqual([]);
    await expect(client.send(new ListInstancesCommand({ ServiceId: 'srv-missing' }))).rejects.toBeInstanceOf(
      ServiceNotFound,
    );
  });

  it('refuses invalid input with InvalidInput, naming the field, and the write operations as unknown', async () => {
    const refused = async (send: Promise<unknown>): Promise<string> => {
      const error = (await send.then(
        () => undefined,
        (e: unknown) => e,
      )) as Error | undefined;
      expect(error).toBeInstanceOf(InvalidInput);
      return error!.message;
    };
    expect(await refused(client.send(new ListInstancesCommand({ ServiceId: 'srv-a', MaxResults: 101 })))).toMatch(
      /MaxResults/,
    );
    expect(
      await refused(client.send(new ListInstancesCommand({ ServiceId: 'srv-a', NextToken: 'not a token' }))),
    ).toMatch(/NextToken/);
    expect(
      await refused(
        client.send(
          new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: ['a', 'b'], Condition: 'EQ' }] }),
        ),
      ),
    ).toMatch(/EQ takes exactly one value/);
    expect(
      await refused(
        client.send(new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['DNS'], Condition: 'BETWEEN' }] })),
      ),
    ).toMatch(/Condition/);

    await expect(
      client.send(new RegisterInstanceCommand({ ServiceId: 'srv-a', InstanceId: 'x', Attributes: {} })),
    ).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it('registers each running task of the ECS services that name a Cloud Map service, as ECS does', () => {
    const service = (name: string, registries: LocalContainerService['registries']): LocalContainerService => ({
      logicalId: name,
      cluster: 'steward-dev',
      serviceName: name,
      serviceArn: `arn:aws:ecs:us-east-1:000000000000:service/steward-dev/${name}`,
      desiredCount: 1,
      dependsOn: [],
      family: `${name}-family`,
      registries,
      containers: [],
    });
    const wiring = {
      containerServices: [
        service('orders', [{ serviceId: 'srv-a' }]),
        service('billing', [{ serviceId: 'srv-b', port: 8080 }]),
        service('quiet', []),
      ],
    };
    const tasks: Record<string, string[]> = { orders: ['t1', 't2'], billing: ['t3'], quiet: ['t4'] };
    const ecs = { runningTaskIds: (name: string) => tasks[name] ?? [] };

    const orders = cloudMapInstances(ecs, wiring, 'srv-a');
    expect(orders.map((i) => i.id)).toEqual(['t1', 't2']);
    expect(orders[0]!.attributes).toEqual({
      AWS_INSTANCE_IPV4: '127.0.0.1',
      AWS_INIT_HEALTH_STATUS: 'HEALTHY',
      AVAILABILITY_ZONE: 'us-east-1a',
      REGION: 'us-east-1',
      ECS_CLUSTER_NAME: 'steward-dev',
      ECS_SERVICE_NAME: 'orders',
      ECS_TASK_DEFINITION_FAMILY: 'orders-family',
    });
    // A registry that names a port registers it; one that does not (A records) registers none.
    expect(cloudMapInstances(ecs, wiring, 'srv-b')[0]!.attributes.AWS_INSTANCE_PORT).toBe('8080');
    tasks.orders = [];
    expect(cloudMapInstances(ecs, wiring, 'srv-a')).toEqual([]);
  });
});

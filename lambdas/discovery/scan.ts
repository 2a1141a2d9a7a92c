/**
 * The scheduled scan: lists ECS services of the configured clusters and Cloud Map services of the configured
 * namespaces, and turns each into a service spec for the registry.
 */
import { DescribeServicesCommand, paginateListServices } from '@aws-sdk/client-ecs';
import {
  GetNamespaceCommand,
  ListInstancesCommand,
  paginateListServices as paginateCloudMapServices,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceSpec } from '../../lib/core/supervision/manifest.ts';
import { ecs } from '../shared/clients/ecs.ts';
import { serviceDiscovery } from '../shared/clients/servicediscovery.ts';

/** A service found by a scan, with the scan that found it. */
export interface Found {
  spec: ServiceSpec;
  by: string;
}

/** Turns any name into a registry name (lowercase DNS label); undefined when nothing usable is left. */
export function toServiceName(raw: string): string | undefined {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63);
  return name === '' ? undefined : name;
}

/** ECS services of one cluster. */
export async function scanCluster(cluster: string): Promise<Found[]> {
  const arns: string[] = [];
  for await (const page of paginateListServices({ client: ecs, pageSize: 100 }, { cluster })) {
    arns.push(...(page.serviceArns ?? []));
  }
  const found: Found[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const out = await ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) }));
    for (const s of out.services ?? []) {
      const name = s.serviceName && toServiceName(s.serviceName);
      if (!name || s.status === 'INACTIVE') continue;
      found.push({ spec: { name, ecs: { cluster, service_name: s.serviceName! } }, by: `ecs:${cluster}` });
    }
  }
  return found;
}

/** Cloud Map services of one namespace, with a base URL from the namespace name and the instances' port. */
export async function scanNamespace(namespaceId: string): Promise<Found[]> {
  const ns = await serviceDiscovery.send(new GetNamespaceCommand({ Id: namespaceId }));
  const nsName = ns.Namespace?.Name;
  const found: Found[] = [];
  const pages = paginateCloudMapServices(
    { client: serviceDiscovery },
    { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] },
  );
  for await (const page of pages) {
    for (const s of page.Services ?? []) {
      const name = s.Name && toServiceName(s.Name);
      if (!name || !s.Id) continue;
      const instances = await serviceDiscovery.send(new ListInstancesCommand({ ServiceId: s.Id, MaxResults: 1 }));
      const port = Number(instances.Instances?.[0]?.Attributes?.AWS_INSTANCE_PORT);
      const spec: ServiceSpec = { name };
      if (Number.isInteger(port) && port > 0 && port < 65_536) {
        spec.port = port;
        if (nsName) spec.base_url = `http://${s.Name}.${nsName}:${port}`;
      }
      found.push({ spec, by: `cloudmap:${namespaceId}` });
    }
  }
  return found;
}

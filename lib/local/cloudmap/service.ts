import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, requireString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';

/** A Cloud Map namespace as the templates declare it. */
export interface CloudMapNamespace {
  id: string;
  name: string;
  type: 'DNS_PRIVATE' | 'DNS_PUBLIC' | 'HTTP';
  description?: string;
}

/** A Cloud Map service as the templates declare it (`AWS::ServiceDiscovery::Service`). */
export interface CloudMapServiceDefinition {
  id: string;
  name: string;
  namespaceId: string;
  description?: string;
  /** `DnsConfig` as declared (its presence makes the service `DNS_HTTP`, else `HTTP`). */
  dnsConfig?: Record<string, unknown>;
  healthCheckCustomConfig?: Record<string, unknown>;
}

/** A registered instance: its id and attributes, as ECS registers a task. */
export interface CloudMapInstance {
  id: string;
  attributes: Record<string, string>;
}

/** Options of {@link CloudMapService}. */
export interface CloudMapOptions {
  namespaces: readonly CloudMapNamespace[];
  services: readonly CloudMapServiceDefinition[];
  /** The instances registered with a service now (ECS registers each running task of a service that names it). */
  instancesOf(serviceId: string): CloudMapInstance[];
  region?: string;
  account?: string;
}

/** Most items a page holds, and the default (Cloud Map's `MaxResults` is 1–100). */
const MAX_RESULTS = 100;

/**
 * Local Cloud Map (AWS Cloud Map's control-plane API, `Route53AutoNaming_v20170314`, read side): the namespaces and
 * services of the templates, and as instances the running tasks of the ECS services that register with them (as ECS
 * does: one instance a task, id the task id, `AWS_INSTANCE_IPV4` its address, here 127.0.0.1). ListNamespaces,
 * GetNamespace, ListServices, GetService and ListInstances, paginated and filtered as on AWS; errors are Cloud Map's
 * (`NamespaceNotFound`, `ServiceNotFound`, `InvalidInput`). Registration is the templates' and ECS's, so the write
 * operations are not served (the endpoint refuses them as unknown).
 */
export class CloudMapService {
  private readonly region: string;
  private readonly account: string;
  /** One creation time for everything: the templates' resources exist from local mode's start. */
  private readonly createdAt = Math.floor(Date.now() / 1000);

  constructor(private readonly options: CloudMapOptions) {
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
  }

  private arn(kind: 'namespace' | 'service', id: string): string {
    return `arn:aws:servicediscovery:${this.region}:${this.account}:${kind}/${id}`;
  }

  private namespace(id: string): CloudMapNamespace {
    const found = this.options.namespaces.find((n) => n.id === id);
    if (!found) throw new AwsError('NamespaceNotFound', `Namespace not found: ${id}`);
    return found;
  }

  private service(id: string): CloudMapServiceDefinition {
    const found = this.options.services.find((s) => s.id === id);
    if (!found) throw new AwsError('ServiceNotFound', `Service not found: ${id}`);
    return found;
  }

  private describeNamespace(n: CloudMapNamespace): Record<string, unknown> {
    return {
      Id: n.id,
      Arn: this.arn('namespace', n.id),
      Name: n.name,
      Type: n.type,
      ...(n.description === undefined ? {} : { Description: n.description }),
      ServiceCount: this.options.services.filter((s) => s.namespaceId === n.id).length,
      Properties: {
        ...(n.type === 'HTTP' ? {} : { DnsProperties: { HostedZoneId: `Z${n.id.replace(/^ns-/, '').toUpperCase()}` } }),
        HttpProperties: { HttpName: n.name },
      },
      CreateDate: this.createdAt,
    };
  }

  private describeService(s: CloudMapServiceDefinition, withNamespace: boolean): Record<string, unknown> {
    return {
      Id: s.id,
      Arn: this.arn('service', s.id),
      Name: s.name,
      ...(withNamespace ? { NamespaceId: s.namespaceId } : {}),
      Type: s.dnsConfig ? 'DNS_HTTP' : 'HTTP',
      ...(s.description === undefined ? {} : { Description: s.description }),
      InstanceCount: this.options.instancesOf(s.id).length,
      ...(s.dnsConfig ? { DnsConfig: s.dnsConfig } : {}),
      ...(s.healthCheckCustomConfig ? { HealthCheckCustomConfig: s.healthCheckCustomConfig } : {}),
      CreateDate: this.createdAt,
    };
  }

  /** The control-plane operations the discovery handler and the console's operators use. */
  operations(): JsonOperations {
    return {
      ListNamespaces: (i) => {
        const filters = filtersOf(i, ['TYPE', 'NAME', 'HTTP_NAME']);
        const namespaces = this.options.namespaces.filter((n) =>
          filters.every((f) => f.test(f.name === 'TYPE' ? n.type : n.name)),
        );
        const page = paginate(namespaces, i);
        return { Namespaces: page.items.map((n) => this.describeNamespace(n)), ...page.next };
      },
      GetNamespace: (i) => ({
        Namespace: this.describeNamespace(this.namespace(requireString(i, 'Id', 'InvalidInput'))),
      }),
      ListServices: (i) => {
        const filters = filtersOf(i, ['NAMESPACE_ID']);
        const services = this.options.services.filter((s) => filters.every((f) => f.test(s.namespaceId)));
        const page = paginate(services, i);
        return { Services: page.items.map((s) => this.describeService(s, false)), ...page.next };
      },
      GetService: (i) => ({
        Service: this.describeService(this.service(requireString(i, 'Id', 'InvalidInput')), true),
      }),
      ListInstances: (i) => {
        const service = this.service(requireString(i, 'ServiceId', 'InvalidInput'));
        const page = paginate(this.options.instancesOf(service.id), i);
        return {
          Instances: page.items.map((instance) => ({ Id: instance.id, Attributes: instance.attributes })),
          ...page.next,
        };
      },
    };
  }
}

/** A request's filters as predicates, each on one of `names` (Cloud Map refuses other names and conditions). */
function filtersOf(
  input: Record<string, unknown>,
  names: readonly string[],
): Array<{ name: string; test: (value: string) => boolean }> {
  const raw = input.Filters;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new AwsError('InvalidInput', 'Filters must be a list');
  return raw.map((f: unknown, index) => {
    const { Name, Values, Condition = 'EQ' } = (f ?? {}) as { Name?: unknown; Values?: unknown; Condition?: unknown };
    if (typeof Name !== 'string' || !names.includes(Name)) {
      throw new AwsError('InvalidInput', `Filters[${index}].Name must be one of ${names.join(', ')}`);
    }
    if (!Array.isArray(Values) || Values.length === 0 || !Values.every((v) => typeof v === 'string')) {
      throw new AwsError('InvalidInput', `Filters[${index}].Values must be a non-empty list of strings`);
    }
    const values = Values as string[];
    if (Condition === 'EQ') {
      if (values.length !== 1) throw new AwsError('InvalidInput', `Filters[${index}]: EQ takes exactly one value`);
      return { name: Name, test: (v: string) => v === values[0] };
    }
    if (Condition === 'IN') return { name: Name, test: (v: string) => values.includes(v) };
    if (Condition === 'BEGINS_WITH' && Name !== 'TYPE' && Name !== 'NAMESPACE_ID') {
      if (values.length !== 1)
        throw new AwsError('InvalidInput', `Filters[${index}]: BEGINS_WITH takes exactly one value`);
      return { name: Name, test: (v: string) => v.startsWith(values[0]!) };
    }
    throw new AwsError('InvalidInput', `Filters[${index}].Condition ${String(Condition)} is not valid for ${Name}`);
  });
}

/** One page of `items` by `MaxResults` (1–100, default 100) and the opaque `NextToken` of the previous page. */
function paginate<T>(
  items: readonly T[],
  input: Record<string, unknown>,
): { items: T[]; next: { NextToken?: string } } {
  const max = input.MaxResults ?? MAX_RESULTS;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
    throw new AwsError('InvalidInput', `MaxResults must be an integer from 1 to ${MAX_RESULTS}`);
  }
  let start = 0;
  if (input.NextToken !== undefined && input.NextToken !== null) {
    const decoded = typeof input.NextToken === 'string' ? /^o(\d{1,9})$/.exec(atobSafe(input.NextToken)) : null;
    if (!decoded) throw new AwsError('InvalidInput', 'NextToken is not valid');
    start = Number(decoded[1]);
  }
  const end = start + max;
  return {
    items: items.slice(start, end),
    next: end < items.length ? { NextToken: Buffer.from(`o${end}`).toString('base64url') } : {},
  };
}

function atobSafe(token: string): string {
  return /^[A-Za-z0-9_-]{1,16}$/.test(token) ? Buffer.from(token, 'base64url').toString('latin1') : '';
}

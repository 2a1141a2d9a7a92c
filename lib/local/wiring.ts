/**
 * Local mode's wiring, derived from the synthesized CloudFormation templates: the tables, functions, state machines,
 * rules, schedules, topics, custom resources, managed services and Cloud Map namespaces of the deployment, with every reference resolved
 * to its local name or ARN. Nothing here is a second, hand-kept list: what the stacks deploy is what runs locally.
 */
import { ROUTES } from '../core/api/routes/index.ts';
import { CfnEvaluator, type CfnResource, type StackTemplate, TemplateError } from './cfn.ts';
import type { CloudMapNamespace, CloudMapServiceDefinition } from './cloudmap/service.ts';

/** Metadata keys the stacks put on resources so local mode knows what they are. */
export const METADATA = {
  function: 'steward:function',
  workflow: 'steward:workflow',
  table: 'steward:table',
  rule: 'steward:rule',
  /** On an ECS service: the names it depends on (the manifest's `depends_on`). */
  dependsOn: 'steward:depends_on',
} as const;

export interface LocalTable {
  logicalId: string;
  /** `registry` / `history` from the `steward:table` metadata, when set. */
  stewardId?: string;
  name: string;
  /** The CreateTable input (keys, attributes, GSIs) as the template declares it. */
  keySchema: unknown;
  attributeDefinitions: unknown;
  globalSecondaryIndexes: unknown;
  /** The attribute TTL expires items by (`TimeToLiveSpecification`), when enabled. */
  ttlAttribute?: string;
}

export interface LocalFunction {
  /** Function id from lib/core/functions.ts (the `steward:function` metadata). */
  id: string;
  logicalId: string;
  name: string;
  arn: string;
  /** Entry file relative to the repository root. */
  entry: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface LocalStateMachine {
  logicalId: string;
  /** The workflow (file name / id) from the `steward:workflow` metadata, when set. */
  workflow?: string;
  name: string;
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  roleArn: string;
  /** The ASL with every definition substitution applied. */
  definition: Record<string, unknown>;
  /** The template's `LoggingConfiguration`, in the API's shape (`loggingConfiguration`), when set. */
  logging?: {
    level: string;
    includeExecutionData: boolean;
    destinations: Array<{ cloudWatchLogsLogGroup: { logGroupArn: string } }>;
  };
  /** Published versions (`<arn>:<n>`) and aliases (`<arn>:<alias>`) pointing at this state machine. */
  versions: string[];
  aliases: Array<{ name: string; arn: string; routes: Array<{ versionArn: string; weight: number }> }>;
}

export interface LocalTarget {
  id: string;
  arn: string;
  /** Constant input (`Input`), already a JSON string, or undefined to send the event. */
  input?: string;
  inputPath?: string;
  inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
}

export interface LocalRule {
  logicalId: string;
  /** The `steward:rule` metadata, when set. */
  stewardId?: string;
  name: string;
  arn: string;
  /** Bus name (`default` for the account's default bus). */
  eventBusName: string;
  eventPattern?: Record<string, unknown>;
  scheduleExpression?: string;
  enabled: boolean;
  targets: LocalTarget[];
}

export interface LocalSchedule {
  logicalId: string;
  name: string;
  expression: string;
  /** IANA time zone of the expression (`ScheduleExpressionTimezone`). */
  timezone: string;
  enabled: boolean;
  target: { arn: string; roleArn: string; input?: string };
}

export interface LocalTopic {
  logicalId: string;
  name: string;
  arn: string;
  subscriptions: Array<{ protocol: string; endpoint: string }>;
}

export interface LocalQueue {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
}

export interface LocalCustomResource {
  logicalId: string;
  type: string;
  /** The function that serves it (ServiceToken resolved), when it is one of Steward's. */
  functionName: string;
  properties: Record<string, unknown>;
}

export interface LocalContainerService {
  logicalId: string;
  cluster: string;
  serviceName: string;
  serviceArn: string;
  desiredCount: number;
  /** Services it depends on (manifest names = ECS service names), started first. */
  dependsOn: string[];
  /** The role its tasks run as (`TaskRoleArn`), when set. */
  taskRoleArn?: string;
  /** Its task definition's family (ECS registers it with Cloud Map as `ECS_TASK_DEFINITION_FAMILY`). */
  family: string;
  /**
   * The Cloud Map services its tasks register with (`ServiceRegistries`), by service id, with the port ECS registers
   * as `AWS_INSTANCE_PORT` when the registry names one (`Port` or `ContainerPort`).
   */
  registries: Array<{ serviceId: string; port?: number }>;
  containers: Array<{
    name: string;
    image?: string;
    command?: string[];
    environment: Record<string, string>;
    /** First container port of the port mappings. */
    port?: number;
  }>;
}

export interface LocalApiRoute {
  method: string;
  path: string;
  operationId: string;
  functionName: string;
}

/** Everything local mode runs, as the templates declare it. */
export interface LocalWiring {
  tables: LocalTable[];
  functions: LocalFunction[];
  stateMachines: LocalStateMachine[];
  eventBuses: string[];
  rules: LocalRule[];
  schedules: LocalSchedule[];
  topics: LocalTopic[];
  queues: LocalQueue[];
  customResources: LocalCustomResource[];
  containerServices: LocalContainerService[];
  api: LocalApiRoute[];
  /** CloudWatch Logs subscription filters (`AWS::Logs::SubscriptionFilter`). */
  logSubscriptions: LocalLogSubscription[];
  /** Cloud Map namespaces and services (`AWS::ServiceDiscovery::*`); their instances are the ECS tasks registered. */
  cloudMap: { namespaces: CloudMapNamespace[]; services: CloudMapServiceDefinition[] };
}

/** A subscription filter: log events of `logGroupName` matching `filterPattern` go to `destinationArn`. */
export interface LocalLogSubscription {
  logicalId: string;
  logGroupName: string;
  filterPattern: string;
  destinationArn: string;
}

/** Custom resources aws-cdk-lib adds that act on AWS infrastructure local mode does not model. */
const AWS_ONLY_CUSTOM_RESOURCES = new Set(['Custom::VpcRestrictDefaultSG']);

type Found = { stackName: string; logicalId: string; resource: CfnResource };

/** A template value when it is a string, else undefined. */
const optionalText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const metaString = (r: CfnResource, key: string): string | undefined => optionalText(r.Metadata?.[key]);

/** A table's TTL attribute, when its `TimeToLiveSpecification` enables TTL. */
function ttlAttribute(spec: unknown): string | undefined {
  const { AttributeName, Enabled } = (spec ?? {}) as { AttributeName?: unknown; Enabled?: unknown };
  return Enabled === true && typeof AttributeName === 'string' ? AttributeName : undefined;
}

/** Derives the wiring of local mode from the synthesized stacks. Throws {@link TemplateError} naming what it cannot read. */
export function deriveWiring(
  stacks: readonly StackTemplate[],
  options: { queueUrl?: (name: string) => string } = {},
): LocalWiring {
  const cfn = new CfnEvaluator(stacks, options.queueUrl);
  const all: Found[] = [];
  for (const { stackName, template } of stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (cfn.exists(stackName, resource)) all.push({ stackName, logicalId, resource });
    }
  }
  const ofType = (type: string): Found[] => all.filter((f) => f.resource.Type === type);
  const props = (f: Found): Record<string, unknown> =>
    cfn.resolve(f.stackName, f.resource.Properties ?? {}) as Record<string, unknown>;

  const tables: LocalTable[] = ofType('AWS::DynamoDB::Table').map((f) => {
    const p = props(f);
    return {
      logicalId: f.logicalId,
      stewardId: metaString(f.resource, METADATA.table),
      name: cfn.ref(f.stackName, f.logicalId),
      keySchema: p.KeySchema,
      attributeDefinitions: p.AttributeDefinitions,
      globalSecondaryIndexes: p.GlobalSecondaryIndexes ?? [],
      ttlAttribute: ttlAttribute(p.TimeToLiveSpecification),
    };
  });

  const functions: LocalFunction[] = [];
  for (const f of ofType('AWS::Lambda::Function')) {
    const id = metaString(f.resource, METADATA.function);
    // Functions CDK adds for itself (log retention, custom-resource providers) have no local role.
    if (id === undefined) continue;
    const p = props(f);
    const variables = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(variables)) environment[k] = String(v);
    functions.push({
      id,
      logicalId: f.logicalId,
      name: cfn.ref(f.stackName, f.logicalId),
      arn: cfn.attr(f.stackName, f.logicalId, 'Arn'),
      entry: `lambdas/${id}/handler.ts`,
      environment,
      timeoutSeconds: Number(p.Timeout ?? 3),
      memoryMb: Number(p.MemorySize ?? 128),
    });
  }

  const stateMachines = deriveStateMachines(cfn, ofType, props);

  const eventBuses = ofType('AWS::Events::EventBus').map((f) => cfn.ref(f.stackName, f.logicalId));
  const rules: LocalRule[] = ofType('AWS::Events::Rule').map((f) => {
    const p = props(f);
    const bus = typeof p.EventBusName === 'string' ? busName(p.EventBusName) : 'default';
    const targets = ((p.Targets as Array<Record<string, unknown>> | undefined) ?? []).map((t) => ({
      id: String(t.Id),
      arn: String(t.Arn),
      input: optionalText(t.Input),
      inputPath: optionalText(t.InputPath),
      inputTransformer: t.InputTransformer as LocalTarget['inputTransformer'],
    }));
    return {
      logicalId: f.logicalId,
      stewardId: metaString(f.resource, METADATA.rule),
      name: cfn.ref(f.stackName, f.logicalId),
      arn: cfn.attr(f.stackName, f.logicalId, 'Arn'),
      eventBusName: bus,
      eventPattern: p.EventPattern as Record<string, unknown> | undefined,
      scheduleExpression: optionalText(p.ScheduleExpression),
      enabled: p.State === undefined || p.State === 'ENABLED',
      targets,
    };
  });

  const schedules: LocalSchedule[] = ofType('AWS::Scheduler::Schedule').map((f) => {
    const p = props(f);
    const target = p.Target as { Arn: string; RoleArn?: unknown; Input?: unknown };
    return {
      logicalId: f.logicalId,
      name: cfn.ref(f.stackName, f.logicalId),
      expression: String(p.ScheduleExpression),
      timezone: p.ScheduleExpressionTimezone === undefined ? 'UTC' : String(p.ScheduleExpressionTimezone),
      enabled: p.State === undefined || p.State === 'ENABLED',
      target: {
        arn: String(target.Arn),
        roleArn: String(target.RoleArn ?? ''),
        input: target.Input === undefined ? undefined : String(target.Input),
      },
    };
  });

  const topics: LocalTopic[] = ofType('AWS::SNS::Topic').map((f) => ({
    logicalId: f.logicalId,
    name: cfn.attr(f.stackName, f.logicalId, 'TopicName'),
    arn: cfn.ref(f.stackName, f.logicalId),
    subscriptions: [],
  }));
  for (const f of ofType('AWS::SNS::Subscription')) {
    const p = props(f);
    const topic = topics.find((t) => t.arn === p.TopicArn);
    if (!topic)
      throw new TemplateError(`${f.stackName}/${f.logicalId}: subscription to unknown topic ${String(p.TopicArn)}`);
    topic.subscriptions.push({ protocol: String(p.Protocol), endpoint: String(p.Endpoint) });
  }
  for (const f of ofType('AWS::SNS::Topic')) {
    // Inline subscriptions (`Subscription` property) are the other way to subscribe.
    const inline = (props(f).Subscription as Array<{ Protocol: string; Endpoint: string }> | undefined) ?? [];
    const topic = topics.find((t) => t.logicalId === f.logicalId)!;
    for (const s of inline) topic.subscriptions.push({ protocol: s.Protocol, endpoint: s.Endpoint });
  }

  const queues: LocalQueue[] = ofType('AWS::SQS::Queue').map((f) => ({
    logicalId: f.logicalId,
    name: cfn.attr(f.stackName, f.logicalId, 'QueueName'),
    url: cfn.ref(f.stackName, f.logicalId),
    arn: cfn.attr(f.stackName, f.logicalId, 'Arn'),
  }));

  // The CDK Provider framework puts its own function in front of ours; its environment names the real handler.
  const viaProvider = (token: string): LocalFunction | undefined => {
    const framework = ofType('AWS::Lambda::Function').find((f) => cfn.attr(f.stackName, f.logicalId, 'Arn') === token);
    if (!framework) return undefined;
    const env = (props(framework).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const target = String(env.USER_ON_EVENT_FUNCTION_ARN ?? '');
    return functions.find((x) => x.arn === target || target.startsWith(`${x.arn}:`));
  };
  const customResources: LocalCustomResource[] = [];
  for (const f of all) {
    if (!(f.resource.Type.startsWith('Custom::') || f.resource.Type === 'AWS::CloudFormation::CustomResource'))
      continue;
    // aws-cdk-lib's own network hardening (it empties the VPC's default security group): nothing to do locally.
    if (AWS_ONLY_CUSTOM_RESOURCES.has(f.resource.Type)) continue;
    const { ServiceToken, ...properties } = props(f);
    const fn =
      functions.find((x) => x.arn === ServiceToken || x.name === ServiceToken) ?? viaProvider(String(ServiceToken));
    if (!fn) throw new TemplateError(`${f.stackName}/${f.logicalId}: custom resource served by no Steward function`);
    customResources.push({ logicalId: f.logicalId, type: f.resource.Type, functionName: fn.name, properties });
  }

  const containerServices = deriveContainerServices(cfn, ofType, props);
  const cloudMap = deriveCloudMap(cfn, ofType, props);
  const logSubscriptions: LocalLogSubscription[] = ofType('AWS::Logs::SubscriptionFilter').map((f) => {
    const p = props(f);
    return {
      logicalId: f.logicalId,
      logGroupName: String(p.LogGroupName),
      filterPattern: typeof p.FilterPattern === 'string' ? p.FilterPattern : '',
      destinationArn: String(p.DestinationArn),
    };
  });

  const api: LocalApiRoute[] = ROUTES.map((route) => {
    const fn = functions.find((x) => x.id === route.functionId);
    if (!fn)
      throw new TemplateError(
        `route ${route.method} ${route.path}: function '${route.functionId}' is not in the templates`,
      );
    return { method: route.method, path: route.path, operationId: route.operationId, functionName: fn.name };
  });

  return {
    tables,
    functions,
    stateMachines,
    eventBuses,
    rules,
    schedules,
    topics,
    queues,
    customResources,
    containerServices,
    api,
    logSubscriptions,
    cloudMap,
  };
}

const NAMESPACE_TYPES: Record<string, CloudMapNamespace['type']> = {
  'AWS::ServiceDiscovery::PrivateDnsNamespace': 'DNS_PRIVATE',
  'AWS::ServiceDiscovery::PublicDnsNamespace': 'DNS_PUBLIC',
  'AWS::ServiceDiscovery::HttpNamespace': 'HTTP',
};

function deriveCloudMap(
  cfn: CfnEvaluator,
  ofType: (type: string) => Found[],
  props: (f: Found) => Record<string, unknown>,
): LocalWiring['cloudMap'] {
  const namespaces = Object.entries(NAMESPACE_TYPES).flatMap(([type, kind]) =>
    ofType(type).map((f) => {
      const p = props(f);
      return {
        id: cfn.ref(f.stackName, f.logicalId),
        name: String(p.Name),
        type: kind,
        description: optionalText(p.Description),
      };
    }),
  );
  const services = ofType('AWS::ServiceDiscovery::Service').map((f) => {
    const p = props(f);
    const dnsConfig = p.DnsConfig as Record<string, unknown> | undefined;
    const namespaceId = optionalText(p.NamespaceId) ?? optionalText(dnsConfig?.NamespaceId);
    if (!namespaceId) throw new TemplateError(`${f.stackName}/${f.logicalId}: a Cloud Map service without a namespace`);
    return {
      id: cfn.ref(f.stackName, f.logicalId),
      name: cfn.attr(f.stackName, f.logicalId, 'Name'),
      namespaceId,
      description: optionalText(p.Description),
      dnsConfig,
      healthCheckCustomConfig: p.HealthCheckCustomConfig as Record<string, unknown> | undefined,
    };
  });
  return { namespaces, services };
}

function busName(nameOrArn: string): string {
  const m = /:event-bus\/(.+)$/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn;
}

function deriveStateMachines(
  cfn: CfnEvaluator,
  ofType: (type: string) => Found[],
  props: (f: Found) => Record<string, unknown>,
): LocalStateMachine[] {
  const machines: LocalStateMachine[] = ofType('AWS::StepFunctions::StateMachine').map((f) => {
    const p = props(f);
    const text = typeof p.DefinitionString === 'string' ? p.DefinitionString : JSON.stringify(p.Definition ?? {});
    const substitutions = (p.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    const substituted = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) =>
      key in substitutions ? String(substitutions[key]) : whole,
    );
    let definition: Record<string, unknown>;
    try {
      definition = JSON.parse(substituted) as Record<string, unknown>;
    } catch (error) {
      throw new TemplateError(`${f.stackName}/${f.logicalId}: definition is not JSON (${(error as Error).message})`);
    }
    return {
      logicalId: f.logicalId,
      workflow: metaString(f.resource, METADATA.workflow),
      name: cfn.attr(f.stackName, f.logicalId, 'Name'),
      arn: cfn.ref(f.stackName, f.logicalId),
      type: p.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      logging: loggingOf(p.LoggingConfiguration),
      roleArn: String(p.RoleArn ?? `arn:aws:iam::000000000000:role/${f.logicalId}`),
      definition,
      versions: [],
      aliases: [],
    };
  });
  const versionArns = new Map<string, string>();
  for (const f of ofType('AWS::StepFunctions::StateMachineVersion')) {
    const p = props(f);
    const machine = machines.find((m) => m.arn === p.StateMachineArn);
    if (!machine) continue;
    const arn = `${machine.arn}:${machine.versions.length + 1}`;
    machine.versions.push(arn);
    versionArns.set(`${f.stackName}/${f.logicalId}`, arn);
  }
  for (const f of ofType('AWS::StepFunctions::StateMachineAlias')) {
    const raw = (f.resource.Properties ?? {}) as Record<string, unknown>;
    const p = props(f);
    const config = (raw.RoutingConfiguration ?? raw.DeploymentPreference ?? []) as unknown;
    const entries = Array.isArray(config)
      ? (config as Array<Record<string, unknown>>)
      : [config as Record<string, unknown>];
    const routes = entries.map((entry) => {
      const ref = (entry.StateMachineVersionArn as { Ref?: string } | undefined)?.Ref;
      const versionArn = ref
        ? versionArns.get(`${f.stackName}/${ref}`)
        : String(cfn.resolve(f.stackName, entry.StateMachineVersionArn));
      return { versionArn: versionArn ?? '', weight: Number(entry.Weight ?? 100) };
    });
    const machine = machines.find((m) => routes.some((r) => r.versionArn.startsWith(`${m.arn}:`)));
    if (!machine) continue;
    const name = String(p.Name ?? f.logicalId);
    machine.aliases.push({ name, arn: `${machine.arn}:${name}`, routes });
  }
  return machines;
}

/** A template `LoggingConfiguration` in the Step Functions API's shape. */
function loggingOf(value: unknown): LocalStateMachine['logging'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as {
    Level?: string;
    IncludeExecutionData?: boolean;
    Destinations?: Array<{ CloudWatchLogsLogGroup?: { LogGroupArn?: string } }>;
  };
  return {
    level: v.Level ?? 'OFF',
    includeExecutionData: v.IncludeExecutionData === true,
    destinations: (v.Destinations ?? [])
      .map((d) => d.CloudWatchLogsLogGroup?.LogGroupArn)
      .filter((arn): arn is string => typeof arn === 'string')
      .map((logGroupArn) => ({ cloudWatchLogsLogGroup: { logGroupArn } })),
  };
}

function dependsOnOf(resource: CfnResource): string[] {
  const v = resource.Metadata?.[METADATA.dependsOn];
  return Array.isArray(v) ? v.map(String) : [];
}

function deriveContainerServices(
  cfn: CfnEvaluator,
  ofType: (type: string) => Found[],
  props: (f: Found) => Record<string, unknown>,
): LocalContainerService[] {
  const taskDefs = new Map<string, Record<string, unknown>>();
  for (const f of ofType('AWS::ECS::TaskDefinition')) taskDefs.set(cfn.ref(f.stackName, f.logicalId), props(f));
  return ofType('AWS::ECS::Service').map((f) => {
    const p = props(f);
    const td = taskDefs.get(String(p.TaskDefinition)) ?? {};
    const containers = ((td.ContainerDefinitions as Array<Record<string, unknown>> | undefined) ?? []).map((c) => {
      const environment: Record<string, string> = {};
      for (const e of (c.Environment as Array<{ Name: string; Value: unknown }> | undefined) ?? [])
        environment[e.Name] = String(e.Value);
      const command = Array.isArray(c.Command) ? (c.Command as unknown[]).map(String) : undefined;
      const mapping = (c.PortMappings as Array<{ ContainerPort?: number }> | undefined)?.[0];
      return {
        name: String(c.Name),
        image: optionalText(c.Image),
        command,
        environment,
        port: mapping?.ContainerPort === undefined ? undefined : Number(mapping.ContainerPort),
      };
    });
    const cluster = String(p.Cluster ?? 'default');
    const registries = ((p.ServiceRegistries as Array<Record<string, unknown>> | undefined) ?? []).map((r) => {
      const registryArn = String(r.RegistryArn ?? '');
      const port = r.Port ?? r.ContainerPort;
      return {
        serviceId: registryArn.split(':service/').pop() ?? registryArn,
        ...(port === undefined ? {} : { port: Number(port) }),
      };
    });
    const taskDefinitionArn = String(p.TaskDefinition ?? '');
    return {
      logicalId: f.logicalId,
      cluster: cluster.includes(':cluster/') ? cluster.split(':cluster/')[1]! : cluster,
      serviceName: cfn.attr(f.stackName, f.logicalId, 'Name'),
      serviceArn: cfn.ref(f.stackName, f.logicalId),
      desiredCount: Number(p.DesiredCount ?? 1),
      dependsOn: dependsOnOf(f.resource),
      taskRoleArn: optionalText(td.TaskRoleArn),
      family: optionalText(td.Family) ?? /task-definition\/([^:]+)/.exec(taskDefinitionArn)?.[1] ?? f.logicalId,
      registries,
      containers,
    };
  });
}

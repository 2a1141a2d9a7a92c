/**
 * A small CloudFormation evaluator for local mode: gives every resource of the synthesized templates a local
 * physical name and ARN, and resolves the intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::Select, Fn::Split, Fn::If, Fn::ImportValue, Fn::GetStackOutput, conditions), so local mode is wired from the same templates that
 * are deployed instead of from a second hand-kept list.
 */

/** The account and region every local ARN uses. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** One synthesized stack. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/** The parts of a CloudFormation template local mode reads. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Default?: unknown }>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

/** Raised when a template uses something local mode cannot evaluate; names the stack and the resource. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

interface Physical {
  ref: string;
  attrs: Record<string, string>;
}

const arn = (service: string, resource: string, region = LOCAL_REGION): string =>
  `arn:aws:${service}:${region}:${LOCAL_ACCOUNT}:${resource}`;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Local physical names obey the services' length limits (Lambda 64, rules 64, state machines 80). */
function localName(stackName: string, logicalId: string, max = 64): string {
  const name = `${stackName}-${logicalId}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return name.length <= max ? name : `${name.slice(0, max - 9)}-${hash(name)}`;
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Evaluates a set of stacks. Physical names come from the template's own name properties when it sets them, else
 * `<stack>-<logical id>`; ARNs use {@link LOCAL_ACCOUNT} / {@link LOCAL_REGION}.
 */
export class CfnEvaluator {
  private readonly physical = new Map<string, Physical>();
  private readonly exports = new Map<string, unknown>();
  private readonly conditions = new Map<string, boolean>();

  constructor(
    readonly stacks: readonly StackTemplate[],
    private readonly queueUrl: (name: string) => string = (name) =>
      `http://sqs.${LOCAL_REGION}.localhost/${LOCAL_ACCOUNT}/${name}`,
  ) {
    // Names first (resources may reference each other in any order), then exports, which may use any of them.
    for (const { stackName, template } of stacks) {
      for (const [id, resource] of Object.entries(template.Resources ?? {})) {
        this.physical.set(`${stackName}/${id}`, this.name(stackName, id, resource));
      }
    }
    // Names given as intrinsics (`{"Fn::Join": [...]}`) are resolved once every default name exists.
    for (const { stackName, template } of stacks) {
      for (const [id, resource] of Object.entries(template.Resources ?? {})) {
        const key = NAME_PROPERTY[resource.Type];
        const given = key === undefined ? undefined : resource.Properties?.[key];
        if (given === undefined || typeof given === 'string') continue;
        const props = { ...resource.Properties, [key!]: this.resolveString(stackName, given, `${id}.${key}`) };
        this.physical.set(`${stackName}/${id}`, this.name(stackName, id, { ...resource, Properties: props }));
      }
    }
    // Versions and aliases are named after their state machine: `<machine arn>:<n>` and `<machine arn>:<alias>`.
    for (const { stackName, template } of stacks) {
      const published = new Map<string, number>();
      const entries = Object.entries(template.Resources ?? {});
      for (const [id, resource] of entries) {
        if (resource.Type !== 'AWS::StepFunctions::StateMachineVersion') continue;
        const machine = String(this.resolve(stackName, resource.Properties?.StateMachineArn));
        const n = (published.get(machine) ?? 0) + 1;
        published.set(machine, n);
        this.physical.set(`${stackName}/${id}`, { ref: `${machine}:${n}`, attrs: { Arn: `${machine}:${n}` } });
      }
      for (const [id, resource] of entries) {
        if (resource.Type !== 'AWS::StepFunctions::StateMachineAlias') continue;
        const p = resource.Properties ?? {};
        const routes = (p.RoutingConfiguration ?? p.DeploymentPreference) as unknown;
        const first = Array.isArray(routes)
          ? (routes[0] as Record<string, unknown>)
          : (routes as Record<string, unknown>);
        const version = String(this.resolve(stackName, first?.StateMachineVersionArn));
        const machine = version.replace(/:\d+$/, '');
        const arnOf = `${machine}:${String(this.resolve(stackName, p.Name))}`;
        this.physical.set(`${stackName}/${id}`, { ref: arnOf, attrs: { Arn: arnOf } });
      }
    }
    // ECS service ARNs carry their cluster's name (`service/<cluster>/<name>`).
    for (const { stackName, template } of stacks) {
      for (const [id, resource] of Object.entries(template.Resources ?? {})) {
        if (resource.Type !== 'AWS::ECS::Service' || resource.Properties?.Cluster === undefined) continue;
        const cluster = String(this.resolve(stackName, resource.Properties.Cluster)).replace(/^.*:cluster\//, '');
        const current = this.physical.get(`${stackName}/${id}`)!;
        const name = current.attrs.Name!;
        const serviceArn = arn('ecs', `service/${cluster}/${name}`);
        this.physical.set(`${stackName}/${id}`, { ref: serviceArn, attrs: { Name: name, ServiceArn: serviceArn } });
      }
    }
    for (const { stackName, template } of stacks) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export === undefined) continue;
        const name = this.resolve(stackName, output.Export.Name);
        if (typeof name === 'string') this.exports.set(name, { stackName, value: output.Value });
      }
    }
  }

  /** Whether a resource exists in this deployment (its Condition, if any, holds). */
  exists(stackName: string, resource: CfnResource): boolean {
    return resource.Condition === undefined || this.condition(stackName, resource.Condition);
  }

  /** The local physical id (what `Ref` returns) of a resource. */
  ref(stackName: string, logicalId: string): string {
    const p = this.physical.get(`${stackName}/${logicalId}`);
    if (!p) throw new TemplateError(`${stackName}: Ref to unknown resource '${logicalId}'`);
    return p.ref;
  }

  /** An attribute (`Fn::GetAtt`) of a resource. */
  attr(stackName: string, logicalId: string, attribute: string): string {
    const p = this.physical.get(`${stackName}/${logicalId}`);
    if (!p) throw new TemplateError(`${stackName}: Fn::GetAtt of unknown resource '${logicalId}'`);
    const value = p.attrs[attribute];
    if (value !== undefined) return value;
    // Attributes local mode has no special meaning for still resolve to something stable and unique.
    return `${p.ref}.${attribute}`;
  }

  /** Resolves every intrinsic function in a value, in the context of one stack. */
  resolve(stackName: string, value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(stackName, v)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const key = keys[0]!;
      const arg = obj[key];
      const intrinsic = this.intrinsic(stackName, key, arg);
      if (intrinsic !== NOT_INTRINSIC) return intrinsic;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const resolved = this.resolve(stackName, v);
      if (resolved !== NO_VALUE) out[k] = resolved;
    }
    return out;
  }

  /** Resolves a value that must end up a string. */
  resolveString(stackName: string, value: unknown, where: string): string {
    const resolved = this.resolve(stackName, value);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new TemplateError(`${stackName}: ${where} does not resolve to a string (${JSON.stringify(resolved)})`);
  }

  private intrinsic(stackName: string, key: string, arg: unknown): unknown {
    switch (key) {
      case 'Ref':
        return this.refOrPseudo(stackName, String(arg));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.+)/);
        return this.attr(stackName, String(id), String(attribute));
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        const resolved = this.resolve(stackName, parts) as unknown[];
        return resolved.map((p) => String(p)).join(sep);
      }
      case 'Fn::Sub':
        return this.sub(stackName, arg);
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = this.resolve(stackName, list) as unknown[];
        return items[Number(this.resolve(stackName, index))];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return this.resolveString(stackName, text, 'Fn::Split').split(sep);
      }
      case 'Fn::If': {
        const [cond, yes, no] = arg as [string, unknown, unknown];
        return this.resolve(stackName, this.condition(stackName, cond) ? yes : no);
      }
      case 'Fn::ImportValue': {
        const name = this.resolveString(stackName, arg, 'Fn::ImportValue');
        const exported = this.exports.get(name) as { stackName: string; value: unknown } | undefined;
        if (!exported) throw new TemplateError(`${stackName}: Fn::ImportValue of unknown export '${name}'`);
        return this.resolve(exported.stackName, exported.value);
      }
      case 'Fn::GetStackOutput': {
        // Weak cross-stack references (CDK's recommended default): the consumer reads the producer's output.
        const a = (arg ?? {}) as { StackName?: unknown; OutputName?: unknown };
        const producer = this.resolveString(stackName, a.StackName, 'Fn::GetStackOutput');
        const output = this.resolveString(stackName, a.OutputName, 'Fn::GetStackOutput');
        const stack = this.stacks.find((s) => s.stackName === producer);
        const value = stack?.template.Outputs?.[output];
        if (!stack || value === undefined) {
          throw new TemplateError(`${stackName}: Fn::GetStackOutput of unknown output '${producer}.${output}'`);
        }
        return this.resolve(producer, value.Value);
      }
      case 'Fn::Base64':
        return Buffer.from(this.resolveString(stackName, arg, 'Fn::Base64')).toString('base64');
      case 'Fn::GetAZs':
        return [`${LOCAL_REGION}a`, `${LOCAL_REGION}b`, `${LOCAL_REGION}c`];
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(stackName, arg));
      default:
        return NOT_INTRINSIC;
    }
  }

  private refOrPseudo(stackName: string, name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return LOCAL_REGION;
      case 'AWS::AccountId':
        return LOCAL_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
      case 'AWS::StackId':
        return arn('cloudformation', `stack/${stackName}/local`);
      case 'AWS::NoValue':
        return NO_VALUE;
      default: {
        const stack = this.stacks.find((s) => s.stackName === stackName);
        const parameter = stack?.template.Parameters?.[name];
        if (parameter) return parameter.Default ?? '';
        return this.ref(stackName, name);
      }
    }
  }

  private sub(stackName: string, arg: unknown): string {
    const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
    return text.replace(/\$\{([^}]+)\}/g, (whole, expr: string) => {
      if (expr.startsWith('!')) return whole.replace('${!', '${');
      if (expr in vars) return String(this.resolve(stackName, vars[expr]));
      if (expr.includes('.') && !expr.startsWith('AWS::')) {
        const [id, attribute] = expr.split(/\.(.+)/) as [string, string];
        return this.attr(stackName, id, attribute);
      }
      return String(this.refOrPseudo(stackName, expr));
    });
  }

  private condition(stackName: string, name: string): boolean {
    const key = `${stackName}/${name}`;
    const known = this.conditions.get(key);
    if (known !== undefined) return known;
    const stack = this.stacks.find((s) => s.stackName === stackName);
    const expr = stack?.template.Conditions?.[name];
    if (expr === undefined) throw new TemplateError(`${stackName}: unknown condition '${name}'`);
    const value = this.evalCondition(stackName, expr);
    this.conditions.set(key, value);
    return value;
  }

  private evalCondition(stackName: string, expr: unknown): boolean {
    const obj = expr as Record<string, unknown>;
    const [key] = Object.keys(obj);
    const arg = obj[key!];
    switch (key) {
      case 'Fn::Equals': {
        const [a, b] = arg as [unknown, unknown];
        return JSON.stringify(this.resolve(stackName, a)) === JSON.stringify(this.resolve(stackName, b));
      }
      case 'Fn::Not':
        return !this.evalCondition(stackName, (arg as unknown[])[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => this.evalCondition(stackName, c));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => this.evalCondition(stackName, c));
      case 'Condition':
        return this.condition(stackName, String(arg));
      default:
        throw new TemplateError(`${stackName}: unsupported condition ${JSON.stringify(expr)}`);
    }
  }

  private name(stackName: string, id: string, resource: CfnResource): Physical {
    const p = resource.Properties ?? {};
    // A name the template sets explicitly wins (it may itself be an intrinsic, resolved lazily by the caller).
    const given = (key: string): string | undefined => str(p[key]);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table': {
        const n = given('TableName') ?? localName(stackName, id, 255);
        return {
          ref: n,
          attrs: { Arn: arn('dynamodb', `table/${n}`), StreamArn: arn('dynamodb', `table/${n}/stream/local`) },
        };
      }
      case 'AWS::Lambda::Function': {
        const n = given('FunctionName') ?? localName(stackName, id);
        return { ref: n, attrs: { Arn: arn('lambda', `function:${n}`) } };
      }
      case 'AWS::Lambda::Alias':
      case 'AWS::Lambda::Version':
        return { ref: arn('lambda', `function:${localName(stackName, id)}`), attrs: {} };
      case 'AWS::StepFunctions::StateMachine': {
        const n = given('StateMachineName') ?? localName(stackName, id, 80);
        const a = arn('states', `stateMachine:${n}`);
        return { ref: a, attrs: { Arn: a, Name: n } };
      }
      case 'AWS::Events::EventBus': {
        const n = given('Name') ?? localName(stackName, id, 256);
        return { ref: n, attrs: { Arn: arn('events', `event-bus/${n}`), Name: n } };
      }
      case 'AWS::Events::Rule': {
        const n = given('Name') ?? localName(stackName, id);
        return { ref: n, attrs: { Arn: arn('events', `rule/${n}`) } };
      }
      case 'AWS::SNS::Topic': {
        const n = given('TopicName') ?? localName(stackName, id, 256);
        const a = arn('sns', n);
        return { ref: a, attrs: { TopicArn: a, TopicName: n } };
      }
      case 'AWS::SQS::Queue': {
        const n = given('QueueName') ?? localName(stackName, id, 80);
        const url = this.queueUrl(n);
        return { ref: url, attrs: { Arn: arn('sqs', n), QueueName: n, QueueUrl: url } };
      }
      case 'AWS::IAM::Role': {
        const n = given('RoleName') ?? localName(stackName, id);
        return { ref: n, attrs: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${n}`, RoleId: `AROA${hash(n)}` } };
      }
      case 'AWS::ECS::Cluster': {
        const n = given('ClusterName') ?? localName(stackName, id, 255);
        return { ref: n, attrs: { Arn: arn('ecs', `cluster/${n}`) } };
      }
      case 'AWS::ECS::Service': {
        const n = given('ServiceName') ?? localName(stackName, id, 255);
        return { ref: arn('ecs', `service/${n}`), attrs: { Name: n, ServiceArn: arn('ecs', `service/${n}`) } };
      }
      case 'AWS::ECS::TaskDefinition': {
        const family = given('Family') ?? localName(stackName, id, 255);
        return {
          ref: arn('ecs', `task-definition/${family}:1`),
          attrs: { TaskDefinitionArn: arn('ecs', `task-definition/${family}:1`) },
        };
      }
      case 'AWS::Scheduler::Schedule': {
        const n = given('Name') ?? localName(stackName, id);
        return { ref: n, attrs: { Arn: arn('scheduler', `schedule/default/${n}`) } };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const n = given('Name') ?? localName(stackName, id);
        return { ref: n, attrs: { Arn: arn('scheduler', `schedule-group/${n}`) } };
      }
      case 'AWS::Logs::LogGroup': {
        const n = given('LogGroupName') ?? `/steward/${localName(stackName, id, 400)}`;
        return { ref: n, attrs: { Arn: arn('logs', `log-group:${n}:*`) } };
      }
      case 'AWS::ApiGateway::Stage': {
        // A stage's Ref is its name: API Gateway's source ARNs (`<api>/<stage>/<METHOD>/<path>`) carry it.
        const n = given('StageName') ?? localName(stackName, id);
        return { ref: n, attrs: {} };
      }
      case 'AWS::KMS::Key': {
        // Key ids are UUIDs on AWS; a stable hash of the logical id stands in for one.
        const keyId = `${hash(`${stackName}/${id}`)}-0000-4000-8000-${hash(id)}0000`;
        return { ref: keyId, attrs: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
      }
      case 'AWS::ServiceDiscovery::PrivateDnsNamespace':
      case 'AWS::ServiceDiscovery::PublicDnsNamespace':
      case 'AWS::ServiceDiscovery::HttpNamespace': {
        const n = `ns-${hash(`${stackName}/${id}`)}`;
        return { ref: n, attrs: { Id: n, Arn: arn('servicediscovery', `namespace/${n}`) } };
      }
      case 'AWS::ServiceDiscovery::Service': {
        const n = `srv-${hash(`${stackName}/${id}`)}`;
        const name = given('Name') ?? localName(stackName, id, 127);
        return { ref: n, attrs: { Id: n, Arn: arn('servicediscovery', `service/${n}`), Name: name } };
      }
      default: {
        const n = localName(stackName, id, 255);
        return { ref: n, attrs: { Arn: arn(resource.Type.split('::')[1]?.toLowerCase() ?? 'local', n) } };
      }
    }
  }
}

/** The property that names a resource, per type (only those local mode names from the template). */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ECS::Service': 'ServiceName',
  'AWS::ECS::TaskDefinition': 'Family',
  'AWS::Scheduler::Schedule': 'Name',
};

const NO_VALUE = Symbol('AWS::NoValue');
const NOT_INTRINSIC = Symbol('not an intrinsic');

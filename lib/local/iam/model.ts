/**
 * The IAM side of the synthesized templates, as local mode enforces it: every role with its trust policy and the
 * policies that apply to it (inline, `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` attached to it, AWS managed
 * ones), which role each function, state machine, schedule, rule target and task runs as, and the resource
 * policies services check (Lambda permissions, topic, queue and key policies). Every value is resolved with the same
 * CloudFormation evaluator that wires local mode, so ARNs in policies and ARNs at run time are the same strings.
 */
import { CfnEvaluator, type CfnResource, LOCAL_ACCOUNT, LOCAL_REGION, type StackTemplate } from '../cfn.ts';
import { managedPolicy, type PolicyDocument, type PolicyStatement } from './managed.ts';

/** A policy that applies to a role, named as the template names it. */
export interface AttachedPolicy {
  /** `<stack>/<logical id>` of the policy, or the managed policy ARN. */
  name: string;
  document: PolicyDocument;
}

export interface IamRole {
  logicalId: string;
  stackName: string;
  name: string;
  arn: string;
  trust: PolicyDocument;
  policies: AttachedPolicy[];
  /** AWS managed policy ARNs this model has no document for. */
  unknownManagedPolicies: string[];
}

export interface IamFunction {
  logicalId: string;
  stackName: string;
  /** The `steward:function` id; undefined for functions CDK adds for itself. */
  id?: string;
  name: string;
  arn: string;
  roleArn: string;
  inVpc: boolean;
  /** Where failed async invocations go: the DLQ and on-failure destinations (the function's role sends to them). */
  failureTargets: string[];
}

export interface IamModel {
  account: string;
  region: string;
  roles: Map<string, IamRole>;
  functions: IamFunction[];
  /** State machines; `logs` when they log to CloudWatch Logs (their role then needs the log-delivery actions). */
  stateMachines: Array<{ name: string; arn: string; roleArn: string; definition: string; logs: boolean }>;
  schedules: Array<{ name: string; arn: string; targetArn: string; roleArn?: string; dlqArn?: string }>;
  rules: Array<{ name: string; arn: string; targets: Array<{ arn: string; roleArn?: string; dlqArn?: string }> }>;
  subscriptions: Array<{ topicArn: string; protocol: string; endpoint: string; dlqArn?: string }>;
  alarms: Array<{ name: string; arn: string; actions: string[] }>;
  tasks: Array<{ family: string; taskRoleArn?: string; executionRoleArn?: string }>;
  /** Resource policies by resource ARN: Lambda permissions (per function), topic, queue and key policies. */
  resourcePolicies: Map<string, PolicyDocument>;
  /** The KMS key of each encrypted topic. */
  topicKeys: Map<string, string>;
  /** The REST API's id and stage (API Gateway's source ARN for Lambda permissions). */
  restApi?: { id: string; stage: string };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Reads the IAM model of a set of stacks. */
export function deriveIamModel(stacks: readonly StackTemplate[]): IamModel {
  const cfn = new CfnEvaluator(stacks);
  const all: Array<{ stackName: string; logicalId: string; resource: CfnResource }> = [];
  for (const { stackName, template } of stacks) {
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (cfn.exists(stackName, resource)) all.push({ stackName, logicalId, resource });
    }
  }
  const ofType = (type: string) => all.filter((f) => f.resource.Type === type);
  const props = (f: (typeof all)[number]): Record<string, unknown> =>
    cfn.resolve(f.stackName, f.resource.Properties ?? {}) as Record<string, unknown>;

  const model: IamModel = {
    account: LOCAL_ACCOUNT,
    region: LOCAL_REGION,
    roles: new Map(),
    functions: [],
    stateMachines: [],
    schedules: [],
    rules: [],
    subscriptions: [],
    alarms: [],
    tasks: [],
    resourcePolicies: new Map(),
    topicKeys: new Map(),
  };
  const customManaged = new Map<string, PolicyDocument>();
  for (const f of ofType('AWS::IAM::ManagedPolicy')) {
    customManaged.set(cfn.ref(f.stackName, f.logicalId), props(f).PolicyDocument as PolicyDocument);
  }
  const roleByName = new Map<string, IamRole>();
  for (const f of ofType('AWS::IAM::Role')) {
    const p = props(f);
    const arn = cfn.attr(f.stackName, f.logicalId, 'Arn');
    const role: IamRole = {
      logicalId: f.logicalId,
      stackName: f.stackName,
      name: cfn.ref(f.stackName, f.logicalId),
      arn,
      trust: (p.AssumeRolePolicyDocument as PolicyDocument) ?? { Statement: [] },
      policies: [],
      unknownManagedPolicies: [],
    };
    for (const inline of asArray(p.Policies as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>)) {
      role.policies.push({
        name: `${f.stackName}/${f.logicalId}/${inline.PolicyName}`,
        document: inline.PolicyDocument,
      });
    }
    for (const managed of asArray(p.ManagedPolicyArns as string[])) attachManaged(role, String(managed));
    model.roles.set(arn, role);
    roleByName.set(role.name, role);
  }
  function attachManaged(role: IamRole, arn: string): void {
    const doc = managedPolicy(arn) ?? customManaged.get(arn);
    if (doc) role.policies.push({ name: arn, document: doc });
    else role.unknownManagedPolicies.push(arn);
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const f of ofType(type)) {
      const p = props(f);
      for (const roleName of asArray(p.Roles as string[])) {
        const role = roleByName.get(String(roleName).replace(/^.*:role\//, ''));
        // A policy attached both ways (Roles and the role's ManagedPolicyArns) counts once.
        if (
          role &&
          !role.policies.some((x) => x.document === p.PolicyDocument || x.name === cfn.ref(f.stackName, f.logicalId))
        ) {
          role.policies.push({ name: `${f.stackName}/${f.logicalId}`, document: p.PolicyDocument as PolicyDocument });
        }
      }
    }
  }

  for (const f of ofType('AWS::Lambda::Function')) {
    const p = props(f);
    const id = f.resource.Metadata?.['steward:function'];
    model.functions.push({
      logicalId: f.logicalId,
      stackName: f.stackName,
      id: typeof id === 'string' ? id : undefined,
      name: cfn.ref(f.stackName, f.logicalId),
      arn: cfn.attr(f.stackName, f.logicalId, 'Arn'),
      roleArn: String(p.Role ?? ''),
      inVpc: p.VpcConfig !== undefined && asArray((p.VpcConfig as { SubnetIds?: unknown[] }).SubnetIds).length > 0,
      failureTargets: [str((p.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn)].filter(
        (x): x is string => x !== undefined,
      ),
    });
  }
  for (const f of ofType('AWS::Lambda::EventInvokeConfig')) {
    const p = props(f);
    const name = String(p.FunctionName);
    const fn = model.functions.find((x) => x.name === name || x.arn === name);
    const destinations = (p.DestinationConfig ?? {}) as Record<string, { Destination?: unknown }>;
    for (const d of [destinations.OnFailure?.Destination, destinations.OnSuccess?.Destination]) {
      if (fn && typeof d === 'string') fn.failureTargets.push(d);
    }
  }
  for (const f of ofType('AWS::StepFunctions::StateMachine')) {
    const p = props(f);
    model.stateMachines.push({
      name: cfn.attr(f.stackName, f.logicalId, 'Name'),
      arn: cfn.ref(f.stackName, f.logicalId),
      roleArn: String(p.RoleArn ?? ''),
      definition: typeof p.DefinitionString === 'string' ? p.DefinitionString : JSON.stringify(p.Definition ?? {}),
      logs: logsTo(p.LoggingConfiguration),
    });
  }
  for (const f of ofType('AWS::Scheduler::Schedule')) {
    const p = props(f);
    const target = (p.Target ?? {}) as Record<string, unknown>;
    model.schedules.push({
      name: cfn.ref(f.stackName, f.logicalId),
      arn: cfn.attr(f.stackName, f.logicalId, 'Arn'),
      targetArn: String(target.Arn ?? ''),
      roleArn: str(target.RoleArn),
      dlqArn: str((target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn),
    });
  }
  for (const f of ofType('AWS::Events::Rule')) {
    const p = props(f);
    model.rules.push({
      name: cfn.ref(f.stackName, f.logicalId),
      arn: cfn.attr(f.stackName, f.logicalId, 'Arn'),
      targets: asArray(p.Targets as Array<Record<string, unknown>>).map((t) => ({
        arn: String(t.Arn),
        roleArn: str(t.RoleArn),
        dlqArn: str((t.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn),
      })),
    });
  }
  for (const f of ofType('AWS::SNS::Subscription')) {
    const p = props(f);
    model.subscriptions.push({
      topicArn: String(p.TopicArn),
      protocol: String(p.Protocol),
      endpoint: String(p.Endpoint),
    });
  }
  for (const f of ofType('AWS::SNS::Topic')) {
    const p = props(f);
    const topicArn = cfn.ref(f.stackName, f.logicalId);
    if (typeof p.KmsMasterKeyId === 'string') model.topicKeys.set(topicArn, p.KmsMasterKeyId);
    for (const s of asArray(p.Subscription as Array<{ Protocol: string; Endpoint: string }>)) {
      model.subscriptions.push({ topicArn, protocol: s.Protocol, endpoint: s.Endpoint });
    }
  }
  for (const f of ofType('AWS::CloudWatch::Alarm')) {
    const p = props(f);
    const name = str(p.AlarmName) ?? `${f.stackName}-${f.logicalId}`;
    model.alarms.push({
      name,
      arn: `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:alarm:${name}`,
      actions: [...asArray(p.AlarmActions as string[]), ...asArray(p.OKActions as string[])].map(String),
    });
  }
  for (const f of ofType('AWS::ECS::TaskDefinition')) {
    const p = props(f);
    model.tasks.push({
      family: str(p.Family) ?? f.logicalId,
      taskRoleArn: str(p.TaskRoleArn),
      executionRoleArn: str(p.ExecutionRoleArn),
    });
  }

  const addStatements = (resourceArn: string, statements: PolicyStatement[]): void => {
    const doc = model.resourcePolicies.get(resourceArn) ?? { Version: '2012-10-17', Statement: [] };
    (doc.Statement as PolicyStatement[]).push(...statements);
    model.resourcePolicies.set(resourceArn, doc);
  };
  // A Lambda permission is a statement of the function's resource policy, in the shape Lambda writes it.
  for (const f of ofType('AWS::Lambda::Permission')) {
    const p = props(f);
    const fn = String(p.FunctionName);
    const fnArn = fn.startsWith('arn:') ? fn : `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${fn}`;
    const principal = String(p.Principal);
    const condition: Record<string, Record<string, unknown>> = {};
    if (typeof p.SourceArn === 'string') condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
    if (typeof p.SourceAccount === 'string') condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
    addStatements(fnArn.replace(/(:function:[^:]+):.*$/, '$1'), [
      {
        Sid: f.logicalId,
        Effect: 'Allow',
        Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
        Action: String(p.Action),
        Resource: fnArn,
        ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
      },
    ]);
  }
  const policyResources: Array<[string, string]> = [
    ['AWS::SNS::TopicPolicy', 'Topics'],
    ['AWS::SQS::QueuePolicy', 'Queues'],
  ];
  for (const [type, key] of policyResources) {
    for (const f of ofType(type)) {
      const p = props(f);
      const doc = p.PolicyDocument as PolicyDocument;
      for (const target of asArray(p[key] as string[])) {
        // Queue policies name queues by URL; resource policies are keyed by ARN.
        const resource = type === 'AWS::SQS::QueuePolicy' ? queueArnOf(String(target)) : String(target);
        addStatements(resource, asArray(doc.Statement));
      }
    }
  }
  for (const f of ofType('AWS::KMS::Key')) {
    const p = props(f);
    addStatements(cfn.attr(f.stackName, f.logicalId, 'Arn'), asArray((p.KeyPolicy as PolicyDocument).Statement));
  }
  const api = ofType('AWS::ApiGateway::RestApi')[0];
  const stage = ofType('AWS::ApiGateway::Stage')[0];
  if (api && stage) {
    model.restApi = { id: cfn.ref(api.stackName, api.logicalId), stage: String(props(stage).StageName ?? 'prod') };
  }
  return model;
}

/** Whether a `LoggingConfiguration` (CloudFormation or API casing) sends logs anywhere. */
export function logsTo(config: unknown): boolean {
  const c = (config ?? {}) as Record<string, unknown>;
  const destinations = asArray((c.Destinations ?? c.destinations) as unknown[]);
  const level = String(c.Level ?? c.level ?? 'ALL');
  return destinations.length > 0 && level !== 'OFF';
}

function queueArnOf(url: string): string {
  const name = url.split('/').filter(Boolean).at(-1) ?? url;
  return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
}

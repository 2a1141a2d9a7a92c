/**
 * What IAM checks for each AWS API operation, as AWS documents it: the action, the resource ARN the request
 * designates (a table or `table/T/index/I`, a state machine, version or alias ARN vs an execution ARN, a bus, a
 * topic, a queue, a key …) and the context keys the request carries (`iam:PassedToService`, `ecs:cluster`,
 * `cloudwatch:namespace`, `events:source` …). Local mode authorizes every request through this table, and the
 * deploy preflight maps the SDK commands found in each bundle through it too, so both use one definition.
 *
 * To cover another service, add a `<service>: { Operation: (input, scope) => [...] }` block; an operation missing
 * from the table is refused (a request nobody mapped is a request nobody checked).
 */
import { secretsAuthorization } from '../secrets/service.ts';

/** The services this table knows, by IAM service prefix. */
export type ServiceKey =
  | 'dynamodb'
  | 'states'
  | 'events'
  | 'ecs'
  | 'cloudwatch'
  | 'sqs'
  | 'sns'
  | 'lambda'
  | 'servicediscovery'
  | 'scheduler'
  | 'logs'
  | 'kms'
  | 'secretsmanager'
  | 'ssm';

/** One IAM decision a request needs. */
export interface AccessRequest {
  /** `service:Action`, e.g. `dynamodb:Query`. */
  action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
  /** Condition keys the request carries. */
  context?: Record<string, string | string[]>;
}

/** Where ARNs live and what the table may look up about the deployment. */
export interface AccessScope {
  region: string;
  account: string;
  /** The KMS key that encrypts a topic, when it is encrypted (publishers need kms:GenerateDataKey* on it). */
  topicKey?: (topicArn: string) => string | undefined;
}

/** Operation input as the endpoint parsed it. */
export type OperationInput = Record<string, unknown>;

type Rule = (input: OperationInput, scope: AccessScope) => AccessRequest[];

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const arn = (scope: AccessScope, service: string, resource: string): string =>
  `arn:aws:${service}:${scope.region}:${scope.account}:${resource}`;
const req = (action: string, resource: string, context?: AccessRequest['context']): AccessRequest =>
  context === undefined ? { action, resource } : { action, resource, context };
const passRole = (roleArn: unknown, service: string): AccessRequest[] =>
  typeof roleArn === 'string' && roleArn !== ''
    ? [req('iam:PassRole', roleArn, { 'iam:PassedToService': `${service}.amazonaws.com` })]
    : [];

// ---- DynamoDB: table ARNs, `table/T/index/I` for index reads ----
const table = (scope: AccessScope, name: unknown): string => {
  const n = s(name);
  return n.startsWith('arn:') ? n : arn(scope, 'dynamodb', `table/${n}`);
};
const onTable =
  (action: string): Rule =>
  (i, scope) => [req(`dynamodb:${action}`, table(scope, i.TableName))];
const onTableOrIndex =
  (action: string): Rule =>
  (i, scope) => [
    req(
      `dynamodb:${action}`,
      typeof i.IndexName === 'string' ? `${table(scope, i.TableName)}/index/${i.IndexName}` : table(scope, i.TableName),
    ),
  ];
const perRequestTable =
  (action: string): Rule =>
  (i, scope) =>
    Object.keys((i.RequestItems as Record<string, unknown>) ?? {}).map((t) =>
      req(`dynamodb:${action}`, table(scope, t)),
    );
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};
const transact: Rule = (i, scope) =>
  list(i.TransactItems).flatMap((item) =>
    Object.entries((item as Record<string, { TableName?: unknown }>) ?? {}).map(([kind, op]) =>
      req(`dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`, table(scope, op?.TableName)),
    ),
  );

// ---- Step Functions: machine / version / alias ARNs, execution ARNs ----
const machineArn = (scope: AccessScope, name: unknown): string => arn(scope, 'states', `stateMachine:${s(name)}`);
const onArn =
  (action: string, field: string): Rule =>
  (i) => [req(`states:${action}`, s(i[field]))];
const wildcard =
  (action: string): Rule =>
  () => [req(action, '*')];
const aliasArnOf = (i: OperationInput): string => {
  const first = list(i.routingConfiguration)[0] as { stateMachineVersionArn?: unknown } | undefined;
  return `${s(first?.stateMachineVersionArn).replace(/:\d+$/, '')}:${s(i.name)}`;
};

// ---- EventBridge: buses (default when absent) and rules (`rule/<bus>/<name>` off the default bus) ----
const busArn = (scope: AccessScope, nameOrArn: unknown): string => {
  const n = s(nameOrArn) || 'default';
  return n.startsWith('arn:') ? n : arn(scope, 'events', `event-bus/${n}`);
};
const ruleArn = (scope: AccessScope, i: OperationInput): string => {
  const bus = s(i.EventBusName).replace(/^arn:.*:event-bus\//, '');
  const name = s(i.Name ?? i.Rule);
  return arn(scope, 'events', bus === '' || bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`);
};
const onRule =
  (action: string): Rule =>
  (i, scope) => [req(`events:${action}`, ruleArn(scope, i))];

// ---- ECS: `service/<cluster>/<name>`, `task/<cluster>/<id>`, the `ecs:cluster` key ----
const clusterName = (v: unknown): string => s(v).replace(/^arn:.*:cluster\//, '') || 'default';
const clusterArn = (scope: AccessScope, v: unknown): string => arn(scope, 'ecs', `cluster/${clusterName(v)}`);
const ecsArn = (scope: AccessScope, kind: string, cluster: unknown, idOrArn: unknown): string =>
  s(idOrArn).startsWith('arn:') ? s(idOrArn) : arn(scope, 'ecs', `${kind}/${clusterName(cluster)}/${s(idOrArn)}`);
const inCluster = (scope: AccessScope, i: OperationInput): AccessRequest['context'] => ({
  'ecs:cluster': clusterArn(scope, i.cluster),
});

// ---- SQS: queue ARNs from queue URLs (`…/<account>/<name>`) ----
const queueArn = (scope: AccessScope, urlOrName: unknown): string => {
  const v = s(urlOrName);
  if (v.startsWith('arn:')) return v;
  const name = v.includes('/') ? (v.split('/').filter(Boolean).at(-1) ?? '') : v;
  return arn(scope, 'sqs', name);
};
const onQueue =
  (action: string): Rule =>
  (i, scope) => [req(`sqs:${action}`, queueArn(scope, i.QueueUrl))];

// ---- Lambda: function ARNs (name, partial or full ARN, with a qualifier) ----
const functionArn = (scope: AccessScope, nameOrArn: unknown, qualifier?: unknown): string => {
  const v = s(nameOrArn);
  const m = /^(?:arn:aws:lambda:[^:]+:\d{12}:function:|\d{12}:function:)?([^:]+)(?::([^:]+))?$/.exec(v);
  const name = m?.[1] ?? v;
  const q = m?.[2] ?? (typeof qualifier === 'string' && qualifier !== '' ? qualifier : undefined);
  return arn(scope, 'lambda', q === undefined ? `function:${name}` : `function:${name}:${q}`);
};

// ---- KMS: key ARNs (ids, ARNs, aliases) ----
const keyArn = (scope: AccessScope, id: unknown): string => {
  const v = s(id);
  if (v.startsWith('arn:')) return v;
  return v.startsWith('alias/') ? arn(scope, 'kms', v) : arn(scope, 'kms', `key/${v}`);
};
const onKey =
  (action: string): Rule =>
  (i, scope) => [req(`kms:${action}`, keyArn(scope, i.KeyId))];

// ---- Secrets Manager and SSM parameters: the ARNs the local secrets endpoint gives them ----
const secretsRule =
  (service: 'secretsmanager' | 'ssm', operation: string): Rule =>
  (i, scope) => {
    const { action, resources } = secretsAuthorization(service, operation, i, scope.region, scope.account);
    return resources.map((resource) => req(action, resource));
  };

/** The table: IAM service prefix → API operation → the decisions it needs. */
export const OPERATIONS: Record<ServiceKey, Record<string, Rule>> = {
  dynamodb: {
    GetItem: onTable('GetItem'),
    PutItem: onTable('PutItem'),
    UpdateItem: onTable('UpdateItem'),
    DeleteItem: onTable('DeleteItem'),
    DescribeTable: onTable('DescribeTable'),
    CreateTable: onTable('CreateTable'),
    DeleteTable: onTable('DeleteTable'),
    UpdateTable: onTable('UpdateTable'),
    DescribeTimeToLive: onTable('DescribeTimeToLive'),
    UpdateTimeToLive: onTable('UpdateTimeToLive'),
    Query: onTableOrIndex('Query'),
    Scan: onTableOrIndex('Scan'),
    BatchGetItem: perRequestTable('BatchGetItem'),
    BatchWriteItem: perRequestTable('BatchWriteItem'),
    TransactWriteItems: transact,
    TransactGetItems: transact,
    ListTables: wildcard('dynamodb:ListTables'),
    DescribeEndpoints: wildcard('dynamodb:DescribeEndpoints'),
  },
  states: {
    CreateStateMachine: (i, scope) => [
      req('states:CreateStateMachine', machineArn(scope, i.name)),
      ...(i.publish === true ? [req('states:PublishStateMachineVersion', machineArn(scope, i.name))] : []),
      ...passRole(i.roleArn, 'states'),
    ],
    UpdateStateMachine: (i) => [
      req('states:UpdateStateMachine', s(i.stateMachineArn)),
      ...(i.publish === true ? [req('states:PublishStateMachineVersion', s(i.stateMachineArn))] : []),
      ...passRole(i.roleArn, 'states'),
    ],
    DescribeStateMachine: onArn('DescribeStateMachine', 'stateMachineArn'),
    DeleteStateMachine: onArn('DeleteStateMachine', 'stateMachineArn'),
    ListStateMachines: wildcard('states:ListStateMachines'),
    ValidateStateMachineDefinition: wildcard('states:ValidateStateMachineDefinition'),
    StartExecution: onArn('StartExecution', 'stateMachineArn'),
    StartSyncExecution: onArn('StartSyncExecution', 'stateMachineArn'),
    ListExecutions: (i) => [req('states:ListExecutions', s(i.stateMachineArn ?? i.versionArn ?? i.aliasArn))],
    DescribeExecution: onArn('DescribeExecution', 'executionArn'),
    StopExecution: onArn('StopExecution', 'executionArn'),
    GetExecutionHistory: onArn('GetExecutionHistory', 'executionArn'),
    RedriveExecution: onArn('RedriveExecution', 'executionArn'),
    SendTaskSuccess: wildcard('states:SendTaskSuccess'),
    SendTaskFailure: wildcard('states:SendTaskFailure'),
    SendTaskHeartbeat: wildcard('states:SendTaskHeartbeat'),
    PublishStateMachineVersion: onArn('PublishStateMachineVersion', 'stateMachineArn'),
    ListStateMachineVersions: onArn('ListStateMachineVersions', 'stateMachineArn'),
    DeleteStateMachineVersion: onArn('DeleteStateMachineVersion', 'stateMachineVersionArn'),
    CreateStateMachineAlias: (i) => [req('states:CreateStateMachineAlias', aliasArnOf(i))],
    UpdateStateMachineAlias: onArn('UpdateStateMachineAlias', 'stateMachineAliasArn'),
    DescribeStateMachineAlias: onArn('DescribeStateMachineAlias', 'stateMachineAliasArn'),
    DeleteStateMachineAlias: onArn('DeleteStateMachineAlias', 'stateMachineAliasArn'),
    ListStateMachineAliases: onArn('ListStateMachineAliases', 'stateMachineArn'),
    TagResource: onArn('TagResource', 'resourceArn'),
    UntagResource: onArn('UntagResource', 'resourceArn'),
    ListTagsForResource: onArn('ListTagsForResource', 'resourceArn'),
    DescribeStateMachineForExecution: onArn('DescribeStateMachineForExecution', 'executionArn'),
  },
  events: {
    PutEvents: (i, scope) =>
      list(i.Entries).map((e) => {
        const entry = (e ?? {}) as OperationInput;
        return req('events:PutEvents', busArn(scope, entry.EventBusName), {
          'events:source': s(entry.Source),
          'events:detail-type': s(entry.DetailType),
        });
      }),
    PutRule: onRule('PutRule'),
    DescribeRule: onRule('DescribeRule'),
    DeleteRule: onRule('DeleteRule'),
    PutTargets: (i, scope) => [
      req('events:PutTargets', ruleArn(scope, i)),
      ...list(i.Targets).flatMap((t) => passRole((t as OperationInput).RoleArn, 'events')),
    ],
    RemoveTargets: onRule('RemoveTargets'),
    ListTargetsByRule: onRule('ListTargetsByRule'),
    ListRules: wildcard('events:ListRules'),
    CreateEventBus: (i, scope) => [req('events:CreateEventBus', busArn(scope, i.Name))],
    DescribeEventBus: (i, scope) => [req('events:DescribeEventBus', busArn(scope, i.Name))],
    ListEventBuses: wildcard('events:ListEventBuses'),
    TestEventPattern: wildcard('events:TestEventPattern'),
  },
  ecs: {
    ListClusters: wildcard('ecs:ListClusters'),
    DescribeClusters: (i, scope) =>
      (list(i.clusters).length > 0 ? list(i.clusters) : ['default']).map((c) =>
        req('ecs:DescribeClusters', clusterArn(scope, c)),
      ),
    // List actions take no resource ARN; AWS scopes them with the cluster condition.
    ListServices: (i, scope) => [req('ecs:ListServices', '*', inCluster(scope, i))],
    ListTasks: (i, scope) => [req('ecs:ListTasks', '*', inCluster(scope, i))],
    DescribeServices: (i, scope) =>
      list(i.services).map((x) =>
        req('ecs:DescribeServices', ecsArn(scope, 'service', i.cluster, x), inCluster(scope, i)),
      ),
    UpdateService: (i, scope) => [
      req('ecs:UpdateService', ecsArn(scope, 'service', i.cluster, i.service), inCluster(scope, i)),
    ],
    DescribeTasks: (i, scope) =>
      list(i.tasks).map((x) => req('ecs:DescribeTasks', ecsArn(scope, 'task', i.cluster, x), inCluster(scope, i))),
    StopTask: (i, scope) => [req('ecs:StopTask', ecsArn(scope, 'task', i.cluster, i.task), inCluster(scope, i))],
    // Task definitions are read without resource-level permissions.
    DescribeTaskDefinition: wildcard('ecs:DescribeTaskDefinition'),
    ListTaskDefinitions: wildcard('ecs:ListTaskDefinitions'),
  },
  cloudwatch: {
    // PutMetricData has no resource: the namespace condition scopes it.
    PutMetricData: (i) => [req('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': s(i.Namespace) })],
    ListMetrics: wildcard('cloudwatch:ListMetrics'),
    GetMetricData: wildcard('cloudwatch:GetMetricData'),
    GetMetricStatistics: wildcard('cloudwatch:GetMetricStatistics'),
    DescribeAlarms: wildcard('cloudwatch:DescribeAlarms'),
    PutMetricAlarm: (i, scope) => [
      req('cloudwatch:PutMetricAlarm', arn(scope, 'cloudwatch', `alarm:${s(i.AlarmName)}`)),
    ],
    DeleteAlarms: (i, scope) =>
      list(i.AlarmNames).map((n) => req('cloudwatch:DeleteAlarms', arn(scope, 'cloudwatch', `alarm:${s(n)}`))),
  },
  sqs: {
    CreateQueue: (i, scope) => [req('sqs:CreateQueue', queueArn(scope, i.QueueName))],
    GetQueueUrl: (i, scope) => [req('sqs:GetQueueUrl', queueArn(scope, i.QueueName))],
    ListQueues: wildcard('sqs:ListQueues'),
    SendMessage: onQueue('SendMessage'),
    SendMessageBatch: onQueue('SendMessage'),
    ReceiveMessage: onQueue('ReceiveMessage'),
    DeleteMessage: onQueue('DeleteMessage'),
    DeleteMessageBatch: onQueue('DeleteMessage'),
    ChangeMessageVisibility: onQueue('ChangeMessageVisibility'),
    PurgeQueue: onQueue('PurgeQueue'),
    GetQueueAttributes: onQueue('GetQueueAttributes'),
    // A message-move task reads and deletes from the source and sends to the destination (SQS developer guide).
    StartMessageMoveTask: (i, scope) => {
      const source = queueArn(scope, i.SourceArn);
      return [
        req('sqs:StartMessageMoveTask', source),
        req('sqs:ReceiveMessage', source),
        req('sqs:DeleteMessage', source),
        req('sqs:GetQueueAttributes', source),
        ...(typeof i.DestinationArn === 'string' ? [req('sqs:SendMessage', queueArn(scope, i.DestinationArn))] : []),
      ];
    },
  },
  sns: {
    Publish: (i, scope) => {
      const topic = s(i.TopicArn ?? i.TargetArn);
      const key = scope.topicKey?.(topic);
      return [
        req('sns:Publish', topic),
        // Publishing to an encrypted topic uses its key on the publisher's behalf (SNS developer guide, SSE).
        ...(key === undefined ? [] : [req('kms:GenerateDataKey', key), req('kms:Decrypt', key)]),
      ];
    },
    CreateTopic: (i, scope) => [req('sns:CreateTopic', arn(scope, 'sns', s(i.Name)))],
    Subscribe: (i) => [req('sns:Subscribe', s(i.TopicArn))],
    ListSubscriptionsByTopic: (i) => [req('sns:ListSubscriptionsByTopic', s(i.TopicArn))],
    ListTopics: wildcard('sns:ListTopics'),
  },
  lambda: {
    Invoke: (i, scope) => [req('lambda:InvokeFunction', functionArn(scope, i.FunctionName, i.Qualifier))],
    InvokeAsync: (i, scope) => [req('lambda:InvokeFunction', functionArn(scope, i.FunctionName))],
    GetFunction: (i, scope) => [req('lambda:GetFunction', functionArn(scope, i.FunctionName, i.Qualifier))],
    GetFunctionConfiguration: (i, scope) => [
      req('lambda:GetFunctionConfiguration', functionArn(scope, i.FunctionName, i.Qualifier)),
    ],
  },
  servicediscovery: {
    ListNamespaces: wildcard('servicediscovery:ListNamespaces'),
    ListServices: wildcard('servicediscovery:ListServices'),
    DiscoverInstances: wildcard('servicediscovery:DiscoverInstances'),
    GetNamespace: (i, scope) => [
      req('servicediscovery:GetNamespace', arn(scope, 'servicediscovery', `namespace/${s(i.Id)}`)),
    ],
    GetService: (i, scope) => [
      req('servicediscovery:GetService', arn(scope, 'servicediscovery', `service/${s(i.Id)}`)),
    ],
    ListInstances: (i, scope) => [
      req('servicediscovery:ListInstances', arn(scope, 'servicediscovery', `service/${s(i.ServiceId)}`)),
    ],
  },
  scheduler: {
    CreateSchedule: (i, scope) => [
      req('scheduler:CreateSchedule', arn(scope, 'scheduler', `schedule/${s(i.GroupName) || 'default'}/${s(i.Name)}`)),
      ...passRole((i.Target as OperationInput | undefined)?.RoleArn, 'scheduler'),
    ],
    UpdateSchedule: (i, scope) => [
      req('scheduler:UpdateSchedule', arn(scope, 'scheduler', `schedule/${s(i.GroupName) || 'default'}/${s(i.Name)}`)),
      ...passRole((i.Target as OperationInput | undefined)?.RoleArn, 'scheduler'),
    ],
    GetSchedule: (i, scope) => [
      req('scheduler:GetSchedule', arn(scope, 'scheduler', `schedule/${s(i.GroupName) || 'default'}/${s(i.Name)}`)),
    ],
    DeleteSchedule: (i, scope) => [
      req('scheduler:DeleteSchedule', arn(scope, 'scheduler', `schedule/${s(i.GroupName) || 'default'}/${s(i.Name)}`)),
    ],
    ListSchedules: wildcard('scheduler:ListSchedules'),
  },
  logs: {
    CreateLogGroup: (i, scope) => [req('logs:CreateLogGroup', arn(scope, 'logs', `log-group:${s(i.logGroupName)}`))],
    CreateLogStream: (i, scope) => [
      req(
        'logs:CreateLogStream',
        arn(scope, 'logs', `log-group:${s(i.logGroupName)}:log-stream:${s(i.logStreamName)}`),
      ),
    ],
    PutLogEvents: (i, scope) => [
      req('logs:PutLogEvents', arn(scope, 'logs', `log-group:${s(i.logGroupName)}:log-stream:${s(i.logStreamName)}`)),
    ],
    FilterLogEvents: (i, scope) => [req('logs:FilterLogEvents', arn(scope, 'logs', `log-group:${s(i.logGroupName)}`))],
  },
  kms: {
    Encrypt: onKey('Encrypt'),
    Decrypt: onKey('Decrypt'),
    GenerateDataKey: onKey('GenerateDataKey'),
    DescribeKey: onKey('DescribeKey'),
  },
  // Secret ARNs end in a random six-character suffix; parameters are `parameter/<name without the leading slash>`.
  secretsmanager: {
    GetSecretValue: secretsRule('secretsmanager', 'GetSecretValue'),
  },
  ssm: {
    GetParameter: secretsRule('ssm', 'GetParameter'),
    GetParameters: secretsRule('ssm', 'GetParameters'),
  },
};

/** The decisions an operation needs, or undefined when the table does not know the operation. */
export function accessRequests(
  service: ServiceKey,
  operation: string,
  input: OperationInput,
  scope: AccessScope,
): AccessRequest[] | undefined {
  const rule = OPERATIONS[service]?.[operation];
  return rule ? rule(input, scope) : undefined;
}

/** SDK client packages (`@aws-sdk/client-<x>`) → the service they call, for the preflight's reading of bundles. */
export const CLIENT_PACKAGES: Record<string, ServiceKey> = {
  'client-dynamodb': 'dynamodb',
  'lib-dynamodb': 'dynamodb',
  'client-sfn': 'states',
  'client-eventbridge': 'events',
  'client-ecs': 'ecs',
  'client-cloudwatch': 'cloudwatch',
  'client-sqs': 'sqs',
  'client-sns': 'sns',
  'client-lambda': 'lambda',
  'client-servicediscovery': 'servicediscovery',
  'client-scheduler': 'scheduler',
  'client-cloudwatch-logs': 'logs',
  'client-kms': 'kms',
  'client-secrets-manager': 'secretsmanager',
  'client-ssm': 'ssm',
};

/** The document client's commands and the DynamoDB operation each one sends. */
export const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** Operations whose IAM action name differs from the operation name (`Invoke` → `lambda:InvokeFunction`). */
export function actionOf(service: ServiceKey, operation: string): string {
  if (service === 'lambda' && operation === 'Invoke') return 'lambda:InvokeFunction';
  return `${service}:${operation}`;
}

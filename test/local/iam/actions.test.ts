/**
 * The action table: each API operation maps to the IAM action, the resource ARN and the context keys AWS documents
 * for it (Service Authorization Reference; the services' IAM guides).
 */
import { describe, expect, it } from 'vitest';
import { type AccessRequest, accessRequests, actionOf, type ServiceKey } from '../../../lib/local/iam/actions.ts';

const scope = {
  region: 'eu-west-1',
  account: '123456789012',
  topicKey: (arn: string) =>
    arn.endsWith(':alerts') ? 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' : undefined,
};
const A = 'arn:aws';
const R = 'eu-west-1:123456789012';
const SM = `${A}:states:${R}:stateMachine:steward-dev-seed`;

const CASES: Array<[ServiceKey, string, Record<string, unknown>, AccessRequest[]]> = [
  // DynamoDB: the table, or `table/T/index/I` for an index read; batches per table; transactions per item.
  ['dynamodb', 'GetItem', { TableName: 'T' }, [{ action: 'dynamodb:GetItem', resource: `${A}:dynamodb:${R}:table/T` }]],
  [
    'dynamodb',
    'Query',
    { TableName: 'T', IndexName: 'gsi1' },
    [{ action: 'dynamodb:Query', resource: `${A}:dynamodb:${R}:table/T/index/gsi1` }],
  ],
  ['dynamodb', 'Query', { TableName: 'T' }, [{ action: 'dynamodb:Query', resource: `${A}:dynamodb:${R}:table/T` }]],
  [
    'dynamodb',
    'BatchWriteItem',
    { RequestItems: { A: [], B: [] } },
    [
      { action: 'dynamodb:BatchWriteItem', resource: `${A}:dynamodb:${R}:table/A` },
      { action: 'dynamodb:BatchWriteItem', resource: `${A}:dynamodb:${R}:table/B` },
    ],
  ],
  [
    'dynamodb',
    'TransactWriteItems',
    { TransactItems: [{ Put: { TableName: 'A' } }, { ConditionCheck: { TableName: 'B' } }] },
    [
      { action: 'dynamodb:PutItem', resource: `${A}:dynamodb:${R}:table/A` },
      { action: 'dynamodb:ConditionCheckItem', resource: `${A}:dynamodb:${R}:table/B` },
    ],
  ],
  // Step Functions: machine, version and alias ARNs as given; execution (and express) ARNs; callbacks have no resource.
  [
    'states',
    'StartExecution',
    { stateMachineArn: `${SM}:live` },
    [{ action: 'states:StartExecution', resource: `${SM}:live` }],
  ],
  [
    'states',
    'StartExecution',
    { stateMachineArn: `${SM}:3` },
    [{ action: 'states:StartExecution', resource: `${SM}:3` }],
  ],
  [
    'states',
    'DescribeExecution',
    { executionArn: `${A}:states:${R}:express:steward-dev-seed:e1` },
    [{ action: 'states:DescribeExecution', resource: `${A}:states:${R}:express:steward-dev-seed:e1` }],
  ],
  [
    'states',
    'RedriveExecution',
    { executionArn: `${A}:states:${R}:execution:steward-dev-seed:e1` },
    [{ action: 'states:RedriveExecution', resource: `${A}:states:${R}:execution:steward-dev-seed:e1` }],
  ],
  ['states', 'SendTaskSuccess', { taskToken: 't' }, [{ action: 'states:SendTaskSuccess', resource: '*' }]],
  [
    'states',
    'CreateStateMachine',
    { name: 'steward-dev-x', roleArn: `${A}:iam::123456789012:role/runtime`, publish: true },
    [
      { action: 'states:CreateStateMachine', resource: `${A}:states:${R}:stateMachine:steward-dev-x` },
      { action: 'states:PublishStateMachineVersion', resource: `${A}:states:${R}:stateMachine:steward-dev-x` },
      {
        action: 'iam:PassRole',
        resource: `${A}:iam::123456789012:role/runtime`,
        context: { 'iam:PassedToService': 'states.amazonaws.com' },
      },
    ],
  ],
  [
    'states',
    'CreateStateMachineAlias',
    { name: 'live', routingConfiguration: [{ stateMachineVersionArn: `${SM}:2`, weight: 100 }] },
    [{ action: 'states:CreateStateMachineAlias', resource: `${SM}:live` }],
  ],
  // EventBridge: the bus each entry names (default when absent), with its source and detail type.
  [
    'events',
    'PutEvents',
    {
      Entries: [
        { EventBusName: 'steward-dev', Source: 's', DetailType: 'd' },
        { Source: 'aws.x', DetailType: 'e' },
      ],
    },
    [
      {
        action: 'events:PutEvents',
        resource: `${A}:events:${R}:event-bus/steward-dev`,
        context: { 'events:source': 's', 'events:detail-type': 'd' },
      },
      {
        action: 'events:PutEvents',
        resource: `${A}:events:${R}:event-bus/default`,
        context: { 'events:source': 'aws.x', 'events:detail-type': 'e' },
      },
    ],
  ],
  [
    'events',
    'PutRule',
    { Name: 'r', EventBusName: 'b' },
    [{ action: 'events:PutRule', resource: `${A}:events:${R}:rule/b/r` }],
  ],
  ['events', 'PutRule', { Name: 'r' }, [{ action: 'events:PutRule', resource: `${A}:events:${R}:rule/r` }]],
  // ECS: service and task ARNs under their cluster, with the cluster condition; list actions on `*`.
  [
    'ecs',
    'UpdateService',
    { cluster: 'steward-dev', service: 'commerce' },
    [
      {
        action: 'ecs:UpdateService',
        resource: `${A}:ecs:${R}:service/steward-dev/commerce`,
        context: { 'ecs:cluster': `${A}:ecs:${R}:cluster/steward-dev` },
      },
    ],
  ],
  [
    'ecs',
    'StopTask',
    { cluster: `${A}:ecs:${R}:cluster/c`, task: 'abc' },
    [
      {
        action: 'ecs:StopTask',
        resource: `${A}:ecs:${R}:task/c/abc`,
        context: { 'ecs:cluster': `${A}:ecs:${R}:cluster/c` },
      },
    ],
  ],
  [
    'ecs',
    'ListTasks',
    { cluster: 'c' },
    [{ action: 'ecs:ListTasks', resource: '*', context: { 'ecs:cluster': `${A}:ecs:${R}:cluster/c` } }],
  ],
  // CloudWatch: PutMetricData has no resource; the namespace condition scopes it.
  [
    'cloudwatch',
    'PutMetricData',
    { Namespace: 'Steward' },
    [{ action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': 'Steward' } }],
  ],
  // SQS: the queue ARN from its URL.
  [
    'sqs',
    'SendMessage',
    { QueueUrl: 'http://127.0.0.1:4501/123456789012/dlq' },
    [{ action: 'sqs:SendMessage', resource: `${A}:sqs:${R}:dlq` }],
  ],
  // SNS: publishing to an encrypted topic also uses its key.
  [
    'sns',
    'Publish',
    { TopicArn: `${A}:sns:${R}:alerts` },
    [
      { action: 'sns:Publish', resource: `${A}:sns:${R}:alerts` },
      { action: 'kms:GenerateDataKey', resource: `${A}:kms:${R}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
      { action: 'kms:Decrypt', resource: `${A}:kms:${R}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
    ],
  ],
  ['sns', 'Publish', { TopicArn: `${A}:sns:${R}:plain` }, [{ action: 'sns:Publish', resource: `${A}:sns:${R}:plain` }]],
  // Lambda: any way of naming a function designates the same ARN; a qualifier stays on it.
  [
    'lambda',
    'Invoke',
    { FunctionName: 'fn' },
    [{ action: 'lambda:InvokeFunction', resource: `${A}:lambda:${R}:function:fn` }],
  ],
  [
    'lambda',
    'Invoke',
    { FunctionName: '123456789012:function:fn' },
    [{ action: 'lambda:InvokeFunction', resource: `${A}:lambda:${R}:function:fn` }],
  ],
  [
    'lambda',
    'Invoke',
    { FunctionName: 'fn', Qualifier: 'live' },
    [{ action: 'lambda:InvokeFunction', resource: `${A}:lambda:${R}:function:fn:live` }],
  ],
  // Cloud Map, Scheduler, Logs, KMS.
  [
    'servicediscovery',
    'GetNamespace',
    { Id: 'ns-1' },
    [{ action: 'servicediscovery:GetNamespace', resource: `${A}:servicediscovery:${R}:namespace/ns-1` }],
  ],
  [
    'scheduler',
    'CreateSchedule',
    { Name: 's', Target: { RoleArn: `${A}:iam::123456789012:role/r` } },
    [
      { action: 'scheduler:CreateSchedule', resource: `${A}:scheduler:${R}:schedule/default/s` },
      {
        action: 'iam:PassRole',
        resource: `${A}:iam::123456789012:role/r`,
        context: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      },
    ],
  ],
  [
    'logs',
    'PutLogEvents',
    { logGroupName: '/aws/lambda/f', logStreamName: 's' },
    [{ action: 'logs:PutLogEvents', resource: `${A}:logs:${R}:log-group:/aws/lambda/f:log-stream:s` }],
  ],
  ['kms', 'Decrypt', { KeyId: 'alias/steward' }, [{ action: 'kms:Decrypt', resource: `${A}:kms:${R}:alias/steward` }]],
];

describe('the IAM action table', () => {
  it.each(CASES)('%s %s %j', (service, operation, input, expected) => {
    expect(accessRequests(service, operation, input, scope)).toEqual(expected);
  });

  it('knows no operation it was not given (the guard refuses those)', () => {
    expect(accessRequests('states', 'DeleteActivity', {}, scope)).toBeUndefined();
  });

  it('names the IAM action of operations whose API name differs', () => {
    expect(actionOf('lambda', 'Invoke')).toBe('lambda:InvokeFunction');
    expect(actionOf('states', 'StartExecution')).toBe('states:StartExecution');
  });
});

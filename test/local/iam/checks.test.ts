/**
 * Create-time checks: what AWS refuses when the stack is created or wired (VPC functions without network-interface
 * permissions, roles whose trust does not admit their service, invocations no resource policy or role allows) fails
 * local mode's start, naming the resource, what is missing and the statement that would allow it.
 */
import { describe, expect, it } from 'vitest';
import { LOG_DELIVERY_ACTIONS } from '../../../lib/core/aws-permissions.ts';
import type { CfnResource } from '../../../lib/local/cfn.ts';
import { IamAuthorizer } from '../../../lib/local/iam/authorizer.ts';
import { createTimeChecks, describeFindings } from '../../../lib/local/iam/checks.ts';
import { deriveIamModel } from '../../../lib/local/iam/model.ts';
import { loadTemplates } from '../../../lib/local/templates.ts';
import { deriveWiring } from '../../../lib/local/wiring.ts';
import { ROOT } from '../../infra/support.ts';
import { KNOWN_GAPS } from '../../support/iam-known-gaps.ts';
import { arn, fnWithRole, stack } from './fixtures.ts';

const run = async (resources: Record<string, CfnResource>, routes = []) => {
  const model = deriveIamModel(stack(resources));
  return createTimeChecks(model, new IamAuthorizer(model), routes);
};
const ids = (findings: Array<{ id: string }>): string[] => findings.map((f) => f.id).sort();
const VPC_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

describe('create-time checks', () => {
  it('a VPC function needs the network-interface permissions on its role (inline or the AWS managed policy)', async () => {
    const findings = await run({
      ...fnWithRole('bare', [], { vpc: true }),
      ...fnWithRole('managed', [], { vpc: true, managed: [VPC_POLICY] }),
      ...fnWithRole('inline', [{ Effect: 'Allow', Action: ['ec2:*NetworkInterface*'], Resource: '*' }], { vpc: true }),
      ...fnWithRole('novpc', []),
    });

    expect(ids(findings)).toEqual(['vpc-eni:bare']);
    expect(findings[0]!.problem).toContain(
      'lacks ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DeleteNetworkInterface',
    );
    expect(findings[0]!.allowingStatement).toMatchObject({
      Action: expect.arrayContaining(['ec2:CreateNetworkInterface']),
    });
  });

  it("a role's trust policy must admit the service that assumes it, with the source the service names", async () => {
    const statesTrust = (source: string) => ({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { ArnLike: { 'aws:SourceArn': source } },
        },
      ],
    });
    const machine = (id: string, roleId: string): Record<string, CfnResource> => ({
      [id]: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: id, RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] }, DefinitionString: '{}' },
      },
    });
    const findings = await run({
      ...fnWithRole('wrongtrust', [], { trust: statesTrust('*') }),
      RoleGood: {
        Type: 'AWS::IAM::Role',
        Properties: { RoleName: 'good', AssumeRolePolicyDocument: statesTrust(arn('states', 'stateMachine:*')) },
      },
      RoleOther: {
        Type: 'AWS::IAM::Role',
        Properties: { RoleName: 'other', AssumeRolePolicyDocument: statesTrust(arn('states', 'stateMachine:other-*')) },
      },
      ...machine('m1', 'RoleGood'),
      ...machine('m2', 'RoleOther'),
    });

    expect(ids(findings)).toEqual(['trust:other:states.amazonaws.com', 'trust:role-wrongtrust:lambda.amazonaws.com']);
  });

  it('wired invocations are allowed where AWS checks them: rules and subscriptions by resource policy, schedules and machines by role', async () => {
    const fnArn = arn('lambda', 'function:fn-target');
    const findings = await run({
      ...fnWithRole('target', []),
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { Name: 'r1', EventPattern: { source: ['x'] }, Targets: [{ Id: 't', Arn: fnArn }] },
      },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
      Sub: {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'Topic' }, Protocol: 'lambda', Endpoint: fnArn },
      },
      // Only the topic may invoke: the rule's permission is missing.
      Perm: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: 'fn-target',
          Principal: 'sns.amazonaws.com',
          SourceArn: { Ref: 'Topic' },
        },
      },
      SchedRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'sched',
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
        },
      },
      Schedule: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          Name: 's1',
          ScheduleExpression: 'rate(1 minute)',
          Target: { Arn: fnArn, RoleArn: { 'Fn::GetAtt': ['SchedRole', 'Arn'] } },
        },
      },
    });

    expect(ids(findings)).toEqual(['rule-invoke:r1:target', 'schedule-invoke:s1']);
    const rule = findings.find((f) => f.id === 'rule-invoke:r1:target')!;
    expect(rule.allowingStatement).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: fnArn,
      Condition: { ArnLike: { 'aws:SourceArn': arn('events', 'rule/r1') } },
    });
  });

  it('an alarm may notify an encrypted topic only if the topic policy and the key policy both admit CloudWatch', async () => {
    const topic = (id: string, name: string, key: string): Record<string, CfnResource> => ({
      [id]: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: name, KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
      },
      [`${id}Policy`]: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [{ Ref: id }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: 'sns:Publish',
                Resource: { Ref: id },
              },
            ],
          },
        },
      },
      [`${id}Alarm`]: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { AlarmName: `${name}-alarm`, AlarmActions: [{ Ref: id }] },
      },
    });
    const key = (id: string, cloudwatch: boolean): Record<string, CfnResource> => ({
      [id]: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Statement: [
              { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' },
              ...(cloudwatch
                ? [
                    {
                      Effect: 'Allow',
                      Principal: { Service: 'cloudwatch.amazonaws.com' },
                      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
                      Resource: '*',
                    },
                  ]
                : []),
            ],
          },
        },
      },
    });

    const findings = await run({
      ...key('Open', true),
      ...key('Closed', false),
      ...topic('T1', 'ok', 'Open'),
      ...topic('T2', 'locked', 'Closed'),
    });

    expect(ids(findings)).toEqual(['alarm-key:locked:kms:Decrypt', 'alarm-key:locked:kms:GenerateDataKey']);
  });

  it('each API route needs the Lambda permission for its source ARN', async () => {
    const model = deriveIamModel(
      stack({
        ...fnWithRole('api', []),
        Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'api' } },
        Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { StageName: 'v1', RestApiId: { Ref: 'Api' } } },
        Perm: {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: { 'Fn::GetAtt': ['Fnapi', 'Arn'] },
            Principal: 'apigateway.amazonaws.com',
            SourceArn: {
              'Fn::Join': [
                '',
                ['arn:aws:execute-api:us-east-1:000000000000:', { Ref: 'Api' }, '/', { Ref: 'Stage' }, '/GET/things/*'],
              ],
            },
          },
        },
      }),
    );
    const routes = [
      { method: 'GET', path: '/things/{id}', functionName: 'fn-api' },
      { method: 'DELETE', path: '/things/{id}', functionName: 'fn-api' },
    ];

    const findings = await createTimeChecks(model, new IamAuthorizer(model), routes);

    expect(ids(findings)).toEqual(['api-invoke:DELETE /things/{id}']);
  });

  it('a state machine that logs to CloudWatch Logs needs the log-delivery actions on its role', async () => {
    const trust = {
      Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const machine = (id: string, role: string): Record<string, CfnResource> => ({
      [`Role${id}`]: { Type: 'AWS::IAM::Role', Properties: { RoleName: role, AssumeRolePolicyDocument: trust } },
      [id]: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: id,
          RoleArn: { 'Fn::GetAtt': [`Role${id}`, 'Arn'] },
          DefinitionString: '{}',
          LoggingConfiguration: {
            Level: 'ALL',
            Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arn('logs', 'log-group:g:*') } }],
          },
        },
      },
    });
    const findings = await run({
      ...machine('silent', 'no-logs'),
      ...machine('logged', 'with-logs'),
      Delivery: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'delivery',
          Roles: [{ Ref: 'Rolelogged' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: [...LOG_DELIVERY_ACTIONS],
                Resource: '*',
              },
            ],
          },
        },
      },
    });

    expect(ids(findings)).toEqual(['sfn-logs:silent']);
    expect(findings[0]!.problem).toContain('not authorized to access the Log Destination');
  });

  it('an AWS managed policy local mode has no document for is a finding, not a silent grant', async () => {
    const findings = await run(fnWithRole('odd', [], { managed: ['arn:aws:iam::aws:policy/SomethingNew'] }));

    expect(ids(findings)).toEqual(['managed-policy:SomethingNew']);
    expect(describeFindings(findings)).toContain('add it to lib/local/iam/managed.ts');
  });

  it.each(['dev', 'prod'])(
    "reproduces the templates' known gaps as local failures (%s): VPC functions without network-interface permissions",
    async (tier) => {
      const { stacks } = await loadTemplates(ROOT, tier);
      const model = deriveIamModel(stacks);

      const findings = await createTimeChecks(model, new IamAuthorizer(model), deriveWiring(stacks).api);

      expect(ids(findings)).toEqual([...KNOWN_GAPS.createTime].sort());
    },
    120_000,
  );
});

/** Small synthesized-looking stacks for the IAM tests: roles, policies and resources as CDK writes them. */
import type { CfnResource, StackTemplate } from '../../../lib/local/cfn.ts';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const arn = (service: string, resource: string): string => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

const lambdaTrust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** A function `fn-<id>` with role `role-<id>` whose default policy holds `statements`. */
export function fnWithRole(
  id: string,
  statements: unknown[],
  extra: { vpc?: boolean; managed?: string[]; trust?: unknown } = {},
): Record<string, CfnResource> {
  return {
    [`Role${id}`]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: `role-${id}`,
        AssumeRolePolicyDocument: extra.trust ?? lambdaTrust,
        ...(extra.managed ? { ManagedPolicyArns: extra.managed } : {}),
      },
    },
    [`Policy${id}`]: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: `policy-${id}`,
        Roles: [{ Ref: `Role${id}` }],
        PolicyDocument: { Version: '2012-10-17', Statement: statements },
      },
    },
    [`Fn${id}`]: {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'steward:function': id },
      Properties: {
        FunctionName: `fn-${id}`,
        Role: { 'Fn::GetAtt': [`Role${id}`, 'Arn'] },
        ...(extra.vpc ? { VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] } } : {}),
      },
    },
  };
}

/** One stack of the given resources. */
export function stack(resources: Record<string, CfnResource>): StackTemplate[] {
  return [{ stackName: 'Test', template: { Resources: resources } }];
}

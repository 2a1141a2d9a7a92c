/**
 * Run-time decisions that involve a resource's own policy, as AWS makes them in one account: a resource policy can
 * allow a role its identity policies do not, an explicit Deny in either wins, and a KMS key's policy must let the
 * account's IAM policies apply before they count.
 */
import { describe, expect, it } from 'vitest';
import { accessRequests } from '../../../lib/local/iam/actions.ts';
import { IamAuthorizer } from '../../../lib/local/iam/authorizer.ts';
import { deriveIamModel } from '../../../lib/local/iam/model.ts';
import { arn, fnWithRole, stack } from './fixtures.ts';

const ROLE = 'arn:aws:iam::000000000000:role/role-caller';

describe('run-time decisions with resource policies', () => {
  const queueUrl = (name: string) => `http://127.0.0.1:4501/000000000000/${name}`;
  const model = deriveIamModel(
    stack({
      ...fnWithRole('caller', [
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' },
        { Effect: 'Allow', Action: ['sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt'], Resource: '*' },
      ]),
      ...fnWithRole('target', []),
      // The function's resource policy lets the caller's role invoke it, with no identity grant for that.
      Perm: {
        Type: 'AWS::Lambda::Permission',
        Properties: { Action: 'lambda:InvokeFunction', FunctionName: 'fn-target', Principal: ROLE },
      },
      Locked: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'locked' } },
      LockedPolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'Locked' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:SendMessage', Resource: arn('sqs', 'locked') },
            ],
          },
        },
      },
      Open: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'open' } },
      Shared: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Statement: [
              { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' },
            ],
          },
        },
      },
      Sealed: {
        Type: 'AWS::KMS::Key',
        Properties: {
          KeyPolicy: {
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: 'arn:aws:iam::000000000000:role/admin' },
                Action: 'kms:*',
                Resource: '*',
              },
            ],
          },
        },
      },
      SharedTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: 'shared', KmsMasterKeyId: { 'Fn::GetAtt': ['Shared', 'Arn'] } },
      },
      SealedTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: 'sealed', KmsMasterKeyId: { 'Fn::GetAtt': ['Sealed', 'Arn'] } },
      },
    }),
  );
  const authorizer = new IamAuthorizer(model);
  const decide = (service: 'lambda' | 'sqs' | 'sns', operation: string, input: Record<string, unknown>) =>
    authorizer.authorizeRole(ROLE, accessRequests(service, operation, input, authorizer.scope)!);

  it('a function resource policy naming the role allows the invoke its identity policies do not', async () => {
    expect(await decide('lambda', 'Invoke', { FunctionName: 'fn-target' })).toBeUndefined();
    expect(await decide('lambda', 'Invoke', { FunctionName: 'fn-caller' })).toMatchObject({
      action: 'lambda:InvokeFunction',
      explicit: false,
    });
  });

  it('an explicit Deny in a queue policy wins over the role allowing it, and says where it is', async () => {
    expect(await decide('sqs', 'SendMessage', { QueueUrl: queueUrl('open') })).toBeUndefined();
    const denial = await decide('sqs', 'SendMessage', { QueueUrl: queueUrl('locked') });

    expect(denial).toMatchObject({ explicit: true, policyType: 'resource-based' });
    expect(denial?.message).toMatch(/with an explicit deny in a resource-based policy$/);
  });

  it("an encrypted topic needs its key, and a key policy that does not delegate to the account's IAM refuses", async () => {
    expect(await decide('sns', 'Publish', { TopicArn: arn('sns', 'shared'), Message: 'm' })).toBeUndefined();
    const denial = await decide('sns', 'Publish', { TopicArn: arn('sns', 'sealed'), Message: 'm' });

    expect(denial).toMatchObject({
      action: 'kms:GenerateDataKey',
      resource: model.topicKeys.get(arn('sns', 'sealed')),
    });
  });
});

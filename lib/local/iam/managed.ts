/**
 * The AWS managed policies Steward's templates attach, with the documents AWS publishes for them (IAM's AWS managed
 * policy reference). Local mode has no IAM service to ask, so a role that attaches a managed policy not listed here
 * fails the create-time checks, naming the policy, rather than being silently granted nothing or everything.
 */

/** An IAM policy document. */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[] | PolicyStatement;
}

/** One statement of a policy document. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const allow = (actions: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});

const BASIC_LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

/** AWS managed policies by ARN suffix (`service-role/AWSLambdaBasicExecutionRole`). */
export const AWS_MANAGED_POLICIES: Record<string, PolicyDocument> = {
  'service-role/AWSLambdaBasicExecutionRole': allow(BASIC_LOGS),
  'service-role/AWSLambdaVPCAccessExecutionRole': allow([
    ...BASIC_LOGS,
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ]),
  'service-role/AmazonAPIGatewayPushToCloudWatchLogs': allow([
    'logs:CreateLogGroup',
    'logs:CreateLogStream',
    'logs:DescribeLogGroups',
    'logs:DescribeLogStreams',
    'logs:PutLogEvents',
    'logs:GetLogEvents',
    'logs:FilterLogEvents',
  ]),
  'service-role/AmazonECSTaskExecutionRolePolicy': allow([
    'ecr:GetAuthorizationToken',
    'ecr:BatchCheckLayerAvailability',
    'ecr:GetDownloadUrlForLayer',
    'ecr:BatchGetImage',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ]),
  AWSXRayDaemonWriteAccess: allow([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'xray:GetSamplingStatisticSummaries',
  ]),
  'service-role/AWSLambdaSQSQueueExecutionRole': allow([
    ...BASIC_LOGS,
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
  ]),
};

/** The document of an AWS managed policy ARN (`arn:aws:iam::aws:policy/…`), or undefined when not known. */
export function managedPolicy(arn: string): PolicyDocument | undefined {
  const m = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(arn);
  return m ? AWS_MANAGED_POLICIES[m[1]!] : undefined;
}

/**
 * Permissions AWS itself requires of a role at create time, named once: the constructs grant them and local mode's
 * create-time checks (lib/local/iam/checks.ts) refuse a template whose role lacks them, as AWS would.
 */

/** The permissions Lambda needs on a VPC function's role to create its network interfaces. */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
] as const;

/**
 * What a state machine's role needs for Step Functions to deliver its logs to CloudWatch Logs; without them
 * CreateStateMachine fails ("The state machine IAM Role is not authorized to access the Log Destination").
 */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

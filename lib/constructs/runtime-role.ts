import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LOG_DELIVERY_ACTIONS } from '../core/aws-permissions.ts';

/** Properties of a {@link StateMachineRuntimeRole}. */
export interface StateMachineRuntimeRoleProps {
  readonly stepRunner: lambda.IFunction;
  readonly waiter: lambda.IFunction;
}

/**
 * The role state machines created over the API run with: assumable by Step Functions only, may invoke only the step
 * runner and the waiter, deliver logs and traces. Sub-workflows need nothing more: the step runner starts them and
 * the run waits on a task token. The `api-workflows` function may pass this role and no other.
 */
export class StateMachineRuntimeRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: StateMachineRuntimeRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Steward: role of state machines created through the API',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.stepRunner.functionArn, props.waiter.functionArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...LOG_DELIVERY_ACTIONS],
        resources: ['*'],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
        ],
        resources: ['*'],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Logs delivery and X-Ray actions support no resource-level permissions (Resource must be *).',
    });
  }
}

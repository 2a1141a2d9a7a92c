import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SUBSTITUTIONS } from '../core/runtime-contract.ts';
import type { TierConfig } from '../core/tiers.ts';
import { prefixAck } from './access.ts';
import type { ExpressExecutionLogs } from './express-logs.ts';

/** Metadata key local mode reads to map a state machine resource to its workflow. */
export const WORKFLOW_METADATA_KEY = 'steward:workflow';

/** Name of the alias every Steward state machine gets; the API starts executions on it. */
export const LIVE_ALIAS = 'live';

/** Properties of a {@link WorkflowStateMachine}. */
export interface WorkflowStateMachineProps {
  /** The workflow's name (document `name`). */
  readonly workflowName: string;
  /** The state machine name: the deployment prefix plus the workflow's slug. */
  readonly stateMachineName: string;
  /** Compiled ASL (an object: it enters CDK as data, with `${StepRunnerArn}`/`${WaiterArn}` left for substitution). */
  readonly asl: object;
  /** What the compiler recommends. */
  readonly recommendedType: 'STANDARD' | 'EXPRESS';
  /**
   * Forces a type over the compiler's recommendation.
   * @default - the recommended type
   */
  readonly type?: 'STANDARD' | 'EXPRESS';
  readonly stepRunner: lambda.IFunction;
  readonly waiter: lambda.IFunction;
  /** Prefix of the deployment's state machines: sub-workflow starts are granted on it. */
  readonly stateMachinePrefix: string;
  readonly tier: TierConfig;
  /**
   * Where an Express state machine logs (level ALL): Step Functions sends no status-change events for Express
   * executions, so the deployment reads their start and end from this group ({@link ExpressExecutionLogs}).
   * Required for Express; Standard state machines log to a group of their own.
   */
  readonly expressLogs?: ExpressExecutionLogs;
}

/**
 * One deployed workflow: a state machine from compiled ASL, logging and tracing per tier, a published version per
 * definition revision (old versions are retained, so running executions keep theirs) and the `live` alias on it.
 */
export class WorkflowStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly version: sfn.CfnStateMachineVersion;
  readonly alias: sfn.CfnStateMachineAlias;
  readonly type: 'STANDARD' | 'EXPRESS';

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(props.stateMachineName)) {
      throw new Error(
        `WorkflowStateMachine: name '${props.stateMachineName}' must be 1-80 letters, digits, '-' or '_' ` +
          '(shorten the workflow name or the deployment prefix)',
      );
    }
    this.type = props.type ?? props.recommendedType;
    const express = this.type === 'EXPRESS';
    const retain = props.tier.removalPolicy === 'retain';
    if (express && !props.expressLogs) {
      throw new Error(
        `WorkflowStateMachine '${props.stateMachineName}': an Express state machine needs expressLogs (its runs end only in its logs)`,
      );
    }
    const logGroup: logs.ILogGroup =
      express && props.expressLogs
        ? props.expressLogs.logGroup
        : new logs.LogGroup(this, 'Logs', {
            // The vended-logs prefix keeps the log group resource policy small as state machines multiply.
            logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
            retention: props.tier.logRetentionDays as logs.RetentionDays,
            removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
          });
    // Express runs end only in their logs: ExecutionSucceeded is logged at level ALL only.
    const level = express || props.tier.stateMachineLogLevel === 'ALL' ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(props.asl)),
      definitionSubstitutions: {
        [SUBSTITUTIONS.stepRunner]: props.stepRunner.functionArn,
        [SUBSTITUTIONS.waiter]: props.waiter.functionArn,
      },
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        level,
        // An Express run's result exists only in its logs (there is no DescribeExecution for it).
        includeExecutionData: express || props.tier.includeExecutionData,
      },
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const cfn = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfn.addMetadata(WORKFLOW_METADATA_KEY, props.workflowName);
    // The unqualified ARNs only (grantInvoke would add `:*`, every version and alias).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.stepRunner.functionArn, props.waiter.functionArn],
      }),
    );
    if (JSON.stringify(props.asl).includes('arn:aws:states:::states:startExecution')) this.grantSubWorkflows(props);

    // A new version resource each revision; the retained old ones keep serving the executions started on them.
    this.version = new sfn.CfnStateMachineVersion(this, 'Version', {
      stateMachineArn: this.stateMachine.stateMachineArn,
      stateMachineRevisionId: this.stateMachine.stateMachineRevisionId,
      description: `${props.workflowName}: deployed definition`,
    });
    // RETAIN sets UpdateReplacePolicy too: a replaced version stays for its running executions; deleting the state
    // machine with the stack removes every version anyway.
    this.version.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.alias = new sfn.CfnStateMachineAlias(this, 'Live', {
      name: LIVE_ALIAS,
      description: `${props.workflowName}: the version new executions start on`,
      routingConfiguration: [{ stateMachineVersionArn: this.version.attrArn, weight: 100 }],
    });
    if (level !== sfn.LogLevel.ALL) {
      Validations.of(cfn).acknowledge({
        id: 'AwsSolutions-SF1',
        reason: `Tier '${props.tier.name}' logs ERROR events only: ALL would log every transition of every run (cost and volume); history is in Steward's own tables.`,
      });
    }
    Validations.of(cfn).acknowledge({
      id: 'CloudFormation-Validate::E1029',
      reason:
        'The context.x / steps.x placeholders are Steward templates resolved at run time. DefinitionSubstitutions ' +
        'replaces only its own keys (StepRunnerArn, WaiterArn) and leaves every other placeholder as written; no Fn::Sub is involved.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray and CloudWatch Logs delivery actions support no resource-level permissions (Resource must be *).',
    });
  }

  private grantSubWorkflows(props: WorkflowStateMachineProps): void {
    const stack = Stack.of(this);
    const arn = (resource: string, name: string): string =>
      stack.formatArn({ service: 'states', resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [arn('stateMachine', `${props.stateMachinePrefix}*`)],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [arn('execution', `${props.stateMachinePrefix}*`)],
      }),
    );
    Validations.of(this.stateMachine).acknowledge(
      prefixAck('stateMachine', props.stateMachinePrefix, 'sub-workflows are started by name within this deployment'),
      prefixAck('execution', props.stateMachinePrefix, 'sub-workflow executions are named at run time'),
    );
    // `.sync` integrations watch the child through this managed rule (AWS documents these exact resources).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
          }),
        ],
      }),
    );
  }
}

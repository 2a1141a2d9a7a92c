import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  AssetHashType,
  DockerImage,
  Duration,
  type ILocalBundling,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../core/env.ts';
import type { FunctionSpec } from '../core/functions.ts';
import { functionMemory, type TierConfig } from '../core/tiers.ts';
import { type AccessTargets, grantAccess, WILDCARD_ACTIONS } from './access.ts';
import { bundleHandlerSync } from './bundling.ts';

/** Metadata key local mode reads to find each Steward function in a synthesized template. */
export const FUNCTION_METADATA_KEY = 'steward:function';

export { BUNDLING } from './bundling.ts';

/**
 * Bundles one handler with the project's esbuild (lib/constructs/bundling.ts). `entry` is a field on purpose: CDK
 * caches staged assets by their source path and bundling options, which are the same for every function apart from
 * this object, so without the entry in it every function would get the first one's bundle.
 */
class HandlerBundling implements ILocalBundling {
  constructor(readonly entry: string) {}

  tryBundle(outputDir: string): boolean {
    bundleHandlerSync(this.entry, outputDir);
    return true;
  }
}

/** Properties of a {@link StewardFunction}. */
export interface StewardFunctionProps {
  /** The function's entry from lib/core/functions.ts. */
  readonly spec: FunctionSpec;
  readonly tier: TierConfig;
  /** Deployment name (`steward-dev`): the function name prefix and a metric dimension. */
  readonly deployment: string;
  /** Repository root: entries resolve against it. */
  readonly rootDir: string;
  /**
   * Queue receiving failed asynchronous invocations (on-failure destination, two retries).
   * @default - none: the function is invoked synchronously only
   */
  readonly asyncFailureQueue?: sqs.IQueue;
  /**
   * VPC to run in (probing functions reach ECS services by their private Cloud Map names).
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /** @default - a new security group when `vpc` is set */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** @default - none */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * THE house Lambda: Node 22 on ARM64, memory/timeout from the catalog (memory scaled by tier), X-Ray active, its
 * own log group with the tier's retention, source maps, ESM bundle with the SDK inside, its own role (no managed
 * policies), and `bind()` turning each `Access` into a scoped grant plus the environment variable it implies.
 */
export class StewardFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly spec: FunctionSpec;
  private readonly acknowledged = new Set<string>();

  constructor(scope: Construct, id: string, props: StewardFunctionProps) {
    super(scope, id);
    const { spec, tier } = props;
    if (!/^[a-z][a-z0-9-]*$/.test(spec.id)) {
      throw new Error(`StewardFunction: spec id '${spec.id}' must be lower-case kebab-case (it names the function)`);
    }
    if (spec.timeoutSeconds < 1 || spec.timeoutSeconds > 900) {
      throw new Error(`StewardFunction '${spec.id}': timeoutSeconds ${spec.timeoutSeconds} must be within 1..900`);
    }
    const entry = path.join(props.rootDir, spec.entry);
    if (!existsSync(entry)) {
      throw new Error(`StewardFunction '${spec.id}': entry ${spec.entry} does not exist under ${props.rootDir}`);
    }
    this.spec = spec;
    const functionName = `${props.deployment}-${spec.id}`;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: tier.logRetentionDays as logs.RetentionDays,
      removalPolicy: tier.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: logs only to this function's log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Steward ${spec.id}`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (props.vpc) {
      // Lambda creates the function's network interfaces with its role when the function is created: without these
      // actions CreateFunction fails. CDK attaches this policy only to roles it creates itself, so it is explicit here.
      this.role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
    }
    const reserved = tier.reservedConcurrency[spec.id];
    this.function = new lambda.Function(this, 'Function', {
      functionName,
      description: spec.description,
      // The bundle of lib/constructs/bundling.ts, built with the project's esbuild (never Docker): `index.mjs` and
      // the chunks it loads on first use. The asset is hashed by its output, as the bundle is all Lambda receives.
      code: lambda.Code.fromAsset(props.rootDir, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('dummy'),
          local: new HandlerBundling(entry),
        },
      }),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: functionMemory(spec.memoryMb, tier),
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      vpc: props.vpc,
      securityGroups: props.securityGroups,
      allowPublicSubnet: false,
      reservedConcurrentExecutions: reserved,
      onFailure: props.asyncFailureQueue ? new SqsDestination(props.asyncFailureQueue) : undefined,
      retryAttempts: props.asyncFailureQueue ? 2 : undefined,
      maxEventAge: props.asyncFailureQueue ? Duration.hours(1) : undefined,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: spec.id,
        POWERTOOLS_METRICS_NAMESPACE: 'Steward',
        LOG_LEVEL: tier.logLevel,
        [ENV.tier]: tier.name,
        [ENV.deployment]: props.deployment,
        ...props.environment,
      },
    });
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata(FUNCTION_METADATA_KEY, spec.id);
    this.acknowledgeFindings(Boolean(props.vpc), Boolean(props.asyncFailureQueue));
  }

  /** The function as an IFunction. */
  get fn(): lambda.IFunction {
    return this.function;
  }

  /** Grants every access of the spec (and sets the environment it implies) against the given targets. */
  bindAll(targets: AccessTargets): void {
    for (const access of this.spec.access) this.bind(access, targets);
  }

  /** Grants one access: a scoped IAM grant plus its environment variable, in the same call. */
  bind(access: FunctionSpec['access'][number], targets: AccessTargets): void {
    const { env, acknowledgements } = grantAccess(this.function, access, targets, Stack.of(this));
    for (const [k, v] of Object.entries(env)) this.function.addEnvironment(k, v);
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    for (const ack of acknowledgements) {
      if (this.acknowledged.has(ack.id)) continue;
      this.acknowledged.add(ack.id);
      Validations.of(policy ?? this.role).acknowledge(ack);
    }
  }

  private acknowledgeFindings(inVpc: boolean, async: boolean): void {
    const v = Validations.of(this);
    for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
      v.acknowledge({
        id,
        reason:
          'nodejs22.x is pinned on purpose: the project, its tests and local mode run on Node 22 (package.json devDependency `node`).',
      });
    }
    v.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Actions with no resource-level permissions (Resource must be *): ' +
        [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          ...this.spec.access.flatMap((a) => WILDCARD_ACTIONS[a] ?? []),
        ].join(', '),
    });
    if (!async) {
      v.acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `'${this.spec.id}' is only invoked synchronously (${this.spec.triggers.join(', ')}): the caller gets the error, a DLQ applies to async invocations only.`,
      });
    } else {
      v.acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Failed asynchronous invocations go to an on-failure destination (SQS) that records the error with the event; a legacy DLQ would duplicate it.',
      });
    }
    if (inVpc) {
      v.acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'ENI management for VPC functions: the AWS managed policy is the documented minimum (ec2 ENI actions need Resource *).',
      });
    }
  }
}

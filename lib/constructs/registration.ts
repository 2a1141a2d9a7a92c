import { type CfnResource, CustomResource, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { WAIT_DECLARATIONS_RESOURCE_TYPE } from '../core/routing/routes.ts';
import type { TierConfig } from '../core/tiers.ts';
import type { StewardFunction } from './steward-function.ts';

/** A deployed workflow as the registrar receives it. */
export interface RegisteredWorkflow {
  readonly name: string;
  readonly version: string;
  /** The workflow document, as a JSON string. */
  readonly definition: string;
  readonly state_machine_arn: string;
  readonly alias_arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
}

/** Properties of a {@link RegistrarProvider}. */
export interface RegistrarProviderProps {
  /** The `registrar` function (lambdas/registrar). */
  readonly registrar: StewardFunction;
  readonly tier: TierConfig;
}

/** The custom-resource provider (Provider framework) in front of the registrar function. One per deployment. */
export class RegistrarProvider extends Construct {
  readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: RegistrarProviderProps) {
    super(scope, id);
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.registrar.function,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.tier.logRetentionDays as logs.RetentionDays }),
    });
    Validations.of(this.provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The CDK Provider framework function: its role is created by aws-cdk-lib with the basic execution policy.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).resolve((props.registrar.function.node.defaultChild as CfnResource).logicalId)}.Arn>:*]`,
        reason:
          'The Provider framework may invoke any version of the registrar (aws-cdk-lib grant); it is one function.',
      },
      { id: 'AwsSolutions-L1', reason: 'The CDK Provider framework function: aws-cdk-lib picks its runtime.' },
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'Invoked synchronously by CloudFormation: failures are reported to the stack.',
      },
      { id: 'Serverless-LambdaTracing', reason: 'The CDK Provider framework function offers no tracing option.' },
      {
        id: 'Serverless-LambdaDefaultMemorySize',
        reason: 'The CDK Provider framework function: aws-cdk-lib sizes it.',
      },
    );
  }

  /** A custom resource of `resourceType` served by the registrar, as `scope`'s child `Resource`. */
  resource(scope: Construct, resourceType: string, properties: Record<string, unknown>): CustomResource {
    return new CustomResource(scope, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType,
      properties,
    });
  }
}

/** Properties of a {@link Registration}. */
export interface RegistrationProps {
  readonly provider: RegistrarProvider;
  readonly workflows?: readonly RegisteredWorkflow[];
  /** Manifest entries with `base_url` and the ECS cluster/service ARNs filled in. */
  readonly services?: readonly Record<string, unknown>[];
  /** The manifest's supervision groups (strategies, group budgets, parents). @default - none */
  readonly groups?: readonly Record<string, unknown>[];
}

/**
 * Registers the workflows and services of one stack in the registry at deploy time. One per stack, so a stack
 * split keeps each registration next to the resources it names (no cross-stack ARNs).
 */
export class Registration extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: RegistrationProps) {
    super(scope, id);
    this.resource = props.provider.resource(this, 'Custom::StewardRegistration', {
      workflows: props.workflows ?? [],
      services: props.services ?? [],
      groups: props.groups ?? [],
    });
  }
}

/** Properties of a {@link WaitDeclarations}. */
export interface WaitDeclarationsProps {
  readonly provider: RegistrarProvider;
  /** The event types the stack's deployed workflows wait for (`event_wait` steps). */
  readonly eventTypes: readonly string[];
  /**
   * Whether this run also completes the declarations: declares the waits of every workflow version already stored
   * (once) and records that every version's waits are declared, so routers may skip undeclared types. Only once no
   * code that stores versions without declaring them can run: in the stack of the workflows API, after its
   * function. @default false
   */
  readonly completes?: boolean;
}

/**
 * Declares the event types a stack's deployed workflows wait for, before CloudFormation creates or updates their
 * state machines (each depends on it): the event router keeps early events only of declared types (declared waits,
 * docs/engine.md). One per workflows stack; the API stack holds the one that completes the declarations.
 */
export class WaitDeclarations extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: WaitDeclarationsProps) {
    super(scope, id);
    this.resource = props.provider.resource(this, WAIT_DECLARATIONS_RESOURCE_TYPE, {
      event_types: [...new Set(props.eventTypes)].sort(),
      ...(props.completes ? { complete: true } : {}),
    });
  }
}

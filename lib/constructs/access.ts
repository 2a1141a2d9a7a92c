import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ENV } from '../core/env.ts';
import type { Access } from '../core/functions.ts';
import { HISTORY_TABLE, REGISTRY_TABLE, type TableDefinition } from '../core/tables.ts';
import { apiTriggerPrefix } from '../core/workflow/triggers.ts';

/** What the grants of {@link grantAccess} point at. Each access names the targets it needs. */
export interface AccessTargets {
  readonly registry?: dynamodb.ITable;
  readonly history?: dynamodb.ITable;
  readonly bus?: events.IEventBus;
  /** Prefix of the deployment's state machines (`steward-dev-`). */
  readonly stateMachinePrefix?: string;
  /** Role API-created state machines run with (the only role `sfn:manage` may pass). */
  readonly runtimeRole?: iam.IRole;
  /** Step runner and waiter: `sfn:manage` needs their ARNs for definition substitutions. */
  readonly stepRunner?: lambda.IFunction;
  readonly waiter?: lambda.IFunction;
  /** Log group of Express state machines: `sfn:manage` configures API-created Express machines to log there. */
  readonly expressLogGroup?: logs.ILogGroup;
  /** The workflow-trigger function: `triggers:manage` points schedules and rules at it. */
  readonly workflowTrigger?: lambda.IFunction;
  /** Role and dead-letter queues of API-created triggers (the only role `triggers:manage` may pass). */
  readonly apiTriggers?: {
    readonly schedulerRole: iam.IRole;
    readonly scheduleDeadLetterQueue: sqs.IQueue;
    readonly ruleDeadLetterQueue: sqs.IQueue;
    /** Steward's bus by its literal name (rule ARNs in the policy stay literal, not cross-stack imports). */
    readonly busName: string;
  };
  /**
   * ECS clusters of the managed services, by literal name (so the ARNs in policies are literal, not exports).
   * Empty: no managed services, ECS grants are omitted.
   */
  readonly clusters?: readonly { readonly clusterName: string }[];
  readonly alertTopic?: sns.ITopic;
  readonly restarter?: lambda.IFunction;
  /** ARNs of custom-check Lambdas named in the manifest. */
  readonly customCheckArns?: readonly string[];
  /** Cloud Map namespace ids to scan. */
  readonly cloudMapNamespaceIds?: readonly string[];
  /** Days before history items expire. */
  readonly historyRetentionDays?: number;
}

/** Actions that support no resource-level permission, by access: listed in docs/infrastructure.md. */
export const WILDCARD_ACTIONS: Readonly<Partial<Record<Access, readonly string[]>>> = {
  'sfn:callback': ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
  'sfn:list': ['states:ListStateMachines'],
  'sfn:manage': ['states:ValidateStateMachineDefinition', 'states:ListStateMachines'],
  'cloudmap:read': [
    'servicediscovery:ListNamespaces',
    'servicediscovery:ListServices',
    'servicediscovery:DiscoverInstances',
  ],
  'ecs:read': ['ecs:ListServices', 'ecs:ListTasks'],
};

function need<T>(value: T | undefined, access: Access, what: string): T {
  if (value === undefined) {
    throw new Error(`Access '${access}' needs ${what}: pass it in the AccessTargets given to bind()/bindAll()`);
  }
  return value;
}

/**
 * Grants `access` to `fn`, scoped to the given targets, and returns the environment variables that access implies
 * (the same call that grants is the one that configures, so they cannot drift).
 */
export function grantAccess(
  fn: lambda.IFunction,
  access: Access,
  t: AccessTargets,
  stack: Stack = Stack.of(fn),
): { env: Record<string, string>; acknowledgements: Acknowledgement[] } {
  const acknowledgements: Acknowledgement[] = [];
  const env = grant(fn, access, t, stack, acknowledgements);
  return { env, acknowledgements };
}

/** A cdk-nag finding a grant knowingly produces, with its reason. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Table and index ARNs by name (no `index/*`); Scan is never granted: Steward has no Scan on any path. */
function grantTable(fn: lambda.IFunction, table: dynamodb.ITable, def: TableDefinition, write: boolean): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: write ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS,
      resources: [table.tableArn, ...def.globalSecondaryIndexes.map((g) => `${table.tableArn}/index/${g.indexName}`)],
    }),
  );
}

function grant(
  fn: lambda.IFunction,
  access: Access,
  t: AccessTargets,
  stack: Stack,
  acks: Acknowledgement[],
): Record<string, string> {
  const add = (actions: string[], resources: string[], conditions?: Record<string, unknown>): void => {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources, conditions }));
  };
  const smArn = (prefix: string): string => execArn('stateMachine', prefix);
  const execArn = (resource: string, prefix: string): string =>
    stack.formatArn({
      service: 'states',
      resource,
      resourceName: `${prefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const clusterArn = (name: string): string =>
    stack.formatArn({
      service: 'ecs',
      resource: 'cluster',
      resourceName: name,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const ecsArn = (resource: string, cluster: string): string =>
    stack.formatArn({
      service: 'ecs',
      resource,
      resourceName: `${cluster}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  switch (access) {
    case 'registry:read':
      grantTable(fn, need(t.registry, access, 'the registry table'), REGISTRY_TABLE, false);
      return { [ENV.registryTable]: t.registry!.tableName };
    case 'registry:write':
      grantTable(fn, need(t.registry, access, 'the registry table'), REGISTRY_TABLE, true);
      return { [ENV.registryTable]: t.registry!.tableName };
    case 'history:read':
      grantTable(fn, need(t.history, access, 'the history table'), HISTORY_TABLE, false);
      return { [ENV.historyTable]: t.history!.tableName };
    case 'history:write':
      grantTable(fn, need(t.history, access, 'the history table'), HISTORY_TABLE, true);
      return {
        [ENV.historyTable]: t.history!.tableName,
        [ENV.historyRetentionDays]: String(need(t.historyRetentionDays, access, 'historyRetentionDays')),
      };
    case 'bus:put':
      need(t.bus, access, "Steward's event bus").grantPutEventsTo(fn);
      return { [ENV.eventBus]: t.bus!.eventBusName };
    case 'sfn:manage': {
      const prefix = need(t.stateMachinePrefix, access, 'the state machine prefix');
      const role = need(t.runtimeRole, access, 'the runtime role');
      const stepRunner = need(t.stepRunner, access, 'the step runner');
      const waiter = need(t.waiter, access, 'the waiter');
      add(
        [
          'states:CreateStateMachine',
          'states:UpdateStateMachine',
          'states:DeleteStateMachine',
          'states:DescribeStateMachine',
          'states:PublishStateMachineVersion',
          'states:ListStateMachineVersions',
          'states:DeleteStateMachineVersion',
          'states:CreateStateMachineAlias',
          'states:UpdateStateMachineAlias',
          'states:DeleteStateMachineAlias',
          'states:DescribeStateMachineAlias',
          'states:ListStateMachineAliases',
          'states:TagResource',
        ],
        [smArn(prefix)],
      );
      add([...WILDCARD_ACTIONS['sfn:manage']!], ['*']);
      add(['iam:PassRole'], [role.roleArn], { StringEquals: { 'iam:PassedToService': 'states.amazonaws.com' } });
      acks.push(
        prefixAck('stateMachine', prefix, 'state machines created over the API get names only known at run time'),
      );
      return {
        [ENV.stateMachinePrefix]: prefix,
        [ENV.stateMachineRoleArn]: role.roleArn,
        [ENV.stepRunnerArn]: stepRunner.functionArn,
        [ENV.waiterArn]: waiter.functionArn,
        [ENV.expressLogGroupArn]: need(t.expressLogGroup, access, 'the Express log group').logGroupArn,
      };
    }
    case 'triggers:manage': {
      const prefix = apiTriggerPrefix(need(t.stateMachinePrefix, access, 'the state machine prefix'));
      const target = need(t.workflowTrigger, access, 'the workflow-trigger function');
      const triggers = need(t.apiTriggers, access, 'the API triggers (scheduler role, dead-letter queues)');
      add(
        ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        [
          stack.formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `default/${prefix}*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      );
      add(['iam:PassRole'], [triggers.schedulerRole.roleArn], {
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
      add(
        ['events:PutRule', 'events:PutTargets', 'events:RemoveTargets', 'events:DeleteRule'],
        [
          stack.formatArn({
            service: 'events',
            resource: 'rule',
            resourceName: `${triggers.busName}/${prefix}*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      );
      acks.push({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/default/${prefix}*]`,
        reason: `Scoped to the prefix '${prefix}': schedules of workflows created over the API get names only known at run time.`,
      });
      acks.push({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${triggers.busName}/${prefix}*]`,
        reason: `Scoped to the prefix '${prefix}' on Steward's bus: rules of workflows created over the API get names only known at run time.`,
      });
      return {
        [ENV.eventBus]: triggers.busName,
        [ENV.stateMachinePrefix]: t.stateMachinePrefix!,
        [ENV.workflowTriggerArn]: target.functionArn,
        [ENV.triggerSchedulerRoleArn]: triggers.schedulerRole.roleArn,
        [ENV.triggerScheduleDlqArn]: triggers.scheduleDeadLetterQueue.queueArn,
        [ENV.triggerRuleDlqArn]: triggers.ruleDeadLetterQueue.queueArn,
      };
    }
    case 'sfn:execute': {
      const prefix = need(t.stateMachinePrefix, access, 'the state machine prefix');
      add(
        ['states:StartExecution', 'states:StartSyncExecution', 'states:ListExecutions', 'states:DescribeStateMachine'],
        [smArn(prefix)],
      );
      add(
        ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution', 'states:GetExecutionHistory'],
        [execArn('execution', prefix), execArn('express', prefix)],
      );
      acks.push(
        prefixAck(
          'stateMachine',
          prefix,
          "the deployment's state machines include API-created ones (names known at run time)",
        ),
        prefixAck('execution', prefix, 'execution names are execution ids, created at run time'),
        prefixAck('express', prefix, 'execution names are execution ids, created at run time'),
      );
      return { [ENV.stateMachinePrefix]: prefix };
    }
    case 'sfn:callback':
      add([...WILDCARD_ACTIONS['sfn:callback']!], ['*']);
      return {};
    case 'sfn:list':
      add([...WILDCARD_ACTIONS['sfn:list']!], ['*']);
      return {};
    case 'ecs:restart': {
      const clusters = t.clusters ?? [];
      if (clusters.length > 0) {
        add(
          ['ecs:UpdateService'],
          clusters.map((c) => ecsArn('service', c.clusterName)),
        );
        add(
          ['ecs:StopTask'],
          clusters.map((c) => ecsArn('task', c.clusterName)),
        );
        for (const c of clusters) {
          acks.push(
            ecsAck('service', c.clusterName, 'services of the cluster are restarted by name, discovered ones included'),
          );
          acks.push(ecsAck('task', c.clusterName, 'task ids are assigned by ECS at run time'));
        }
      }
      return { [ENV.ecsClusters]: clusters.map((c) => clusterArn(c.clusterName)).join(',') };
    }
    case 'ecs:read': {
      const clusters = t.clusters ?? [];
      if (clusters.length > 0) {
        add(
          ['ecs:DescribeClusters'],
          clusters.map((c) => clusterArn(c.clusterName)),
        );
        add(
          ['ecs:DescribeServices', 'ecs:DescribeTasks'],
          clusters.flatMap((c) => [ecsArn('service', c.clusterName), ecsArn('task', c.clusterName)]),
        );
        // List actions take no resource; the cluster condition scopes them.
        add(['ecs:ListServices', 'ecs:ListTasks'], ['*'], {
          ArnEquals: { 'ecs:cluster': clusters.map((c) => clusterArn(c.clusterName)) },
        });
        for (const c of clusters) {
          acks.push(
            ecsAck('service', c.clusterName, 'services of the cluster are read by name, discovered ones included'),
          );
          acks.push(ecsAck('task', c.clusterName, 'task ids are assigned by ECS at run time'));
        }
      }
      return { [ENV.ecsClusters]: clusters.map((c) => clusterArn(c.clusterName)).join(',') };
    }
    case 'sns:publish': {
      const topic = need(t.alertTopic, access, 'the alert topic');
      topic.grantPublish(fn);
      acks.push({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted alert topic needs GenerateDataKey* on that one key (aws-cdk-lib grant).',
      });
      return { [ENV.alertTopicArn]: topic.topicArn };
    }
    case 'lambda:invoke-restarter': {
      const restarter = need(t.restarter, access, 'the restarter function');
      add(['lambda:InvokeFunction'], [restarter.functionArn]);
      return { [ENV.restarterFunction]: restarter.functionName };
    }
    case 'lambda:invoke-checks': {
      const arns = t.customCheckArns ?? [];
      if (arns.length > 0) add(['lambda:InvokeFunction'], [...arns]);
      return { [ENV.customCheckFunctions]: arns.join(',') };
    }
    case 'cloudmap:read': {
      const ids = t.cloudMapNamespaceIds ?? [];
      add([...WILDCARD_ACTIONS['cloudmap:read']!], ['*']);
      if (ids.length > 0) {
        add(
          ['servicediscovery:GetNamespace', 'servicediscovery:ListInstances', 'servicediscovery:GetService'],
          [
            ...ids.map((id) =>
              stack.formatArn({
                service: 'servicediscovery',
                resource: 'namespace',
                resourceName: id,
                arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
              }),
            ),
            stack.formatArn({
              service: 'servicediscovery',
              resource: 'service',
              resourceName: '*',
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        );
        acks.push({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:servicediscovery:<AWS::Region>:<AWS::AccountId>:service/*]',
          reason:
            'Cloud Map service ids are random and created by ECS; discovery lists the instances of every service in the namespaces it scans.',
        });
      }
      return { [ENV.cloudMapNamespaces]: ids.join(',') };
    }
  }
}

/** The acknowledgement of a `<resource>:<prefix>*` Step Functions grant (cdk-nag's rendering of the ARN). */
export function prefixAck(resource: string, prefix: string, why: string): Acknowledgement {
  return {
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:${resource}:${prefix}*]`,
    reason: `Scoped to the deployment prefix '${prefix}': ${why}.`,
  };
}

function ecsAck(resource: string, cluster: string, why: string): Acknowledgement {
  return {
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:${resource}/${cluster}/*]`,
    reason: `Scoped to Steward's cluster '${cluster}': ${why}.`,
  };
}

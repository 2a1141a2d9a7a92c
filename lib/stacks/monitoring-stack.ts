import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.ts';
import { ScheduleInvoker } from '../constructs/schedules.ts';
import type { ServicesNetwork } from '../constructs/services-network.ts';
import { StewardRule } from '../constructs/steward-bus.ts';
import { StewardFunction } from '../constructs/steward-function.ts';
import { StewardMonitoring } from '../constructs/steward-monitoring.ts';
import { functionSpec } from '../core/functions.ts';
import { pascal } from './api-stack.ts';
import type { StewardSettings } from './settings.ts';

/** Properties of the {@link MonitoringStack}. */
export interface MonitoringStackProps extends StackProps {
  readonly settings: StewardSettings;
  readonly registry: dynamodb.ITable;
  readonly history: dynamodb.ITable;
  readonly bus: events.IEventBus;
  readonly alertTopic: sns.ITopic;
  /** @default - no managed services: no VPC, no ECS grants */
  readonly network?: ServicesNetwork;
  /** Custom-check Lambda ARNs from the manifest. */
  readonly customCheckArns: readonly string[];
  /** Every Steward function name of the deployment (alarms, dashboard). */
  readonly functionNames: readonly string[];
  readonly tableNames: readonly string[];
}

/** Events the alerts function opens, escalates or resolves alerts on (health changes both ways: it resolves too). */
export const ALERT_EVENT_TYPES = [
  'service.restart_budget_exhausted',
  'service.crash_looping',
  'service.restart_budget_reset',
  'service.health_changed',
  'workflow.failed',
];

/**
 * Supervision and monitoring: prober (one schedule per shard), restarter, discovery, alerts and reconciler with
 * their schedules and rules, the alert topic subscription, the dashboard and the alarms.
 */
export class MonitoringStack extends Stack {
  readonly functions: StewardFunction[] = [];
  readonly monitoring: StewardMonitoring;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const { tier } = settings;
    const make = (fid: string, vpc = false): StewardFunction => {
      const f = new StewardFunction(this, pascal(fid), {
        spec: functionSpec(fid),
        tier,
        deployment: settings.deployment,
        rootDir: settings.rootDir,
        asyncFailureQueue: new DeadLetterQueue(this, `${pascal(fid)}Failures`, { purpose: `function:${fid}` }).queue,
        vpc: vpc ? props.network?.vpc : undefined,
        securityGroups: vpc && props.network ? [props.network.clientSecurityGroup] : undefined,
      });
      this.functions.push(f);
      return f;
    };
    const restarter = make('restarter');
    const prober = make('prober', true);
    const discovery = make('discovery');
    const alerts = make('alerts');
    const reconciler = make('reconciler');
    const targets = {
      registry: props.registry,
      history: props.history,
      bus: props.bus,
      stateMachinePrefix: settings.stateMachinePrefix,
      clusters: props.network ? [{ clusterName: settings.deployment }] : [],
      alertTopic: props.alertTopic,
      restarter: restarter.function,
      customCheckArns: props.customCheckArns,
      cloudMapNamespaceIds: props.network ? [props.network.namespace.namespaceId] : [],
      historyRetentionDays: tier.historyRetentionDays,
    };
    for (const f of this.functions) f.bindAll(targets);

    const probes = new ScheduleInvoker(this, 'ProberSchedules', {
      target: prober.function,
      purpose: 'schedules:prober',
    });
    for (let shard = 0; shard < tier.proberShards; shard++) {
      probes.addSchedule(`Shard${shard}`, {
        expression: 'rate(1 minute)',
        input: { shard, shards: tier.proberShards },
        purpose: `prober:${shard}`,
        description: `Probe shard ${shard} of ${tier.proberShards} (six rounds, ten seconds apart)`,
      });
    }
    new ScheduleInvoker(this, 'DiscoverySchedules', {
      target: discovery.function,
      purpose: 'schedules:discovery',
    }).addSchedule('Every5', {
      expression: 'rate(5 minutes)',
      input: { source: 'schedule' },
      purpose: 'discovery',
    });
    new ScheduleInvoker(this, 'AlertsSchedules', { target: alerts.function, purpose: 'schedules:alerts' }).addSchedule(
      'Every1',
      {
        expression: 'rate(1 minute)',
        input: { source: 'schedule', action: 'escalate' },
        purpose: 'alerts',
      },
    );
    new ScheduleInvoker(this, 'ReconcilerSchedules', {
      target: reconciler.function,
      purpose: 'schedules:reconciler',
    }).addSchedule('Every5', {
      expression: 'rate(5 minutes)',
      input: { source: 'schedule' },
      purpose: 'reconciler',
    });
    new StewardRule(this, 'AdvertisedRule', {
      purpose: 'discovery',
      description: 'service.advertised events to discovery',
      eventBus: props.bus,
      eventPattern: { detailType: ['service.advertised'] },
      target: discovery.function,
    });
    new StewardRule(this, 'AlertsRule', {
      purpose: 'alerts',
      description: 'Alert-worthy events (restart budget, crash loops, health changes, failed workflows) to alerts',
      eventBus: props.bus,
      eventPattern: { detailType: ALERT_EVENT_TYPES },
      target: alerts.function,
    });
    if (props.network) {
      // ECS reports task stops on the account's default bus; only the deployment's own cluster is of interest.
      new StewardRule(this, 'TaskStopsRule', {
        purpose: 'task-stops',
        description: "Stopped ECS tasks of the deployment's cluster to the restarter (crash loops)",
        eventPattern: {
          source: ['aws.ecs'],
          detailType: ['ECS Task State Change'],
          detail: {
            clusterArn: [this.formatArn({ service: 'ecs', resource: 'cluster', resourceName: settings.deployment })],
            lastStatus: ['STOPPED'],
          },
        },
        target: restarter.function,
      });
    }
    const alertsDlq = new DeadLetterQueue(this, 'AlertSubscriptionDlq', { purpose: 'sns:alerts' });
    props.alertTopic.addSubscription(
      new subscriptions.LambdaSubscription(alerts.function, { deadLetterQueue: alertsDlq.queue }),
    );

    this.monitoring = new StewardMonitoring(this, 'Monitoring', {
      deployment: settings.deployment,
      tier,
      stateMachinePrefix: settings.stateMachinePrefix,
      functionNames: props.functionNames,
      apiName: settings.deployment,
      apiStage: 'v1',
      tableNames: props.tableNames,
      deadLetterQueues: this.node
        .findAll()
        .filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue)
        .map((d) => d.queue),
      alertTopic: props.alertTopic,
    });
  }
}

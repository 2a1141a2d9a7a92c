import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TierConfig } from '../core/tiers.ts';

/** Properties of {@link StewardMonitoring}. */
export interface StewardMonitoringProps {
  readonly deployment: string;
  readonly tier: TierConfig;
  /** Prefix of the deployment's state machines; dashboards SEARCH on it, so any number of workflows fits. */
  readonly stateMachinePrefix: string;
  /** Names of every Steward function. */
  readonly functionNames: readonly string[];
  /** REST API name and stage. */
  readonly apiName: string;
  readonly apiStage: string;
  readonly tableNames: readonly string[];
  /** Every DLQ of the deployment (depth alarms). */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  readonly alertTopic: sns.ITopic;
}

const STEWARD_NAMESPACE = 'Steward';

/**
 * The deployment's dashboard and alarms, built with aws-cloudwatch directly (see docs/infrastructure.md for why
 * not a monitoring-constructs library). Workflow and Steward EMF graphs use SEARCH expressions on the deployment
 * prefix, so the dashboard does not grow with the number of workflows; alarms route to the alert topic.
 */
export class StewardMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly props: StewardMonitoringProps;

  constructor(scope: Construct, id: string, props: StewardMonitoringProps) {
    super(scope, id);
    this.props = props;
    const period = Duration.seconds(props.tier.alarms.periodSeconds);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.deployment,
      defaultInterval: Duration.hours(3),
    });
    const search = (expr: string, stat: string, label: string): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('${expr}', '${stat}', ${period.toSeconds()})`,
        label,
        period,
        usingMetrics: {},
      });
    const sm = `{AWS/States,StateMachineArn} "${props.stateMachinePrefix}"`;
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Steward ${props.deployment} (${props.tier.name})`,
        width: 24,
        height: 1,
      }),
      new cloudwatch.GraphWidget({
        title: 'Workflows: executions',
        width: 12,
        left: [
          search(`${sm} MetricName="ExecutionsStarted"`, 'Sum', 'started'),
          search(`${sm} MetricName="ExecutionsSucceeded"`, 'Sum', 'succeeded'),
          search(`${sm} MetricName="ExecutionsFailed"`, 'Sum', 'failed'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Workflows: execution time p50 / p90 / p99 (ms)',
        width: 12,
        left: ['p50', 'p90', 'p99'].map((p) => search(`${sm} MetricName="ExecutionTime"`, p, p)),
      }),
      new cloudwatch.GraphWidget({
        title: 'Services: probe results',
        width: 8,
        left: [
          this.stewardMetric('prober', 'ProbeSuccess', 'Sum'),
          this.stewardMetric('prober', 'ProbeFailure', 'Sum'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Services: probe latency p50 / p90 / p99 (ms)',
        width: 8,
        left: ['p50', 'p90', 'p99'].map((p) => this.stewardMetric('prober', 'ProbeLatency', p)),
      }),
      new cloudwatch.GraphWidget({
        title: 'Services: restarts, spent budgets, escalations',
        width: 8,
        left: ['Restarts', 'RestartBudgetExhausted', 'Escalations'].map((m) =>
          this.stewardMetric('restarter', m, 'Sum'),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'API: 4xx / 5xx',
        width: 8,
        left: [this.apiMetric('4XXError', 'Sum'), this.apiMetric('5XXError', 'Sum')],
      }),
      new cloudwatch.GraphWidget({
        title: 'API: latency p50 / p99 (ms)',
        width: 8,
        left: [this.apiMetric('Latency', 'p50'), this.apiMetric('Latency', 'p99')],
      }),
      new cloudwatch.GraphWidget({
        title: 'DLQ depth',
        width: 8,
        left: props.deadLetterQueues.slice(0, 30).map((q) => q.metricApproximateNumberOfMessagesVisible({ period })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda: errors',
        width: 12,
        left: [search(`{AWS/Lambda,FunctionName} "${props.deployment}-" MetricName="Errors"`, 'Sum', 'errors')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda: throttles',
        width: 12,
        left: [search(`{AWS/Lambda,FunctionName} "${props.deployment}-" MetricName="Throttles"`, 'Sum', 'throttles')],
      }),
      new cloudwatch.GraphWidget({
        title: 'DynamoDB: throttled requests',
        width: 24,
        left: props.tableNames.map((t, i) => this.tableThrottles(t, i)),
      }),
    );
    this.createAlarms();
  }

  /** A fleet-wide EMF metric of one Steward function (Powertools' default dimension `service` = function id). */
  private stewardMetric(service: string, metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: STEWARD_NAMESPACE,
      metricName,
      statistic,
      dimensionsMap: { service },
      period: Duration.seconds(this.props.tier.alarms.periodSeconds),
    });
  }

  private apiMetric(metricName: string, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      statistic,
      dimensionsMap: { ApiName: this.props.apiName, Stage: this.props.apiStage },
      period: Duration.seconds(this.props.tier.alarms.periodSeconds),
    });
  }

  private tableThrottles(tableName: string, i: number): cloudwatch.MathExpression {
    const period = Duration.seconds(this.props.tier.alarms.periodSeconds);
    const m = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        statistic: 'Sum',
        dimensionsMap: { TableName: tableName },
        period,
      });
    return new cloudwatch.MathExpression({
      expression: `FILL(r${i}, 0) + FILL(w${i}, 0)`,
      usingMetrics: { [`r${i}`]: m('ReadThrottleEvents'), [`w${i}`]: m('WriteThrottleEvents') },
      label: `${tableName} throttles`,
      period,
    });
  }

  private alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): void {
    const a = this.props.tier.alarms;
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: a.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.props.deployment}: ${description}`,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.props.alertTopic));
    alarm.addOkAction(new actions.SnsAction(this.props.alertTopic));
    this.alarms.push(alarm);
  }

  private createAlarms(): void {
    const { tier, functionNames, tableNames, deadLetterQueues } = this.props;
    const a = tier.alarms;
    const period = Duration.seconds(a.periodSeconds);
    for (const name of functionNames) {
      const dims = { FunctionName: name };
      const suffix = name.slice(this.props.deployment.length + 1);
      const fnMetric = (metricName: string): cloudwatch.Metric =>
        new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, statistic: 'Sum', dimensionsMap: dims, period });
      this.alarm(`Errors-${suffix}`, fnMetric('Errors'), a.lambdaErrors, `${name} errors`);
      this.alarm(`Throttles-${suffix}`, fnMetric('Throttles'), a.lambdaThrottles, `${name} throttles`);
    }
    this.alarm('Api5xx', this.apiMetric('5XXError', 'Sum'), a.api5xx, 'API 5xx answers');
    tableNames.forEach((t, i) => {
      this.alarm(`TableThrottles${i}`, this.tableThrottles(t, i), a.dynamoThrottles, `${t} throttles`);
    });
    deadLetterQueues.forEach((q, i) => {
      this.alarm(
        `DlqDepth${i}`,
        q.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        a.dlqDepth,
        'messages in a DLQ',
      );
    });
    // Any spent restart budget needs a person: the service is no longer restarted.
    this.alarm(
      'RestartBudgetExhausted',
      this.stewardMetric('restarter', 'RestartBudgetExhausted', 'Sum'),
      1,
      'a service spent its restart budget and is no longer restarted',
    );
    // Latency, client errors and probe failures follow traffic and fleet size: a fixed threshold is wrong at one
    // end or the other, a band is not.
    for (const [id, metric, what] of [
      ['ApiLatencyAnomaly', this.apiMetric('Latency', 'p90'), 'API p90 latency above its expected band'],
      ['Api4xxAnomaly', this.apiMetric('4XXError', 'Sum'), 'API 4xx answers above their expected band'],
      ['ProbeFailureAnomaly', this.stewardMetric('prober', 'ProbeFailure', 'Sum'), 'probe failures above their band'],
    ] as const) {
      const alarm = new cloudwatch.AnomalyDetectionAlarm(this, id, {
        metric,
        stdDevs: a.anomalyBandWidth,
        evaluationPeriods: a.evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${this.props.deployment}: ${what}`,
      });
      alarm.addAlarmAction(new actions.SnsAction(this.props.alertTopic));
      this.alarms.push(alarm);
    }
  }
}

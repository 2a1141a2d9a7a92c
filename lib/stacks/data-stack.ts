import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { RegistrarProvider } from '../constructs/registration.ts';
import { StewardFunction } from '../constructs/steward-function.ts';
import { StewardTables } from '../constructs/steward-tables.ts';
import { functionSpec } from '../core/functions.ts';
import type { StewardSettings } from './settings.ts';

/** Properties of the {@link DataStack}. */
export interface DataStackProps extends StackProps {
  readonly settings: StewardSettings;
}

/**
 * The stateful base every other stack builds on: the registry and history tables, the alert topic, and the
 * registrar (the custom-resource provider that records deployed workflows and services in the registry).
 */
export class DataStack extends Stack {
  readonly registry: dynamodb.ITable;
  readonly history: dynamodb.ITable;
  readonly alertTopic: sns.Topic;
  readonly registrar: RegistrarProvider;
  readonly functions: StewardFunction[] = [];

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { tier } = props.settings;
    const tables = new StewardTables(this, 'Tables', { tier });
    this.registry = tables.registry;
    this.history = tables.history;
    // A customer managed key: CloudWatch alarms cannot publish to a topic under the AWS managed SNS key.
    const key = new kms.Key(this, 'AlertKey', {
      description: `${props.settings.deployment}: alert topic encryption`,
      enableKeyRotation: true,
      removalPolicy: tier.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      topicName: `${props.settings.deployment}-alerts`,
      displayName: `Steward ${props.settings.deployment} alerts`,
      masterKey: key,
      enforceSSL: true,
    });
    this.alertTopic.grantPublish(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    const registrar = new StewardFunction(this, 'Registrar', {
      spec: functionSpec('registrar'),
      tier,
      deployment: props.settings.deployment,
      rootDir: props.settings.rootDir,
    });
    registrar.bindAll({
      registry: this.registry,
      history: this.history,
      historyRetentionDays: tier.historyRetentionDays,
    });
    this.functions.push(registrar);
    this.registrar = new RegistrarProvider(this, 'RegistrarProvider', { registrar, tier });
  }
}

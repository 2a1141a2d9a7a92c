import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { HISTORY_TABLE, REGISTRY_TABLE, type TableDefinition } from '../core/tables.ts';
import type { TierConfig } from '../core/tiers.ts';

/** Metadata key local mode reads to map a table resource to its definition in lib/core/tables.ts. */
export const TABLE_METADATA_KEY = 'steward:table';

/** Properties of {@link StewardTables}. */
export interface StewardTablesProps {
  readonly tier: TierConfig;
  /**
   * Point-in-time recovery.
   * @default the tier's `pointInTimeRecovery` (on in staging and prod)
   */
  readonly pointInTimeRecovery?: boolean;
}

/**
 * The registry and history tables of lib/core/tables.ts: on-demand, TTL on `expires_at`, encrypted with the AWS
 * managed key (see docs/infrastructure.md: a customer key adds a KMS call per request and a key policy to run,
 * for no control Steward uses), PITR per tier, and in prod deletion protection with RETAIN.
 */
export class StewardTables extends Construct {
  readonly registry: dynamodb.Table;
  readonly history: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StewardTablesProps) {
    super(scope, id);
    this.registry = this.table(REGISTRY_TABLE, props);
    this.history = this.table(HISTORY_TABLE, props);
  }

  private table(def: TableDefinition, props: StewardTablesProps): dynamodb.Table {
    const retain = props.tier.removalPolicy === 'retain';
    const pitr = props.pointInTimeRecovery ?? props.tier.pointInTimeRecovery;
    const table = new dynamodb.Table(this, def.id === 'registry' ? 'Registry' : 'History', {
      partitionKey: { name: def.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: def.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: pitr },
      timeToLiveAttribute: def.ttlAttribute,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const gsi of def.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    (table.node.defaultChild as dynamodb.CfnTable).addMetadata(TABLE_METADATA_KEY, def.id);
    if (!pitr) {
      Validations.of(table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason: `Tier '${props.tier.name}' keeps no point-in-time recovery: development data is disposable (staging and prod enable it).`,
      });
    }
    return table;
  }
}

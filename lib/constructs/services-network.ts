import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import type { TierConfig } from '../core/tiers.ts';

/** Properties of {@link ServicesNetwork}. */
export interface ServicesNetworkProps {
  readonly tier: TierConfig;
  /** Private DNS namespace of the services (`steward.local`). */
  readonly namespaceName: string;
  /** Literal cluster name (the deployment name): IAM policies name it without cross-stack references. */
  readonly clusterName: string;
  /** @default '10.42.0.0/16' */
  readonly cidr?: string;
}

/**
 * Where managed services run: a VPC built without lookups (two AZs, fixed CIDR, NAT per tier, flow logs), an ECS
 * cluster with Container Insights, a Cloud Map private DNS namespace, and the client security group Steward's
 * in-VPC functions (prober, step runner) carry: the one source every service admits.
 */
export class ServicesNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: ecs.Cluster;
  readonly namespace: servicediscovery.PrivateDnsNamespace;
  readonly clientSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ServicesNetworkProps) {
    super(scope, id);
    const cidr = props.cidr ?? '10.42.0.0/16';
    if (!/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/.test(cidr)) {
      throw new Error(`ServicesNetwork: cidr '${cidr}' must be an IPv4 block from /16 to /24, e.g. 10.42.0.0/16`);
    }
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      // Explicit AZ names would need a lookup; maxAzs on an environment-agnostic stack picks two tokens.
      maxAzs: 2,
      natGateways: props.tier.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.tier.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.tier.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      clusterName: props.clusterName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.namespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
      name: props.namespaceName,
      vpc: this.vpc,
      description: 'Steward managed services',
    });
    this.clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSg', {
      vpc: this.vpc,
      description: 'Steward probing functions (prober, step runner): the one source services admit',
      allowAllOutbound: true,
    });
  }
}

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parseSecretRef, secretResourceArn } from '../core/supervision/auth.ts';
import type { ServiceSpec } from '../core/supervision/manifest.ts';
import type { ContainerResources, TierConfig } from '../core/tiers.ts';
import { imageContents, missingCommandFiles } from './image-context.ts';

/** Metadata key on the ECS service listing the manifest's `depends_on` (local mode's start order). */
export const DEPENDS_ON_METADATA_KEY = 'steward:depends_on';

/** Properties of a {@link ManagedService}. */
export interface ManagedServiceProps {
  /** The manifest entry (it must have `image` and `port`). */
  readonly spec: ServiceSpec;
  /** JSON path of the entry in the manifest, for error messages (`services[3]`). */
  readonly path: string;
  readonly cluster: ecs.ICluster;
  readonly namespace: servicediscovery.INamespace;
  /** Steward's in-VPC functions (prober, step runner): the only source allowed to reach the service port. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly tier: TierConfig;
  /** Repository root: `build` directories are relative to it. */
  readonly rootDir: string;
}

/** The effective CPU/memory/count of a service in a tier: the manifest's `resources.<tier>` over the tier default. */
export function serviceResources(spec: ServiceSpec, tier: TierConfig): ContainerResources {
  const own = spec.resources?.[tier.name];
  return {
    cpu: own?.cpu ?? tier.container.cpu,
    memoryMiB: own?.memory ?? tier.container.memoryMiB,
    desiredCount: own?.desired_count ?? tier.container.desiredCount,
  };
}

/**
 * One supervised service on ECS Fargate: deployment circuit breaker with rollback, a container health check from
 * the manifest's HTTP check, CPU/memory/count per tier, an empty task role (the service's own grants are added by
 * its owner), secrets by reference, logs with retention, Cloud Map registration and a security group that admits
 * the service port from Steward's client security group only.
 */
export class ManagedService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  /** Where probes and service calls go in AWS: `http://<name>.<namespace>:<port>` (its Cloud Map name). */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ManagedServiceProps) {
    super(scope, id);
    const { spec, tier } = props;
    if (!spec.image && !spec.build) {
      throw new Error(`ManagedService: ${props.path}.image or .build is required to run '${spec.name}' on ECS`);
    }
    if (!spec.port) {
      throw new Error(
        `ManagedService: ${props.path}.port is required for '${spec.name}' (the port its container listens on)`,
      );
    }
    const port = spec.port;
    const res = serviceResources(spec, tier);
    const retain = tier.removalPolicy === 'retain';
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: tier.logRetentionDays as logs.RetentionDays,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: res.cpu,
      memoryLimitMiB: res.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.grantSecretReads(spec, props.path);
    const httpCheck = spec.health_checks?.find((c) => c.type === 'http' && !c.url);
    const checkPath = httpCheck?.type === 'http' ? (httpCheck.path ?? '/health') : undefined;
    const container = this.taskDefinition.addContainer('app', {
      image: this.image(spec, props),
      command: spec.command,
      environment: spec.environment,
      secrets: this.secrets(spec, props.path),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: spec.name }),
      portMappings: [{ containerPort: port, name: 'http' }],
      readonlyRootFilesystem: false,
      healthCheck: checkPath
        ? {
            // curl where the image has it, busybox wget otherwise.
            command: [
              'CMD-SHELL',
              `curl -fsS -o /dev/null http://localhost:${port}${checkPath} || wget -q -O /dev/null http://localhost:${port}${checkPath} || exit 1`,
            ],
            interval: Duration.seconds(30),
            timeout: Duration.seconds(5),
            retries: 3,
            startPeriod: Duration.seconds(60),
          }
        : undefined,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'Sg', {
      vpc: props.cluster.vpc,
      description: `Steward service ${spec.name}: port ${port} from Steward probing functions only`,
      allowAllOutbound: true,
    });
    this.securityGroup.addIngressRule(
      props.clientSecurityGroup,
      ec2.Port.tcp(port),
      `Steward probes and calls to ${spec.name}`,
    );
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      serviceName: spec.name,
      taskDefinition: this.taskDefinition,
      desiredCount: res.desiredCount,
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      cloudMapOptions: {
        cloudMapNamespace: props.namespace,
        name: spec.name,
        dnsTtl: Duration.seconds(10),
        containerPort: port,
      },
      healthCheckGracePeriod: undefined,
    });
    if (spec.depends_on && spec.depends_on.length > 0) {
      // Local mode starts the processes in this order, each after its dependencies accept connections.
      (this.service.node.defaultChild as ecs.CfnService).addMetadata(DEPENDS_ON_METADATA_KEY, [...spec.depends_on]);
    }
    this.baseUrl = `http://${spec.name}.${props.namespace.namespaceName}:${port}`;
    void container;
    if (spec.build && this.taskDefinition.executionRole) {
      Validations.of(this.taskDefinition.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Pulling the image built from the repository needs ecr:GetAuthorizationToken, which has no resource-level permission (aws-cdk-lib grant); the pull actions name the asset repository.',
      });
    }
    if (spec.environment && Object.keys(spec.environment).length > 0) {
      Validations.of(this.taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason: `Plain environment of '${spec.name}' from the manifest is non-secret configuration; secrets go by reference (${props.path}.secrets).`,
      });
    }
  }

  /**
   * A registry image, or one built from a repository directory at deploy time (synthesis only stages the directory,
   * so it needs no Docker). A built image must contain the files its command runs: checked here, not at task start.
   */
  private image(spec: ServiceSpec, props: ManagedServiceProps): ecs.ContainerImage {
    if (!spec.build) return ecs.ContainerImage.fromRegistry(spec.image!);
    const dir = path.resolve(props.rootDir, spec.build);
    if (!existsSync(path.join(dir, 'Dockerfile'))) {
      throw new Error(`ManagedService: ${props.path}.build '${spec.build}' has no Dockerfile (looked in ${dir})`);
    }
    const missing = missingCommandFiles(imageContents(dir), spec.command ?? []);
    if (missing.length > 0) {
      throw new Error(
        `ManagedService: ${props.path}.command runs ${missing.join(', ')}, which the image built from '${spec.build}' ` +
          'does not contain: COPY it in its Dockerfile or fix the command',
      );
    }
    // The task runs on X86_64 (runtimePlatform below): build for it whatever machine deploys.
    return ecs.ContainerImage.fromAsset(dir, { platform: Platform.LINUX_AMD64 });
  }

  /** The task role may read exactly the secrets and parameters the service declares in `reads_secrets`. */
  private grantSecretReads(spec: ServiceSpec, path: string): void {
    const { partition, region, account } = Stack.of(this);
    const refs = (spec.reads_secrets ?? []).map((ref, i) => {
      const parsed = parseSecretRef(ref);
      if (!parsed) throw new Error(`ManagedService: ${path}.reads_secrets[${i}] '${ref}' is not a secret reference`);
      return parsed;
    });
    const arns = (source: 'secretsmanager' | 'ssm') =>
      refs.filter((r) => r.source === source).map((r) => secretResourceArn(r, partition, region, account));
    const secrets = arns('secretsmanager');
    const parameters = arns('ssm');
    if (secrets.length > 0) {
      this.taskDefinition.addToTaskRolePolicy(
        new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets }),
      );
    }
    if (parameters.length > 0) {
      this.taskDefinition.addToTaskRolePolicy(
        new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: parameters }),
      );
    }
    // cdk-nag renders the pseudo parameters as <AWS::…>: the acknowledgement names each suffixed ARN that way.
    const rendered = (arn: string): string =>
      arn.replace(partition, '<AWS::Partition>').replace(region, '<AWS::Region>').replace(account, '<AWS::AccountId>');
    for (const arn of secrets.filter((a) => a.endsWith('-??????'))) {
      Validations.of(
        this.taskDefinition.taskRole.node.tryFindChild('DefaultPolicy') ?? this.taskDefinition,
      ).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${rendered(arn)}]`,
        reason: `A secret ${path}.reads_secrets names without its ARN: Secrets Manager appends six random characters to the name, which -?????? matches (and nothing longer).`,
      });
    }
  }

  private secrets(spec: ServiceSpec, path: string): Record<string, ecs.Secret> | undefined {
    if (!spec.secrets) return undefined;
    const out: Record<string, ecs.Secret> = {};
    for (const [name, ref] of Object.entries(spec.secrets)) {
      if (ref.startsWith('ssm:')) {
        const parameterName = ref.slice('ssm:'.length);
        out[name] = ecs.Secret.fromSsmParameter(
          ssm.StringParameter.fromSecureStringParameterAttributes(this, `Param${name}`, { parameterName }),
        );
      } else if (ref.startsWith('arn:')) {
        // A complete ARN ends in the 6-character suffix Secrets Manager appends; a partial one does not.
        const complete = /-[A-Za-z0-9]{6}$/.test(ref.split(':')[6] ?? '');
        const secret = complete
          ? secretsmanager.Secret.fromSecretCompleteArn(this, `Secret${name}`, ref)
          : secretsmanager.Secret.fromSecretPartialArn(this, `Secret${name}`, ref);
        out[name] = ecs.Secret.fromSecretsManager(secret);
      } else {
        throw new Error(
          `ManagedService: ${path}.secrets.${name} must be a Secrets Manager ARN or ssm:/parameter (got '${ref}')`,
        );
      }
    }
    return out;
  }
}

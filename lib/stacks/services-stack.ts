import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ManagedService } from '../constructs/managed-service.ts';
import { type RegistrarProvider, Registration } from '../constructs/registration.ts';
import { ServicesNetwork } from '../constructs/services-network.ts';
import { SUPERVISION_DEFAULTS } from '../core/supervision/defaults.ts';
import type { ServiceSpec } from '../core/supervision/manifest.ts';
import { runsOnEcs } from './deploy-plan.ts';
import type { StewardSettings } from './settings.ts';

/** What the registry keeps of a manifest entry: the build directory and deployment switches stay in the repository. */
function registered(spec: ServiceSpec): Record<string, unknown> {
  const { build: _build, local_only: _localOnly, sample: _sample, ...rest } = spec;
  return rest;
}

/** A manifest entry with its index (for error paths and stable construct ids). */
export interface IndexedService {
  readonly spec: ServiceSpec;
  readonly index: number;
}

/** Properties of a {@link ServicesStack}. */
export interface ServicesStackProps extends StackProps {
  readonly settings: StewardSettings;
  readonly registrar: RegistrarProvider;
  /** The network of the first services stack; the first one creates it. @default - create one */
  readonly network?: ServicesNetwork;
  /** Whether this stack creates the network (true for the first stack when any service runs on ECS). */
  readonly createNetwork: boolean;
  /** Supervision groups this stack registers (the first stack registers all of them). @default - none */
  readonly groups?: readonly Record<string, unknown>[];
}

/**
 * Managed services: the first stack holds the VPC, cluster and namespace; every services stack holds a share of
 * the ECS services (the app splits them before the stack would pass the resource limit) and registers them.
 */
export class ServicesStack extends Stack {
  readonly network?: ServicesNetwork;
  readonly managed: ManagedService[] = [];
  private readonly entries: Record<string, unknown>[] = [];
  private readonly settings: StewardSettings;
  private readonly registrar: RegistrarProvider;
  private readonly groups: readonly Record<string, unknown>[];

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    this.settings = props.settings;
    this.registrar = props.registrar;
    this.groups = props.groups ?? [];
    this.network = props.createNetwork
      ? new ServicesNetwork(this, 'Network', {
          tier: props.settings.tier,
          namespaceName: SUPERVISION_DEFAULTS.namespace,
          clusterName: props.settings.deployment,
        })
      : props.network;
  }

  /** Adds one manifest entry: an ECS service when it has an image, a registry entry in any case. */
  addService({ spec, index }: IndexedService): void {
    const { tier } = this.settings;
    const restart_policy = { ...tier.restartPolicy, ...spec.restart_policy };
    if (!runsOnEcs(spec)) {
      this.entries.push({ ...registered(spec), restart_policy });
      return;
    }
    if (!this.network)
      throw new Error(`ServicesStack ${this.stackName}: services[${index}] runs on ECS but no network was given`);
    const managed = new ManagedService(this, `Service-${spec.name}`, {
      spec,
      path: `services[${index}]`,
      cluster: this.network.cluster,
      namespace: this.network.namespace,
      clientSecurityGroup: this.network.clientSecurityGroup,
      tier,
      rootDir: this.settings.rootDir,
    });
    this.managed.push(managed);
    // In AWS a managed service is reached by its Cloud Map name; a loopback base_url is local mode's.
    this.entries.push({
      ...registered(spec),
      restart_policy,
      base_url: managed.baseUrl,
      ecs: { cluster: this.network.cluster.clusterArn, service_name: managed.service.serviceName },
    });
  }

  /** Creates the registration of every service added; call once, after the last addService. */
  register(): void {
    if (this.entries.length > 0 || this.groups.length > 0)
      new Registration(this, 'Registration', { provider: this.registrar, services: this.entries, groups: this.groups });
  }
}

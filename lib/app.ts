import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Annotations, App, Duration, type Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DeadLetterQueue } from './constructs/dead-letter-queue.ts';
import { StewardFunction } from './constructs/steward-function.ts';
import { ENV } from './core/env.ts';
import { FUNCTIONS } from './core/functions.ts';
import type { Manifest } from './core/supervision/manifest.ts';
import { type TierConfig, tierConfig, withReservedConcurrency } from './core/tiers.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { planDeployment, runsOnEcs } from './stacks/deploy-plan.ts';
import { type DeployedWorkflow, loadManifest, loadWorkflows } from './stacks/inputs.ts';
import { MonitoringStack } from './stacks/monitoring-stack.ts';
import { type IndexedService, ServicesStack } from './stacks/services-stack.ts';
import {
  checkDeploymentName,
  MAX_RESOURCES_PER_STACK,
  resourceCount,
  type StewardSettings,
  stateMachinePrefix,
} from './stacks/settings.ts';
import { WorkflowsStack } from './stacks/workflows-stack.ts';

/** Options of {@link createStewardApp}. */
export interface StewardAppOptions {
  /** `dev|staging|prod` or `tier_1..3`. @default context `tier`, else `dev` */
  readonly tier?: string;
  /** Repository root (statemachines/, services.json, lambdas/). @default the directory above lib/ */
  readonly rootDir?: string;
  /** Extra context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling. */
  readonly context?: Record<string, unknown>;
  /** Cloud assembly directory. @default CDK's (cdk.out, or CDK_OUTDIR) */
  readonly outdir?: string;
  /** Apply the cdk-nag AwsSolutions and Serverless packs. @default true */
  readonly nag?: boolean;
  /** Workflows to deploy instead of `statemachines/` (benchmarks, tests). @default loaded from rootDir */
  readonly workflows?: readonly DeployedWorkflow[];
  /** Manifest instead of `services.json`. @default loaded from rootDir */
  readonly manifest?: Manifest;
}

/** The app and its stacks. */
export interface StewardApp {
  readonly app: App;
  readonly settings: StewardSettings;
  readonly stacks: {
    readonly data: DataStack;
    readonly services: readonly ServicesStack[];
    readonly workflows: readonly WorkflowsStack[];
    readonly api: ApiStack;
    readonly monitoring: MonitoringStack;
  };
}

// A workflow's or service's share of a stack, estimated before adding it (the real count is checked after).
const WORKFLOW_BUDGET = 12;
const SERVICE_BUDGET = 16;

/**
 * Builds Steward's CDK app: data, services (split as needed), workflows (split as needed), api and monitoring
 * stacks, for one tier. Used by `bin/app.ts`, the tests, `bench/synth.ts` and local mode.
 */
export function createStewardApp(options: StewardAppOptions = {}): StewardApp {
  const rootDir = options.rootDir ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  // cdk.json's context (the feature flags) applies to every synthesis, not only to the CLI's: tests, benchmarks
  // and local mode build the same templates a deployment gets. The CLI's own context still wins over it.
  const app = new App({
    outdir: options.outdir,
    context: { ...projectContext(rootDir), ...options.context },
  });
  const tier = withReservedConcurrency(
    tierConfig(options.tier ?? app.node.tryGetContext('tier') ?? 'dev'),
    app.node.tryGetContext('reserved-concurrency'),
    FUNCTIONS.map((f) => f.id),
  );
  const deployment = String(app.node.tryGetContext('deployment') ?? `steward-${tier.name}`);
  checkDeploymentName(deployment);
  const settings: StewardSettings = {
    tier,
    deployment,
    stateMachinePrefix: stateMachinePrefix(deployment),
    rootDir,
  };
  const local = contextFlag(app, LOCAL_CONTEXT);
  const manifest = options.manifest ?? loadManifest(rootDir);
  const plan = planDeployment(manifest, options.workflows ?? loadWorkflows(rootDir), {
    local,
    // Local mode runs the samples unless told not to (`steward local --no-samples`); a deployment only when asked.
    samples: contextFlag(app, 'samples', local),
  });
  const { workflows } = plan;
  const base = pascalName(deployment);
  const description = (what: string): string => `Steward ${deployment} (${tier.name}): ${what}`;

  const data = new DataStack(app, `${base}-Data`, {
    settings,
    description: description('tables, alert topic, registrar'),
  });

  for (const line of [...plan.skippedServices, ...plan.skippedWorkflows]) {
    Annotations.of(data).addWarningV2(
      'steward:not-deployed',
      `Not ${local ? 'run locally' : 'deployed to AWS'}: ${line}`,
    );
  }
  const services = buildServices(app, base, settings, data, plan.services, manifest.groups ?? [], description);
  const network = services[0]?.network;

  const workflowStacks: WorkflowsStack[] = [];
  const newWorkflowsStack = (): WorkflowsStack => {
    const n = workflowStacks.length;
    const s = new WorkflowsStack(app, n === 0 ? `${base}-Workflows` : `${base}-Workflows${n + 1}`, {
      settings,
      registry: data.registry,
      history: data.history,
      alertTopic: data.alertTopic,
      registrar: data.registrar,
      runtime: workflowStacks[0]?.runtime,
      network,
      services: manifest.services,
      description: description(n === 0 ? 'workflow runtime, bus, state machines' : `state machines (part ${n + 1})`),
    });
    workflowStacks.push(s);
    return s;
  };
  let current = newWorkflowsStack();
  let count = resourceCount(current);
  for (const wf of workflows) {
    const estimate = WORKFLOW_BUDGET + 3 * (wf.document.triggers?.length ?? 0);
    if (count + estimate > MAX_RESOURCES_PER_STACK - 10) {
      current.register();
      current = newWorkflowsStack();
      count = resourceCount(current);
    }
    current.addWorkflow(wf);
    count = resourceCount(current);
  }
  current.register();
  const runtime = workflowStacks[0]!.runtime;

  const api = new ApiStack(app, `${base}-Api`, {
    settings,
    registry: data.registry,
    history: data.history,
    runtime,
    registrar: data.registrar,
    openApiDir: app.outdir,
    apiGatewayCloudWatchRole: contextFlag(app, 'api-gateway-cloudwatch-role'),
    clusterNames: network ? [settings.deployment] : [],
    description: description('REST API'),
  });
  const customCheckArns = [
    ...new Set(
      plan.services.flatMap(({ spec: s }) =>
        (s.health_checks ?? []).flatMap((c) => (c.type === 'custom' ? [c.function_arn] : [])),
      ),
    ),
  ];
  const monitoring = new MonitoringStack(app, `${base}-Monitoring`, {
    settings,
    registry: data.registry,
    history: data.history,
    bus: runtime.bus,
    alertTopic: data.alertTopic,
    network,
    customCheckArns,
    functionNames: FUNCTIONS.map((f) => `${deployment}-${f.id}`),
    tableNames: [data.registry.tableName, data.history.tableName],
    description: description('supervision, dashboard, alarms'),
  });

  const all: Stack[] = [data, ...services, ...workflowStacks, api, monitoring];
  configureOutbound(all, manifest, customCheckArns, api, monitoring);
  for (const stack of all) {
    Tags.of(stack).add('steward:deployment', deployment);
    Tags.of(stack).add('steward:tier', tier.name);
    if (stack !== monitoring) addDlqAlarms(stack, data.alertTopic, tier);
  }
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, settings, stacks: { data, services, workflows: workflowStacks, api, monitoring } };
}

/**
 * The outbound policy's configuration (lib/core/outbound.ts) on the functions that apply it: the manifest's allow-list
 * on every function, the API's own host on the functions of the API and monitoring stacks (the step runner's stack
 * comes before the API's, so it cannot name it; an unsigned call from a step to the IAM-authorized API gets 403), and
 * the custom-check functions on the registry API, which refuses any other at registration.
 */
function configureOutbound(
  stacks: readonly Stack[],
  manifest: Manifest,
  customCheckArns: readonly string[],
  api: ApiStack,
  monitoring: MonitoringStack,
): void {
  const allow = manifest.outbound?.allow ?? [];
  const ownApi = `https://${api.api.api.restApiId}.execute-api.${api.region}.${api.urlSuffix}`;
  for (const stack of stacks) {
    for (const c of stack.node.findAll()) {
      if (!(c instanceof StewardFunction)) continue;
      if (allow.length > 0) c.function.addEnvironment(ENV.outboundAllow, allow.join(','));
      if (stack === api || stack === monitoring) c.function.addEnvironment(ENV.outboundOwnEndpoints, ownApi);
      if (c.spec.id === 'api-services') c.function.addEnvironment(ENV.customCheckFunctions, customCheckArns.join(','));
    }
  }
}

function buildServices(
  app: App,
  base: string,
  settings: StewardSettings,
  data: DataStack,
  entries: readonly IndexedService[],
  groups: readonly Record<string, unknown>[],
  description: (what: string) => string,
): ServicesStack[] {
  if (entries.length === 0) return [];
  const stacks: ServicesStack[] = [];
  const newStack = (): ServicesStack => {
    const n = stacks.length;
    const s = new ServicesStack(app, n === 0 ? `${base}-Services` : `${base}-Services${n + 1}`, {
      settings,
      registrar: data.registrar,
      network: stacks[0]?.network,
      createNetwork: n === 0 && entries.some((e) => runsOnEcs(e.spec)),
      groups: n === 0 ? groups : [],
      description: description(n === 0 ? 'VPC, cluster, managed services' : `managed services (part ${n + 1})`),
    });
    stacks.push(s);
    return s;
  };
  let current = newStack();
  let count = resourceCount(current);
  for (const entry of entries) {
    if (runsOnEcs(entry.spec) && count + SERVICE_BUDGET > MAX_RESOURCES_PER_STACK - 10) {
      current.register();
      current = newStack();
      count = resourceCount(current);
    }
    current.addService(entry);
    count = resourceCount(current);
  }
  current.register();
  return stacks;
}

/** One depth alarm per DLQ, in the DLQ's own stack (no cross-stack references as DLQs multiply). */
function addDlqAlarms(stack: Stack, topic: sns.ITopic, tier: TierConfig): void {
  const dlqs = stack.node.findAll().filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue);
  for (const dlq of dlqs) {
    const alarm = new cloudwatch.Alarm(dlq, 'DepthAlarm', {
      metric: dlq.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.seconds(tier.alarms.periodSeconds),
        statistic: 'Maximum',
      }),
      threshold: tier.alarms.dlqDepth,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Messages in a dead-letter queue (${dlq.node.path})`,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
  }
}

/**
 * Context flag local mode sets when it synthesizes: every manifest entry runs (samples unless `samples` is false,
 * local-only ones) and URLs are used as written. Never set it for a deployment.
 */
export const LOCAL_CONTEXT = 'steward:local';

/** A boolean context value given as `true`/`false` (`-c samples=true` arrives as the string 'true'). */
function contextFlag(app: App, key: string, fallback = false): boolean {
  const v = app.node.tryGetContext(key);
  if (v === undefined) return fallback;
  if (v === false || v === 'false') return false;
  if (v === true || v === 'true') return true;
  throw new Error(`Context '${key}' must be true or false (got ${JSON.stringify(v)})`);
}

/** The `context` of `<rootDir>/cdk.json` (feature flags, defaults), or none. */
export function projectContext(rootDir: string): Record<string, unknown> {
  const file = path.join(rootDir, 'cdk.json');
  if (!existsSync(file)) return {};
  const json = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return json.context ?? {};
}

/** `steward-dev` → `StewardDev` (stack id prefix). */
function pascalName(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

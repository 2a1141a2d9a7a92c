import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Aspects, Duration, type Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DeadLetterQueue } from './constructs/dead-letter-queue.ts';
import { FUNCTIONS } from './core/functions.ts';
import type { Manifest } from './core/supervision/manifest.ts';
import { type TierConfig, tierConfig } from './core/tiers.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { type DeployedWorkflow, loadManifest, loadWorkflows } from './stacks/inputs.ts';
import { MonitoringStack } from './stacks/monitoring-stack.ts';
import { type IndexedService, ServicesStack } from './stacks/services-stack.ts';
import { MAX_RESOURCES_PER_STACK, resourceCount, type StewardSettings } from './stacks/settings.ts';
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
  // Strong cross-stack references (exports the consumer pins) stated explicitly: a producer cannot drop what a
  // consumer still uses.
  const app = new App({
    outdir: options.outdir,
    context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...options.context },
  });
  const tier = tierConfig(options.tier ?? app.node.tryGetContext('tier') ?? 'dev');
  const deployment = String(app.node.tryGetContext('deployment') ?? `steward-${tier.name}`);
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(deployment)) {
    throw new Error(`Deployment name '${deployment}' must be 2-31 lower-case letters, digits or '-' (-c deployment=…)`);
  }
  const settings: StewardSettings = { tier, deployment, stateMachinePrefix: `${deployment}-`, rootDir };
  const workflows = options.workflows ?? loadWorkflows(rootDir);
  const manifest = options.manifest ?? loadManifest(rootDir);
  const base = pascalName(deployment);
  const description = (what: string): string => `Steward ${deployment} (${tier.name}): ${what}`;

  const data = new DataStack(app, `${base}-Data`, {
    settings,
    description: description('tables, alert topic, registrar'),
  });

  const services = buildServices(app, base, settings, data, manifest, description);
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
    openApiDir: app.outdir,
    description: description('REST API'),
  });
  const customCheckArns = [
    ...new Set(
      manifest.services.flatMap((s) =>
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
  for (const stack of all) {
    Tags.of(stack).add('steward:deployment', deployment);
    Tags.of(stack).add('steward:tier', tier.name);
    if (stack !== monitoring) addDlqAlarms(stack, data.alertTopic, tier);
  }
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  void Aspects;
  return { app, settings, stacks: { data, services, workflows: workflowStacks, api, monitoring } };
}

function buildServices(
  app: App,
  base: string,
  settings: StewardSettings,
  data: DataStack,
  manifest: Manifest,
  description: (what: string) => string,
): ServicesStack[] {
  if (manifest.services.length === 0) return [];
  const entries: IndexedService[] = manifest.services.map((spec, index) => ({ spec, index }));
  const stacks: ServicesStack[] = [];
  const newStack = (): ServicesStack => {
    const n = stacks.length;
    const s = new ServicesStack(app, n === 0 ? `${base}-Services` : `${base}-Services${n + 1}`, {
      settings,
      registrar: data.registrar,
      network: stacks[0]?.network,
      createNetwork: n === 0 && entries.some((e) => e.spec.image),
      groups: n === 0 ? (manifest.groups ?? []) : [],
      description: description(n === 0 ? 'VPC, cluster, managed services' : `managed services (part ${n + 1})`),
    });
    stacks.push(s);
    return s;
  };
  let current = newStack();
  let count = resourceCount(current);
  for (const entry of entries) {
    if (entry.spec.image && count + SERVICE_BUDGET > MAX_RESOURCES_PER_STACK - 10) {
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

/** `steward-dev` → `StewardDev` (stack id prefix). */
function pascalName(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

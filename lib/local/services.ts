/**
 * Attaches the AWS-compatible services of `lib/local/*` to the endpoint and loads them with what the templates
 * declare: state machines (with versions and aliases), buses and rules, schedules, topics and their subscriptions,
 * queues, and the managed services (local ECS runs them as child processes).
 */
import type { EventPattern } from '../core/events/pattern.ts';
import { LOCAL_REGION } from './aws/errors.ts';
import type { AwsServices, LambdaRunner } from './aws/index.ts';
import { type CloudMapInstance, CloudMapService } from './cloudmap/index.ts';
import { CloudWatchService, type MetricSeries } from './cloudwatch/index.ts';
import { LogSubscriptions } from './cloudwatch/subscriptions.ts';
import { EcsService, portOpen } from './ecs/index.ts';
import { EventBridgeService } from './eventbridge/index.ts';
import { LocalScheduler } from './scheduler.ts';
import { SchedulerService } from './scheduler-service.ts';
import { type SecretsFile, SecretsService } from './secrets/index.ts';
import { SnsService } from './sns/index.ts';
import { SqsService } from './sqs/index.ts';
import { StepFunctionsService } from './stepfunctions/index.ts';
import type { LocalWiring } from './wiring.ts';

export interface AttachOptions {
  services: AwsServices;
  runner: LambdaRunner;
  wiring: LocalWiring;
  rootDir: string;
  speed: number;
  startContainers: boolean;
  containerEnv: Record<string, string>;
  /** Environment with the credentials of a managed service's task role, by service name. */
  containerCredentials?: (serviceName: string) => Record<string, string>;
  /** Base URL of the endpoint (queue URLs). */
  endpointUrl: string;
  /** Problems worth a line in the log (failed deliveries). */
  log: (line: string) => void;
  /** Keep Step Functions' state (machines, executions) here across restarts (`--data DIR`). @default in memory */
  stepFunctionsDir?: string;
  /** Secrets and SSM parameters served locally (`--secrets FILE`, the samples' file), later files winning. */
  secrets?: readonly SecretsFile[];
}

/** The attached services, for the status page and local-only control in tests. */
export interface AttachedServices {
  stepFunctions: StepFunctionsService;
  eventBridge: EventBridgeService;
  ecs: EcsService;
  sns: SnsService;
  sqs: SqsService;
  cloudWatch: CloudWatchService;
  secrets: SecretsService;
  scheduler: LocalScheduler;
  /** EventBridge Scheduler: the templates' schedules and those created through its API. */
  schedules: SchedulerService;
  metrics(): MetricSeries[];
  recentEvents(limit: number): unknown[];
  stop(): Promise<void>;
}

/** How long stopping local mode waits for the bus's deliveries in flight (see `stop` below). */
export const STOP_DRAIN_MS = 3_000;

const call = async (
  ops: Record<string, (i: Record<string, unknown>) => unknown>,
  op: string,
  input: object,
): Promise<unknown> => {
  const fn = ops[op];
  if (!fn) throw new Error(`the local service has no ${op}`);
  return fn(input as Record<string, unknown>);
};

/**
 * Creates the deployed state machines, their versions and aliases, through the service's own API. With a data
 * folder they may exist from an earlier start: then they are updated to the templates, as a stack update would.
 */
export async function loadStateMachines(sfn: StepFunctionsService, wiring: LocalWiring): Promise<void> {
  const ops = sfn.operations();
  for (const machine of wiring.stateMachines) {
    const definition = JSON.stringify(machine.definition);
    const existing = sfn.registry.machines.get(machine.name);
    if (!existing) {
      await call(ops, 'CreateStateMachine', {
        name: machine.name,
        definition,
        roleArn: machine.roleArn,
        type: machine.type,
        loggingConfiguration: machine.logging,
      });
    } else if (existing.definition !== definition || existing.roleArn !== machine.roleArn || machine.logging) {
      // Read back from the data folder: the template may have changed since, and logging is not kept there.
      await call(ops, 'UpdateStateMachine', {
        stateMachineArn: existing.arn,
        definition,
        roleArn: machine.roleArn,
        loggingConfiguration: machine.logging,
      });
    }
    for (const _version of machine.versions)
      await call(ops, 'PublishStateMachineVersion', { stateMachineArn: machine.arn });
    for (const alias of machine.aliases) {
      const routingConfiguration = alias.routes.map((r) => ({
        stateMachineVersionArn: r.versionArn,
        weight: r.weight,
      }));
      if (sfn.registry.machines.get(machine.name)?.aliases.has(alias.name)) {
        await call(ops, 'UpdateStateMachineAlias', {
          stateMachineAliasArn: `${machine.arn}:${alias.name}`,
          routingConfiguration,
        });
      } else {
        await call(ops, 'CreateStateMachineAlias', { name: alias.name, routingConfiguration });
      }
    }
  }
}

/**
 * Schedule input with local-mode overrides: at speed N the prober's rounds (ten seconds apart within a one-minute
 * tick) run N times closer together too, so probing keeps pace with the faster clock.
 */
export function scheduleInput(input: unknown, speed: number): unknown {
  const parsed = input as Record<string, unknown>;
  if (
    speed > 1 &&
    typeof parsed === 'object' &&
    parsed !== null &&
    'shard' in parsed &&
    parsed.round_seconds === undefined
  ) {
    return { ...parsed, round_seconds: 10 / speed };
  }
  return parsed;
}

/** A managed service's port already taken would make its process fail to listen: say so before starting any. */
async function checkPortsFree(wiring: LocalWiring): Promise<void> {
  for (const service of wiring.containerServices) {
    const container = service.containers[0];
    const port = container?.port ?? Number(container?.environment.PORT);
    if (Number.isInteger(port) && (await portOpen(port))) {
      throw new Error(
        `port ${port} of managed service '${service.serviceName}' (services.json) is already in use: stop what uses it, or start with --no-samples`,
      );
    }
  }
}

/**
 * Declares the template's ECS services on local ECS, each with its `depends_on` (among the services run locally:
 * a dependency with no process has no port to wait for), so `start()` brings them up in dependency order.
 */
export function defineContainerServices(
  ecs: EcsService,
  wiring: Pick<LocalWiring, 'containerServices'>,
  options: Pick<AttachOptions, 'rootDir' | 'startContainers' | 'containerEnv' | 'containerCredentials' | 'log'>,
): void {
  const { log } = options;
  const runnable = new Set(wiring.containerServices.filter((s) => s.containers[0]?.command).map((s) => s.serviceName));
  for (const service of wiring.containerServices) {
    const container = service.containers[0];
    if (!container?.command) {
      log(`steward local: ECS service ${service.serviceName} has no command; it is not run locally`);
      continue;
    }
    const port = container.port ?? Number(container.environment.PORT);
    if (!Number.isInteger(port) || port <= 0) {
      throw new Error(`ECS service ${service.serviceName}: no container port (PortMappings or PORT) to run it on`);
    }
    const [program, ...args] = container.command;
    ecs.defineService({
      cluster: service.cluster,
      name: service.serviceName,
      // `node` is the project's pinned Node, the one running Steward.
      command: [program === 'node' ? process.execPath : program!, ...args],
      cwd: options.rootDir,
      env: {
        PATH: process.env.PATH ?? '',
        ...container.environment,
        ...options.containerEnv,
        ...options.containerCredentials?.(service.serviceName),
      },
      port,
      dependsOn: service.dependsOn.filter((name) => runnable.has(name)),
      desiredCount: options.startContainers && service.desiredCount > 0 ? 1 : 0,
    });
  }
}

/**
 * The instances of a Cloud Map service: each running task of the ECS services that register with it, with the
 * attributes ECS registers (the address is the loopback one every local task listens on).
 */
export function cloudMapInstances(
  ecs: Pick<EcsService, 'runningTaskIds'>,
  wiring: Pick<LocalWiring, 'containerServices'>,
  serviceId: string,
): CloudMapInstance[] {
  return wiring.containerServices.flatMap((service) =>
    service.registries
      .filter((r) => r.serviceId === serviceId)
      .flatMap((registry) =>
        ecs.runningTaskIds(service.serviceName).map((taskId) => ({
          id: taskId,
          attributes: {
            AWS_INSTANCE_IPV4: '127.0.0.1',
            ...(registry.port === undefined ? {} : { AWS_INSTANCE_PORT: String(registry.port) }),
            AWS_INIT_HEALTH_STATUS: 'HEALTHY',
            AVAILABILITY_ZONE: `${LOCAL_REGION}a`,
            REGION: LOCAL_REGION,
            ECS_CLUSTER_NAME: service.cluster,
            ECS_SERVICE_NAME: service.serviceName,
            ECS_TASK_DEFINITION_FAMILY: service.family,
          },
        })),
      ),
  );
}

/** Starts every service and loads it from the wiring. */
export async function attachServices(options: AttachOptions): Promise<AttachedServices> {
  const { runner, wiring, speed, log } = options;
  const scheduler = new LocalScheduler(speed);
  const cloudWatch = new CloudWatchService();
  const secrets = new SecretsService();
  for (const file of options.secrets ?? []) secrets.load(file);
  const sqs = new SqsService(() => options.endpointUrl);
  for (const queue of wiring.queues) sqs.createQueue(queue.name);
  const sns = new SnsService({ invokeLambda: (arn, event) => runner.invoke(arn, event, { async: true }) });
  for (const topic of wiring.topics) {
    sns.createTopic(topic.name);
    for (const sub of topic.subscriptions) {
      if (sub.protocol === 'lambda') sns.subscribeLambda(topic.arn, sub.endpoint);
      else log(`steward local: ${topic.name}: ${sub.protocol} subscriptions are not delivered locally`);
    }
  }
  let eventBridge: EventBridgeService | undefined;
  const ecs = new EcsService({
    handleSignals: false,
    // ECS reports task state changes on the account's default bus, where Steward's task-stops rule listens.
    onTaskStateChange: (entry) => {
      eventBridge?.putEvents([entry]);
    },
    onOutput: (service, stream, line) => {
      cloudWatch.ingestLogLine(line);
      log(`${service} ${stream}: ${line}`);
    },
  });
  defineContainerServices(ecs, wiring, options);
  const cloudMap = new CloudMapService({
    namespaces: wiring.cloudMap.namespaces,
    services: wiring.cloudMap.services,
    instancesOf: (serviceId) => cloudMapInstances(ecs, wiring, serviceId),
  });
  let stepFunctions: StepFunctionsService | undefined;
  eventBridge = new EventBridgeService({
    scheduler,
    invokers: {
      lambda: (arn, payload) => runner.invoke(arn, payload),
      sqs: async (arn, body) => {
        sqs.send(arn, body);
      },
      stepFunctions: async (arn, input) => {
        stepFunctions?.startExecution({ stateMachineArn: arn, input });
      },
    },
    onDeliveryFailure: (rule, target, _payload, error) => {
      log(`steward local: rule ${rule} could not deliver to ${target}: ${error}`);
    },
  });
  for (const bus of wiring.eventBuses) eventBridge.createBus(bus);
  const logSubscriptions = new LogSubscriptions(
    wiring.logSubscriptions,
    async (arn, payload) => {
      const outcome = await runner.invoke(arn, payload);
      if (!outcome.ok) throw new Error(`${outcome.errorType}: ${outcome.errorMessage}`);
    },
    (subscription, error) => log(`steward local: log subscription ${subscription} could not deliver: ${error}`),
  );
  stepFunctions = new StepFunctionsService({
    lambda: runner,
    speed,
    // Express executions report only through their execution logs, which subscriptions deliver.
    onExecutionLog: (logGroupArn, record) => logSubscriptions.put(logGroupArn, record),
    dataDir: options.stepFunctionsDir,
    // Step Functions reports status changes on the account's default bus, where Steward's status rule listens.
    onStatusChange: (entry) => {
      eventBridge.putEvents([{ ...entry }]);
    },
  });
  for (const rule of wiring.rules) {
    eventBridge.addRule({
      name: rule.name,
      bus: rule.eventBusName,
      pattern: rule.eventPattern as EventPattern | undefined,
      schedule: rule.scheduleExpression,
      enabled: rule.enabled,
      targets: rule.targets.map((t) => ({
        Id: t.id,
        Arn: t.arn,
        Input: t.input,
        InputPath: t.inputPath,
        InputTransformer: t.inputTransformer,
      })),
    });
  }
  const schedules = new SchedulerService({
    scheduler,
    invokeLambda: (arn, payload) => runner.invoke(arn, payload, { async: true }),
    adjustInput: (input) => scheduleInput(input, speed),
    onFailure: (name, error) => log(`steward local: schedule ${name} could not invoke its target: ${error}`),
  });
  for (const schedule of wiring.schedules) {
    schedules.put(
      {
        Name: schedule.name,
        ScheduleExpression: schedule.expression,
        ScheduleExpressionTimezone: schedule.timezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: schedule.enabled ? 'ENABLED' : 'DISABLED',
        Target: { Arn: schedule.target.arn, RoleArn: schedule.target.roleArn, Input: schedule.target.input },
      },
      false,
    );
  }
  options.services.stepFunctions = stepFunctions.operations();
  options.services.events = eventBridge.operations();
  options.services.ecs = ecs.operations();
  options.services.sns = sns.operations();
  options.services.sqs = sqs.operations();
  options.services.cloudWatch = cloudWatch.operations();
  const sfnService = stepFunctions;
  options.services.scheduler = schedules.operations();
  options.services.secretsManager = secrets.secretsManagerOperations();
  options.services.ssm = secrets.ssmOperations();
  options.services.cloudMap = cloudMap.operations();
  await loadStateMachines(stepFunctions, wiring);
  try {
    if (options.startContainers) await checkPortsFree(wiring);
    await ecs.start();
  } catch (error) {
    await ecs.close();
    scheduler.close();
    eventBridge.close();
    sfnService.close();
    throw new Error(`the managed services could not start: ${(error as Error).message}`);
  }
  return {
    stepFunctions,
    eventBridge,
    ecs,
    sns,
    sqs,
    cloudWatch,
    secrets,
    scheduler,
    schedules,
    metrics: () => cloudWatch.metrics(),
    recentEvents: (limit) =>
      eventBridge
        .recentEvents()
        .slice(-limit)
        .reverse()
        .map((r) => ({ bus: r.bus, matched_rules: r.matchedRules, ...r.event })),
    stop: async () => {
      scheduler.close();
      eventBridge.close();
      // Events already on a bus reach their targets before the functions stop: on AWS a delivery is retried for a
      // day, locally one cut off here was gone (a run's status change, an event a waiting step needed). Bounded, as
      // runs still going keep publishing; and before the managed services stop, whose own task-stopped events at
      // shutdown are not waited for.
      await eventBridge.drain(STOP_DRAIN_MS);
      await ecs.close();
      sfnService.close();
    },
  };
}

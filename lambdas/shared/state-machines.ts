import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  type LoggingConfiguration,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { ENV } from '../../lib/core/env.ts';
import { SUBSTITUTIONS } from '../../lib/core/runtime-contract.ts';
import { sfn } from './clients/sfn.ts';
import { requireEnv } from './config.ts';

/**
 * State machines of API-created workflows: created/updated through the SDK with `publish: true`, and one `live`
 * alias pointing at the newest version, so runs keep the version they started on.
 */
const ROLE_ARN = requireEnv(ENV.stateMachineRoleArn);
const STEP_RUNNER_ARN = requireEnv(ENV.stepRunnerArn);
const WAITER_ARN = requireEnv(ENV.waiterArn);
/** Express machines log here (level ALL): their runs' status comes from those logs, not from status events. */
const EXPRESS_LOG_GROUP_ARN = process.env[ENV.expressLogGroupArn];

/** The logging of an Express state machine; Standard ones need none (their status comes as events). */
function loggingFor(type: 'STANDARD' | 'EXPRESS'): LoggingConfiguration | undefined {
  if (type !== 'EXPRESS') return undefined;
  if (!EXPRESS_LOG_GROUP_ARN) throw new Error(`Missing environment variable ${ENV.expressLogGroupArn}`);
  return {
    level: 'ALL',
    includeExecutionData: true,
    destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: EXPRESS_LOG_GROUP_ARN } }],
  };
}

/** The alias every API-created state machine gets. */
export const LIVE_ALIAS = 'live';

/** Replaces the definition substitutions (`${StepRunnerArn}`, `${WaiterArn}`) with this deployment's ARNs. */
export function substituteDefinition(asl: unknown): string {
  return JSON.stringify(asl)
    .replaceAll(`\${${SUBSTITUTIONS.stepRunner}}`, STEP_RUNNER_ARN)
    .replaceAll(`\${${SUBSTITUTIONS.waiter}}`, WAITER_ARN);
}

/** What a deployment of a definition produced. */
export interface DeployedStateMachine {
  state_machine_arn: string;
  version_arn: string;
  alias_arn: string;
}

/** The ARN a state machine of this name has (same partition, region and account as the runtime role). */
export function stateMachineArnFor(name: string): string {
  const [, partition, , , account] = ROLE_ARN.split(':');
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return `arn:${partition ?? 'aws'}:states:${region}:${account ?? ''}:stateMachine:${name}`;
}

const named = (error: unknown, name: string): boolean => (error as Error)?.name === name;

/**
 * Publishes a new version of the state machine `name` (creating it on first use) and points `live` at it.
 * `existingArn` is the machine's ARN when the workflow already has one.
 */
export async function deployStateMachine(input: {
  name: string;
  existingArn?: string;
  asl: unknown;
  type: 'standard' | 'express';
  description: string;
}): Promise<DeployedStateMachine> {
  const definition = substituteDefinition(input.asl);
  const type = input.type === 'express' ? 'EXPRESS' : 'STANDARD';
  let arn = input.existingArn;
  let versionArn: string | undefined;
  if (!arn) {
    try {
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name: input.name,
          definition,
          roleArn: ROLE_ARN,
          type,
          loggingConfiguration: loggingFor(type),
          publish: true,
          versionDescription: input.description,
        }),
      );
      arn = created.stateMachineArn;
      versionArn = created.stateMachineVersionArn;
    } catch (error) {
      // A create that stopped after Step Functions answered leaves the machine behind: publish on it instead.
      if (!named(error, 'StateMachineAlreadyExists')) throw error;
      arn = stateMachineArnFor(input.name);
    }
  }
  if (!arn) throw new Error(`Step Functions returned no ARN for state machine ${input.name}`);
  if (!versionArn) {
    const updated = await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition,
        roleArn: ROLE_ARN,
        loggingConfiguration: loggingFor(type),
        publish: true,
        versionDescription: input.description,
      }),
    );
    versionArn = updated.stateMachineVersionArn;
  }
  if (!versionArn) throw new Error(`Step Functions published no version of ${arn}`);
  const aliasArn = await pointLiveAlias(arn, versionArn);
  return { state_machine_arn: arn, version_arn: versionArn, alias_arn: aliasArn };
}

/** Points the `live` alias of `arn` at `versionArn`, creating the alias on first use. */
async function pointLiveAlias(arn: string, versionArn: string): Promise<string> {
  const aliasArn = `${arn}:${LIVE_ALIAS}`;
  const routingConfiguration = [{ stateMachineVersionArn: versionArn, weight: 100 }];
  try {
    await sfn.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: aliasArn, routingConfiguration }));
    return aliasArn;
  } catch (error) {
    if (!named(error, 'ResourceNotFound')) throw error;
  }
  const created = await sfn.send(
    new CreateStateMachineAliasCommand({ name: LIVE_ALIAS, routingConfiguration, description: 'Newest version' }),
  );
  return created.stateMachineAliasArn ?? aliasArn;
}

/** Deletes the alias and the state machine (running executions finish; Step Functions deletes it afterwards). */
export async function deleteStateMachine(arn: string, aliasArn?: string): Promise<void> {
  if (aliasArn) {
    try {
      await sfn.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
    } catch (error) {
      if (!named(error, 'ResourceNotFound')) throw error;
    }
  }
  await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
}

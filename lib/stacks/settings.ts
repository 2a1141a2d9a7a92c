import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { TierConfig } from '../core/tiers.ts';

/** What every Steward stack knows about the deployment. */
export interface StewardSettings {
  readonly tier: TierConfig;
  /** Deployment name: `steward-<tier>` unless `-c deployment=…`; function, bus, API and dashboard names. */
  readonly deployment: string;
  /** Prefix of the deployment's state machines: `<deployment>_` (see {@link stateMachinePrefix}). */
  readonly stateMachinePrefix: string;
  /** Repository root. */
  readonly rootDir: string;
}

/** CloudFormation refuses more than 500 resources per stack; Steward splits well before that. */
export const MAX_RESOURCES_PER_STACK = 450;

/** Counts the CloudFormation resources a stack holds so far. */
export function resourceCount(stack: Stack): number {
  return stack.node.findAll().filter((c) => c instanceof CfnResource).length;
}

/** Deployment names: lower-case letters, digits and '-', 2 to 31 characters, starting with a letter. */
const DEPLOYMENT_NAME = /^[a-z][a-z0-9-]{1,30}$/;

/** Throws naming the rule when `name` is not a valid deployment name (`-c deployment=…`). */
export function checkDeploymentName(name: string): void {
  if (!DEPLOYMENT_NAME.test(name)) {
    throw new Error(
      `Deployment name '${name}' must be 2-31 lower-case letters, digits or '-', starting with a letter (-c deployment=…)`,
    );
  }
}

/**
 * The prefix of a deployment's state machines: the name and `_`, a character no deployment name has. Grants and
 * rules scoped to `steward-dev_*` therefore never reach the state machines of `steward-dev-2` (`steward-dev-2_…`),
 * as a `steward-dev-*` pattern would.
 */
export function stateMachinePrefix(deployment: string): string {
  return `${deployment}_`;
}

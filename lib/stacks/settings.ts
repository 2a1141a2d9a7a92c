import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { TierConfig } from '../core/tiers.ts';

/** What every Steward stack knows about the deployment. */
export interface StewardSettings {
  readonly tier: TierConfig;
  /** Deployment name: `steward-<tier>` unless `-c deployment=…`; function, bus, API and dashboard names. */
  readonly deployment: string;
  /** Prefix of the deployment's state machines: `<deployment>-`. */
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

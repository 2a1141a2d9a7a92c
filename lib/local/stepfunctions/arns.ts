import { AwsError } from '../aws/errors.ts';

/** What a state machine ARN designates: the machine, one of its versions, or an alias. */
export type StateMachineRef =
  | { kind: 'machine'; name: string }
  | { kind: 'version'; name: string; version: number }
  | { kind: 'alias'; name: string; alias: string };

const MACHINE = /^arn:aws:states:([a-z0-9-]+):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})(?::([A-Za-z0-9_-]{1,80}))?$/;
const EXECUTION = /^arn:aws:states:([a-z0-9-]+):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_-]{1,80})$/;

/** Parses a state machine / version / alias ARN; throws `InvalidArn`. */
export function parseStateMachineArn(arn: unknown): StateMachineRef {
  const match = typeof arn === 'string' ? MACHINE.exec(arn) : null;
  if (!match) throw new AwsError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  const name = match[3] ?? '';
  const qualifier = match[4];
  if (qualifier === undefined) return { kind: 'machine', name };
  if (/^\d+$/.test(qualifier)) return { kind: 'version', name, version: Number(qualifier) };
  return { kind: 'alias', name, alias: qualifier };
}

/** Parses an execution ARN into its state machine name and execution name; throws `InvalidArn`. */
export function parseExecutionArn(arn: unknown): { machine: string; name: string } {
  const match = typeof arn === 'string' ? EXECUTION.exec(arn) : null;
  if (!match) throw new AwsError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
  return { machine: match[3] ?? '', name: match[4] ?? '' };
}

/** Names of state machines, executions and aliases: 1–80 characters, letters, digits, `-` and `_`. */
export function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
    throw new AwsError('InvalidName', `Invalid ${field}: '${String(name)}'`);
  }
  return name;
}

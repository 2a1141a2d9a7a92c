import { AwsError, optionalString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';
import { checkName, parseStateMachineArn } from './arns.ts';
import { type MachineAlias, type MachineRegistry, parseVersionNumber } from './registry.ts';

const secs = (d: Date | undefined): number | undefined => (d ? d.getTime() / 1000 : undefined);

function routingFrom(
  registry: MachineRegistry,
  value: unknown,
): { machineName: string; routing: MachineAlias['routing'] } {
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) {
    throw new AwsError('ValidationException', 'routingConfiguration must list one or two versions');
  }
  let machineName = '';
  const routing = value.map((entry: { stateMachineVersionArn?: unknown; weight?: unknown }) => {
    const arn = String(entry.stateMachineVersionArn);
    const ref = parseStateMachineArn(arn);
    const machine = registry.machineOf(ref, arn);
    registry.version(machine, parseVersionNumber(arn), arn);
    if (machineName && machineName !== machine.name)
      throw new AwsError('ValidationException', 'versions of one state machine only');
    machineName = machine.name;
    const weight = Number(entry.weight);
    if (!Number.isInteger(weight) || weight < 0 || weight > 100)
      throw new AwsError('ValidationException', 'weight must be 0..100');
    return { stateMachineVersionArn: arn, weight };
  });
  if (routing.reduce((s, r) => s + r.weight, 0) !== 100)
    throw new AwsError('ValidationException', 'weights must sum to 100');
  return { machineName, routing };
}

/** Versions and aliases: PublishStateMachineVersion, ListStateMachineVersions, *StateMachineAlias. */
export function versionOperations(registry: MachineRegistry): JsonOperations {
  const aliasOf = (arn: unknown): { alias: MachineAlias; machineName: string } => {
    const ref = parseStateMachineArn(arn);
    if (ref.kind !== 'alias') throw new AwsError('InvalidArn', `Not an alias ARN: '${String(arn)}'`);
    const machine = registry.machineOf(ref, String(arn));
    return { alias: registry.alias(machine, ref.alias, String(arn)), machineName: machine.name };
  };
  return {
    PublishStateMachineVersion: (i) => {
      const ref = parseStateMachineArn(i.stateMachineArn);
      const machine = registry.machineOf(ref, String(i.stateMachineArn));
      if (i.revisionId !== undefined && String(i.revisionId) !== String(machine.revision)) {
        throw new AwsError('ConflictException', 'revisionId does not match the current revision');
      }
      const version = registry.publish(machine, optionalString(i, 'description'));
      return { stateMachineVersionArn: version.arn, creationDate: secs(version.creationDate) };
    },
    ListStateMachineVersions: (i) => {
      const ref = parseStateMachineArn(i.stateMachineArn);
      const machine = registry.machineOf(ref, String(i.stateMachineArn));
      return {
        stateMachineVersions: [...machine.versions]
          .reverse()
          .map((v) => ({ stateMachineVersionArn: v.arn, creationDate: secs(v.creationDate) })),
      };
    },
    DeleteStateMachineVersion: (i) => {
      const arn = String(i.stateMachineVersionArn);
      const ref = parseStateMachineArn(arn);
      const machine = registry.machineOf(ref, arn);
      const inUse = [...machine.aliases.values()].some((a) => a.routing.some((r) => r.stateMachineVersionArn === arn));
      if (inUse) throw new AwsError('ConflictException', 'Version is referenced by an alias');
      machine.versions = machine.versions.filter((v) => v.arn !== arn);
      return {};
    },
    CreateStateMachineAlias: (i) => {
      const name = checkName(i.name);
      if (/^\d+$/.test(name)) throw new AwsError('ValidationException', 'alias name cannot be a number');
      const { machineName, routing } = routingFrom(registry, i.routingConfiguration);
      const machine = registry.machines.get(machineName);
      if (!machine) throw new AwsError('StateMachineDoesNotExist', machineName);
      if (machine.aliases.has(name)) throw new AwsError('ConflictException', `Alias already exists: ${name}`);
      const alias: MachineAlias = {
        name,
        arn: `${machine.arn}:${name}`,
        description: optionalString(i, 'description'),
        routing,
        creationDate: new Date(),
      };
      machine.aliases.set(name, alias);
      return { stateMachineAliasArn: alias.arn, creationDate: secs(alias.creationDate) };
    },
    UpdateStateMachineAlias: (i) => {
      const { alias, machineName } = aliasOf(i.stateMachineAliasArn);
      if (i.routingConfiguration !== undefined) {
        const next = routingFrom(registry, i.routingConfiguration);
        if (next.machineName !== machineName)
          throw new AwsError('ValidationException', 'versions of the alias machine only');
        alias.routing = next.routing;
      }
      if (i.description !== undefined) alias.description = optionalString(i, 'description');
      alias.updateDate = new Date();
      return { updateDate: secs(alias.updateDate) };
    },
    DescribeStateMachineAlias: (i) => {
      const { alias } = aliasOf(i.stateMachineAliasArn);
      return {
        stateMachineAliasArn: alias.arn,
        name: alias.name,
        description: alias.description,
        routingConfiguration: alias.routing,
        creationDate: secs(alias.creationDate),
        updateDate: secs(alias.updateDate),
      };
    },
    ListStateMachineAliases: (i) => {
      const ref = parseStateMachineArn(i.stateMachineArn);
      const machine = registry.machineOf(ref, String(i.stateMachineArn));
      return {
        stateMachineAliases: [...machine.aliases.values()].map((a) => ({
          stateMachineAliasArn: a.arn,
          creationDate: secs(a.creationDate),
        })),
      };
    },
    DeleteStateMachineAlias: (i) => {
      const ref = parseStateMachineArn(i.stateMachineAliasArn);
      const { alias } = aliasOf(i.stateMachineAliasArn);
      registry.machineOf(ref, alias.arn).aliases.delete(alias.name);
      return {};
    },
  };
}

import { AwsError } from '../aws/errors.ts';
import { parseStateMachineArn, type StateMachineRef } from './arns.ts';
import type { AslDefinition } from './definition.ts';

/** A published version: an immutable copy of the definition. */
export interface MachineVersion {
  version: number;
  arn: string;
  definition: string;
  parsed: AslDefinition;
  roleArn: string;
  description?: string;
  creationDate: Date;
}

/** An alias: weighted routing to one or two versions. */
export interface MachineAlias {
  name: string;
  arn: string;
  description?: string;
  routing: Array<{ stateMachineVersionArn: string; weight: number }>;
  creationDate: Date;
  updateDate?: Date;
}

/** A state machine and its versions and aliases. */
export interface Machine {
  name: string;
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: string;
  parsed: AslDefinition;
  roleArn: string;
  creationDate: Date;
  revision: number;
  versions: MachineVersion[];
  aliases: Map<string, MachineAlias>;
  tags: Array<{ key: string; value: string }>;
}

/** What an ARN resolved to: the definition to run and the ARNs DescribeExecution reports. */
export interface ResolvedTarget {
  machine: Machine;
  definition: AslDefinition;
  roleArn: string;
  versionArn?: string;
  aliasArn?: string;
}

type Saved<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | undefined ? string | undefined : T[K];
};

/** A machine as the data folder holds it: dates as ISO strings, definitions as text only, aliases as a list. */
interface SavedMachine extends Omit<Saved<Machine>, 'parsed' | 'versions' | 'aliases'> {
  versions: Array<Omit<Saved<MachineVersion>, 'parsed'>>;
  aliases: Array<Saved<MachineAlias>>;
}

/** State machines by name. */
export class MachineRegistry {
  readonly machines = new Map<string, Machine>();

  /** The registry in a JSON-friendly shape (see {@link MachineRegistry.restore}). */
  toJSON(): SavedMachine[] {
    return [...this.machines.values()].map(({ parsed: _parsed, ...m }) => ({
      ...m,
      creationDate: m.creationDate.toISOString(),
      versions: m.versions.map(({ parsed: _p, ...v }) => ({ ...v, creationDate: v.creationDate.toISOString() })),
      aliases: [...m.aliases.values()].map((a) => ({
        ...a,
        creationDate: a.creationDate.toISOString(),
        updateDate: a.updateDate?.toISOString(),
      })),
    }));
  }

  /** Loads what {@link MachineRegistry.toJSON} produced. */
  restore(saved: unknown): void {
    for (const m of saved as SavedMachine[]) {
      this.machines.set(m.name, {
        ...m,
        parsed: JSON.parse(m.definition) as AslDefinition,
        creationDate: new Date(m.creationDate),
        versions: m.versions.map((v) => ({
          ...v,
          parsed: JSON.parse(v.definition) as AslDefinition,
          creationDate: new Date(v.creationDate),
        })),
        aliases: new Map(
          m.aliases.map((a) => [
            a.name,
            {
              ...a,
              creationDate: new Date(a.creationDate),
              updateDate: a.updateDate === undefined ? undefined : new Date(a.updateDate),
            },
          ]),
        ),
      });
    }
  }

  /** The machine of any ARN form; throws `StateMachineDoesNotExist`. */
  machineOf(ref: StateMachineRef, arn: string): Machine {
    const machine = this.machines.get(ref.name);
    if (!machine) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** Resolves a machine, version or alias ARN to what StartExecution runs. Aliases route by weight. */
  resolve(arn: unknown): ResolvedTarget {
    const ref = parseStateMachineArn(arn);
    const machine = this.machineOf(ref, String(arn));
    if (ref.kind === 'machine') return { machine, definition: machine.parsed, roleArn: machine.roleArn };
    if (ref.kind === 'version') {
      const version = this.version(machine, ref.version, String(arn));
      return { machine, definition: version.parsed, roleArn: version.roleArn, versionArn: version.arn };
    }
    const alias = this.alias(machine, ref.alias, String(arn));
    const chosen = pickWeighted(alias.routing);
    const version = this.version(machine, parseVersionNumber(chosen), chosen);
    return {
      machine,
      definition: version.parsed,
      roleArn: version.roleArn,
      versionArn: version.arn,
      aliasArn: alias.arn,
    };
  }

  /** A version by number; throws `ResourceNotFound`. */
  version(machine: Machine, version: number, arn: string): MachineVersion {
    const found = machine.versions.find((v) => v.version === version);
    if (!found) throw new AwsError('ResourceNotFound', `State machine version does not exist: '${arn}'`);
    return found;
  }

  /** An alias by name; throws `ResourceNotFound`. */
  alias(machine: Machine, name: string, arn: string): MachineAlias {
    const found = machine.aliases.get(name);
    if (!found) throw new AwsError('ResourceNotFound', `State machine alias does not exist: '${arn}'`);
    return found;
  }

  /** Publishes the current revision as a version, or returns the newest version when it is identical. */
  publish(machine: Machine, description?: string): MachineVersion {
    const latest = machine.versions.at(-1);
    if (latest && latest.definition === machine.definition && latest.roleArn === machine.roleArn) return latest;
    const number = (latest?.version ?? 0) + 1;
    const version: MachineVersion = {
      version: number,
      arn: `${machine.arn}:${number}`,
      definition: machine.definition,
      parsed: machine.parsed,
      roleArn: machine.roleArn,
      description,
      creationDate: new Date(),
    };
    machine.versions.push(version);
    return version;
  }
}

/** The version number at the end of a version ARN. */
export function parseVersionNumber(arn: string): number {
  const ref = parseStateMachineArn(arn);
  if (ref.kind !== 'version') throw new AwsError('ValidationException', `Not a version ARN: '${arn}'`);
  return ref.version;
}

function pickWeighted(routing: MachineAlias['routing']): string {
  const total = routing.reduce((sum, r) => sum + r.weight, 0);
  let roll = Math.random() * total;
  for (const route of routing) {
    roll -= route.weight;
    if (roll < 0) return route.stateMachineVersionArn;
  }
  return routing[0]?.stateMachineVersionArn ?? '';
}

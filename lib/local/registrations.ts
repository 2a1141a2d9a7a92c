/**
 * The templates' custom resources (the registrations) as CloudFormation runs them, across local mode's restarts.
 *
 * A first deployment creates each custom resource; a stack update sends an `Update` with the old properties to those
 * that stay, and a `Delete` to those the new templates dropped. With `--data`, local mode keeps what it registered
 * last (`DIR/registrations.json`) and does the same at its next start: a workflow removed from `statemachines/`, or
 * the samples' workflows after a start with `--no-samples`, are deregistered as a stack update would, instead of
 * staying registered with no state machine behind them. Without `--data` every start is a first deployment.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_REGION } from './cfn.ts';

/** A custom resource of the templates, as local mode's wiring gives it. */
export interface CustomResource {
  logicalId: string;
  type: string;
  functionName: string;
  properties: Record<string, unknown>;
}

/** What a registration left behind: the resource as it was run, and the physical id its handler answered. */
export interface RegisteredResource extends CustomResource {
  physicalId: string;
}

/** The event to send a custom resource's function, with the resource it is about. */
export interface RegistrationCall {
  resource: CustomResource;
  event: Record<string, unknown>;
}

/** File of the registrations local mode ran last, in a `--data` folder. */
export const registrationsFile = (dataDir: string): string => join(dataDir, 'registrations.json');

/** The registrations recorded in `file`; none when there is no file yet. */
export function readRegistrations(file: string): Record<string, RegisteredResource> {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, RegisteredResource>;
}

/** Records the registrations (written whole through a temporary file and a rename: never half a file). */
export function writeRegistrations(file: string, registered: Record<string, RegisteredResource>): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(registered));
  renameSync(`${file}.tmp`, file);
}

const base = (resource: CustomResource) => ({
  ServiceToken: resource.functionName,
  ResponseURL: 'http://127.0.0.1/unused',
  StackId: `arn:aws:cloudformation:${LOCAL_REGION}:000000000000:stack/steward-local/local`,
  RequestId: crypto.randomUUID(),
  LogicalResourceId: resource.logicalId,
  ResourceType: resource.type,
  ResourceProperties: { ServiceToken: resource.functionName, ...resource.properties },
});

/**
 * The events CloudFormation would send to go from the `previous` registrations to `resources`: `Create` for a new
 * one, `Update` (with the old properties and physical id) for one that stays, then `Delete` for each one dropped.
 */
export function registrationCalls(
  resources: readonly CustomResource[],
  previous: Readonly<Record<string, RegisteredResource>>,
): RegistrationCall[] {
  const calls: RegistrationCall[] = resources.map((resource) => {
    const before = previous[resource.logicalId];
    const event = before
      ? {
          ...base(resource),
          RequestType: 'Update',
          PhysicalResourceId: before.physicalId,
          OldResourceProperties: { ServiceToken: before.functionName, ...before.properties },
        }
      : { ...base(resource), RequestType: 'Create' };
    return { resource, event };
  });
  const kept = new Set(resources.map((r) => r.logicalId));
  for (const before of Object.values(previous)) {
    if (kept.has(before.logicalId)) continue;
    calls.push({
      resource: before,
      event: { ...base(before), RequestType: 'Delete', PhysicalResourceId: before.physicalId },
    });
  }
  return calls;
}

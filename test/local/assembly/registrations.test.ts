import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CustomResource,
  readRegistrations,
  registrationCalls,
  registrationsFile,
  writeRegistrations,
} from '../../../lib/local/registrations.ts';

const resource = (logicalId: string, workflows: string[]): CustomResource => ({
  logicalId,
  type: 'Custom::StewardRegistration',
  functionName: 'steward-dev-registrar',
  properties: { workflows: workflows.map((name) => ({ name })) },
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('registrations across --data restarts, as CloudFormation runs custom resources', () => {
  it('creates everything on a first start', () => {
    const calls = registrationCalls([resource('Reg', ['A'])], {});
    expect(calls.map((c) => c.event.RequestType)).toEqual(['Create']);
    expect(calls[0]?.event).toMatchObject({
      LogicalResourceId: 'Reg',
      ResourceType: 'Custom::StewardRegistration',
      ServiceToken: 'steward-dev-registrar',
      ResourceProperties: { ServiceToken: 'steward-dev-registrar', workflows: [{ name: 'A' }] },
    });
    expect(calls[0]?.event).not.toHaveProperty('OldResourceProperties');
  });

  it('updates what stays, with the old properties and physical id, and deletes what the templates dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-reg-'));
    dirs.push(dir);
    const file = registrationsFile(dir);
    writeRegistrations(file, {
      Reg: { ...resource('Reg', ['A', 'B']), physicalId: 'steward-registration-Reg' },
      Samples: { ...resource('Samples', ['Agent Task Execution']), physicalId: 'steward-registration-Samples' },
    });
    const calls = registrationCalls([resource('Reg', ['A'])], readRegistrations(file));
    expect(calls.map((c) => [c.event.LogicalResourceId, c.event.RequestType])).toEqual([
      ['Reg', 'Update'],
      ['Samples', 'Delete'],
    ]);
    expect(calls[0]?.event).toMatchObject({
      PhysicalResourceId: 'steward-registration-Reg',
      ResourceProperties: { workflows: [{ name: 'A' }] },
      OldResourceProperties: { ServiceToken: 'steward-dev-registrar', workflows: [{ name: 'A' }, { name: 'B' }] },
    });
    expect(calls[1]?.event).toMatchObject({
      PhysicalResourceId: 'steward-registration-Samples',
      ResourceProperties: { workflows: [{ name: 'Agent Task Execution' }] },
    });
  });

  it('reads no registrations from a folder that has none yet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-reg-'));
    dirs.push(dir);
    expect(readRegistrations(registrationsFile(dir))).toEqual({});
  });
});

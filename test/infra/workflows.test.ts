import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileDocument, type DeployedWorkflow, loadManifest, loadWorkflows } from '../../lib/stacks/inputs.ts';
import { ROOT, resourcesOf, type Synthesized, synth } from './support.ts';

// asl-validator ships CommonJS without types; it mutates its input, so it always gets a copy.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const triggered = {
  name: 'Nightly Report',
  version: '3',
  triggers: [
    { type: 'schedule', expression: 'cron(0 2 * * ? *)', context: { report: 'daily' } },
    { type: 'event', pattern: { 'detail-type': ['order.created'] }, context: { order_id: 'detail.data.order_id' } },
  ],
  definition: { steps: [{ name: 'build', step_type: 'service_call', service: 'reports', endpoint: '/build' }] },
};

let s: Synthesized;
let deployed: DeployedWorkflow[];

beforeAll(() => {
  const problems: { file: string; path: string; message: string }[] = [];
  const extra = compileDocument('test/nightly.json', triggered, problems);
  expect(problems).toEqual([]);
  deployed = [...loadWorkflows(ROOT), extra!];
  s = synth({ workflows: deployed, manifest: { services: [] } });
}, 120_000);

type Sub = { 'Fn::GetAtt': [string, string] } | { 'Fn::ImportValue': string };

describe('deployed workflows', () => {
  it('turns every workflow into a state machine whose substituted definition validates', () => {
    const machines = resourcesOf(s, 'AWS::StepFunctions::StateMachine');
    expect(machines.map((m) => m.Metadata?.['steward:workflow']).sort()).toEqual(
      deployed.map((w) => w.document.name).sort(),
    );
    for (const m of machines) {
      const subs = m.Properties['DefinitionSubstitutions'] as Record<string, unknown>;
      let text = m.Properties['DefinitionString'] as string;
      for (const key of Object.keys(subs)) {
        text = text.replaceAll('${' + key + '}', `arn:aws:lambda:eu-west-1:123456789012:function:${key}`);
      }
      const { isValid, errors } = aslValidator(structuredClone(JSON.parse(text)));
      expect(errors, String(m.Metadata?.['steward:workflow'])).toEqual([]);
      expect(isValid).toBe(true);
    }
  });

  it('resolves StepRunnerArn and WaiterArn to the step runner and waiter functions', () => {
    const fns = resourcesOf(s, 'AWS::Lambda::Function');
    const idOf = (fid: string): string => fns.find((f) => f.Metadata?.['steward:function'] === fid)!.id;
    for (const m of resourcesOf(s, 'AWS::StepFunctions::StateMachine')) {
      const subs = m.Properties['DefinitionSubstitutions'] as Record<string, Sub>;
      expect(subs['StepRunnerArn']).toEqual({ 'Fn::GetAtt': [idOf('step-runner'), 'Arn'] });
      expect(subs['WaiterArn']).toEqual({ 'Fn::GetAtt': [idOf('waiter'), 'Arn'] });
      expect(m.Properties).toMatchObject({
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL' },
      });
      expect(String(m.Properties['StateMachineName'])).toMatch(/^steward-dev_[a-z0-9-]+$/);
    }
  });

  it('publishes a retained version per definition and points the live alias at it', () => {
    const machines = resourcesOf(s, 'AWS::StepFunctions::StateMachine');
    const versions = resourcesOf(s, 'AWS::StepFunctions::StateMachineVersion');
    const aliases = resourcesOf(s, 'AWS::StepFunctions::StateMachineAlias');
    expect(versions).toHaveLength(machines.length);
    expect(aliases).toHaveLength(machines.length);
    const tpl = s.raw['Workflows']!.Resources as Record<
      string,
      { DeletionPolicy?: string; UpdateReplacePolicy?: string }
    >;
    for (const v of versions) {
      expect(v.Properties['StateMachineRevisionId']).toEqual({
        'Fn::GetAtt': [expect.any(String), 'StateMachineRevisionId'],
      });
      expect(tpl[v.id]).toMatchObject({ UpdateReplacePolicy: 'Retain' });
    }
    for (const a of aliases) {
      expect(a.Properties).toMatchObject({
        Name: 'live',
        RoutingConfiguration: [{ Weight: 100, StateMachineVersionArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } }],
      });
    }
  });

  it('creates a Scheduler schedule and an event rule per trigger, both to workflow-trigger', () => {
    const schedules = resourcesOf(s, 'AWS::Scheduler::Schedule').filter(
      (x) => x.Metadata?.['steward:schedule'] === 'trigger:Nightly Report',
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(JSON.parse((schedules[0]!.Properties['Target'] as { Input: string }).Input)).toMatchObject({
      workflow_name: 'Nightly Report',
      context: { report: 'daily' },
      source: 'schedule',
      scheduled_time: '<aws.scheduler.scheduled-time>',
    });
    const rules = resourcesOf(s, 'AWS::Events::Rule').filter(
      (x) => x.Metadata?.['steward:rule'] === 'trigger:Nightly Report',
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties['EventPattern']).toEqual({ 'detail-type': ['order.created'] });
    const [target] = rules[0]!.Properties['Targets'] as Array<Record<string, unknown>>;
    const transformer = target!['InputTransformer'] as {
      InputPathsMap?: Record<string, string>;
      InputTemplate: string;
    };
    const input = transformer.InputTemplate;
    expect(input).toContain('"workflow_name":"Nightly Report"');
    expect(input).toContain('"context":{"order_id":"$.detail.data.order_id"}');
    expect(input).toContain('"source":"event"');
    expect(input).toMatch(/"event":<aws\.events\.event>|"event":<[^>]+>/);
    const triggerFn = resourcesOf(s, 'AWS::Lambda::Function').find(
      (f) => f.Metadata?.['steward:function'] === 'workflow-trigger',
    )!;
    expect(JSON.stringify(target!['Arn'])).toContain(triggerFn.id);
    expect(JSON.stringify(resourcesOf(s, 'AWS::Events::Rule'))).not.toContain('states:StartExecution');
  });

  it('registers the workflows with their ARNs and definitions', () => {
    const [reg] = resourcesOf(s, 'Custom::StewardRegistration').filter((r) => r.stack === 'Workflows');
    const workflows = reg!.Properties['workflows'] as Array<Record<string, unknown>>;
    expect(workflows.map((w) => w['name']).sort()).toEqual(deployed.map((w) => w.document.name).sort());
    const nightly = workflows.find((w) => w['name'] === 'Nightly Report')!;
    expect(nightly).toMatchObject({ version: '3', type: 'STANDARD', state_machine_arn: { Ref: expect.any(String) } });
    expect(JSON.parse(nightly['definition'] as string)).toEqual(triggered);
  });
});

describe('workflow files', () => {
  it('reads statemachines/ and services.json saved with a byte order mark as any others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-bom-'));
    mkdirSync(join(dir, 'statemachines'));
    const seedFile = readFileSync(join(ROOT, 'statemachines', 'agent-task-execution.json'), 'utf8');
    writeFileSync(join(dir, 'statemachines', 'agent-task-execution.json'), `\uFEFF${seedFile}`);
    writeFileSync(join(dir, 'services.json'), `\uFEFF${readFileSync(join(ROOT, 'services.json'), 'utf8')}`);

    const [workflow] = loadWorkflows(dir);
    expect(workflow?.document).toEqual(JSON.parse(seedFile));
    expect(loadManifest(dir)).toEqual(loadManifest(ROOT));
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('invalid input', () => {
  it('fails synth listing file, JSON path and message', () => {
    const problems: { file: string; path: string; message: string }[] = [];
    const bad = compileDocument('statemachines/bad.json', { name: 'x', definition: { steps: [] } }, problems);
    expect(bad).toBeUndefined();
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: 'statemachines/bad.json', path: expect.stringContaining('definition') });
  });
});

import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/core/functions.ts';
import type { StackTemplate } from '../../../lib/local/cfn.ts';
import { deriveWiring } from '../../../lib/local/wiring.ts';

const fnResource = (id: string, env: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Metadata: { 'steward:function': id },
  Properties: { Timeout: 29, MemorySize: 512, Environment: { Variables: env } },
});

/** A two-stack deployment in the shape CDK synthesizes: exports, imports, Fn::Join, Fn::Sub, substitutions. */
function stacks(): StackTemplate[] {
  const functions: Record<string, unknown> = {};
  for (const f of FUNCTIONS) functions[`Fn${f.id.replace(/-/g, '')}`] = fnResource(f.id);
  functions.Fnapiexecutions = fnResource('api-executions', {
    REGISTRY_TABLE_NAME: { 'Fn::ImportValue': 'steward-dev-data:RegistryName' },
    EVENT_BUS_NAME: { Ref: 'Bus' },
    STEP_RUNNER_ARN: { 'Fn::GetAtt': ['Fnsteprunner', 'Arn'] },
    DEPLOYMENT: { 'Fn::Join': ['-', ['steward', { Ref: 'AWS::Region' }]] },
  });
  return [
    {
      stackName: 'steward-dev-data',
      template: {
        Resources: {
          Registry: {
            Type: 'AWS::DynamoDB::Table',
            Metadata: { 'steward:table': 'registry' },
            Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [] },
          },
        },
        Outputs: { RegistryName: { Value: { Ref: 'Registry' }, Export: { Name: 'steward-dev-data:RegistryName' } } },
      },
    },
    {
      stackName: 'steward-dev-app',
      template: {
        Conditions: { IsProd: { 'Fn::Equals': ['dev', 'prod'] } },
        Resources: {
          ...(functions as Record<string, never>),
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'steward-dev-bus' } },
          ProdOnlyTopic: { Type: 'AWS::SNS::Topic', Condition: 'IsProd' },
          Alerts: { Type: 'AWS::SNS::Topic' },
          AlertsSub: {
            Type: 'AWS::SNS::Subscription',
            Properties: {
              TopicArn: { Ref: 'Alerts' },
              Protocol: 'lambda',
              Endpoint: { 'Fn::GetAtt': ['Fnalerts', 'Arn'] },
            },
          },
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Metadata: { 'steward:workflow': 'agent-task-execution' },
            Properties: {
              DefinitionString:
                // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL definition substitution, as CDK emits it
                '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${StepRunnerArn}","End":true}}}',
              DefinitionSubstitutions: { StepRunnerArn: { 'Fn::GetAtt': ['Fnsteprunner', 'Arn'] } },
            },
          },
          MachineVersion: {
            Type: 'AWS::StepFunctions::StateMachineVersion',
            Properties: { StateMachineArn: { Ref: 'Machine' } },
          },
          MachineAlias: {
            Type: 'AWS::StepFunctions::StateMachineAlias',
            Properties: {
              Name: 'live',
              RoutingConfiguration: [{ StateMachineVersionArn: { Ref: 'MachineVersion' }, Weight: 100 }],
            },
          },
          RouterRule: {
            Type: 'AWS::Events::Rule',
            Metadata: { 'steward:rule': 'event-router' },
            Properties: {
              EventBusName: { Ref: 'Bus' },
              EventPattern: { 'detail-type': [{ 'anything-but': { prefix: 'workflow.' } }] },
              Targets: [{ Id: 'router', Arn: { 'Fn::GetAtt': ['Fneventrouter', 'Arn'] } }],
            },
          },
          StatusRule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventPattern: { source: ['aws.states'] },
              Targets: [
                {
                  Id: 'status',
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, as CDK emits it
                  Arn: { 'Fn::Sub': 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fnstatushandler}' },
                },
              ],
            },
          },
          ProbeSchedule: {
            Type: 'AWS::Scheduler::Schedule',
            Properties: {
              ScheduleExpression: 'rate(1 minute)',
              Target: { Arn: { 'Fn::GetAtt': ['Fnprober', 'Arn'] }, Input: '{"shard":0}' },
            },
          },
          Registration: {
            Type: 'Custom::StewardRegistration',
            Properties: { ServiceToken: { 'Fn::GetAtt': ['Fnregistrar', 'Arn'] }, Workflows: [{ Ref: 'Machine' }] },
          },
          ProviderFramework: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Environment: { Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': ['Fnregistrar', 'Arn'] } } },
            },
          },
          ServiceRegistration: {
            Type: 'AWS::CloudFormation::CustomResource',
            Properties: { ServiceToken: { 'Fn::GetAtt': ['ProviderFramework', 'Arn'] }, Services: ['a'] },
          },
        },
      },
    },
  ];
}

describe('deriveWiring', () => {
  it('resolves imports, refs, attributes and joins in function environments', () => {
    const wiring = deriveWiring(stacks());

    const exec = wiring.functions.find((f) => f.id === 'api-executions')!;
    expect(exec.environment).toEqual({
      REGISTRY_TABLE_NAME: 'steward-dev-data-Registry',
      EVENT_BUS_NAME: 'steward-dev-bus',
      STEP_RUNNER_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:steward-dev-app-Fnsteprunner',
      DEPLOYMENT: 'steward-us-east-1',
    });
    expect(exec.entry).toBe('lambdas/api-executions/handler.ts');
    expect(wiring.tables).toMatchObject([{ stewardId: 'registry', name: 'steward-dev-data-Registry' }]);
  });

  it('applies definition substitutions and links versions and aliases to their state machine', () => {
    const [machine] = deriveWiring(stacks()).stateMachines;

    expect(machine?.workflow).toBe('agent-task-execution');
    expect(JSON.stringify(machine?.definition)).toContain('function:steward-dev-app-Fnsteprunner');
    expect(machine?.versions).toEqual([`${machine?.arn}:1`]);
    expect(machine?.aliases).toEqual([
      { name: 'live', arn: `${machine?.arn}:live`, routes: [{ versionArn: `${machine?.arn}:1`, weight: 100 }] },
    ]);
  });

  it('derives rules per bus, schedules, subscriptions and custom resources; drops resources whose condition fails', () => {
    const wiring = deriveWiring(stacks());

    expect(wiring.rules.map((r) => [r.name, r.eventBusName])).toEqual([
      ['steward-dev-app-RouterRule', 'steward-dev-bus'],
      ['steward-dev-app-StatusRule', 'default'],
    ]);
    expect(wiring.rules[1]?.targets[0]?.arn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:steward-dev-app-Fnstatushandler',
    );
    expect(wiring.schedules).toMatchObject([{ expression: 'rate(1 minute)', target: { input: '{"shard":0}' } }]);
    expect(wiring.topics.map((t) => t.logicalId)).toEqual(['Alerts']);
    expect(wiring.topics[0]?.subscriptions).toEqual([
      { protocol: 'lambda', endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:steward-dev-app-Fnalerts' },
    ]);
    expect(wiring.customResources).toMatchObject([
      { functionName: 'steward-dev-app-Fnregistrar', properties: { Workflows: [wiring.stateMachines[0]?.arn] } },
      { functionName: 'steward-dev-app-Fnregistrar', properties: { Services: ['a'] } },
    ]);
  });

  it('maps every route of the route table to the function that serves it', () => {
    const wiring = deriveWiring(stacks());

    const processEvent = wiring.api.find((r) => r.operationId === 'processEvent');
    expect(processEvent).toEqual({
      method: 'POST',
      path: '/events',
      operationId: 'processEvent',
      functionName: 'steward-dev-app-Fnapievents',
    });
  });

  it('names the route whose function is missing from the templates', () => {
    const broken = stacks();
    const resources = broken[1]!.template.Resources!;
    delete resources.Fnapievents;

    expect(() => deriveWiring(broken)).toThrow(/function 'api-events' is not in the templates/);
  });
});

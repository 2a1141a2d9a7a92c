import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, type Synthesized, synth } from './support.ts';

/**
 * Every wildcard Steward's policies may hold, with the reason (docs/infrastructure.md lists the same).
 * `actions`: every action of the statement must match; `resource`: each wildcard resource must match.
 */
const ALLOWED: Array<{ actions: RegExp; resource: RegExp; why: string }> = [
  {
    actions: /^xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)$/,
    resource: /^"\*"$/,
    why: 'X-Ray has no resource-level permissions',
  },
  {
    actions: /^states:SendTask(Success|Failure|Heartbeat)$/,
    resource: /^"\*"$/,
    why: 'task-token actions take no resource',
  },
  {
    actions: /^states:(ValidateStateMachineDefinition|ListStateMachines)$/,
    resource: /^"\*"$/,
    why: 'account-level Step Functions actions',
  },
  {
    actions:
      /^logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)$|^logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/,
    resource: /^"\*"$/,
    why: 'vended log delivery for state machines has no resource-level permissions',
  },
  {
    actions: /^servicediscovery:(ListNamespaces|ListServices|DiscoverInstances)$/,
    resource: /^"\*"$/,
    why: 'Cloud Map list/discover actions take no resource',
  },
  {
    actions: /^ecs:(ListServices|ListTasks)$/,
    resource: /^"\*"$/,
    why: 'ECS list actions take no resource; an ecs:cluster condition scopes them',
  },
  {
    actions: /^states:/,
    resource: /:(stateMachine|execution|express):steward-[a-z]+_\*"/,
    why: 'the deployment prefix: API-created state machines and executions are named at run time',
  },
  {
    actions: /^scheduler:(Create|Update|Delete)Schedule$/,
    resource: /:schedule\/default\/steward-[a-z]+_api-trigger-\*"/,
    why: 'schedules of API-created workflows are named at run time, under the deployment prefix',
  },
  {
    actions: /^events:(PutRule|PutTargets|RemoveTargets|DeleteRule)$/,
    resource: /:rule\/steward-[a-z]+\/steward-[a-z]+_api-trigger-\*"/,
    why: "rules of API-created workflows are named at run time, under the deployment prefix on Steward's bus",
  },
  {
    actions: /^ecs:(UpdateService|StopTask|DescribeServices|DescribeTasks)$/,
    resource: /:(service|task)\/steward-[a-z]+\/\*"/,
    why: "Steward's own cluster: task ids are assigned at run time",
  },
  {
    actions: /^servicediscovery:(GetNamespace|ListInstances|GetService)$/,
    resource: /:service\/\*"/,
    why: 'Cloud Map service ids are random',
  },
  {
    actions: /^lambda:InvokeFunction$/,
    resource: /RegistrarFunction[0-9A-F]+","Arn"\]\},":\*"/,
    why: 'the CDK Provider framework invokes any version of the registrar',
  },
  {
    actions: /^(secretsmanager:GetSecretValue|ssm:GetParameters?)$/,
    resource: /:(secret:steward\/\*|parameter\/steward\/\*)"|:secret:[\w/+=.@-]+-\?\?\?\?\?\?"/,
    why: "services' auth secrets: under Steward's prefixes (API-registered services), or a named secret's random suffix",
  },
  {
    actions: /^ecr:GetAuthorizationToken$/,
    resource: /^"\*"$/,
    why: 'pulling an image built from the repository: the ECR token has no resource-level permission',
  },
  {
    actions: /^kms:(Decrypt|GenerateDataKey\*)$/,
    resource: /./,
    why: 'publishing to the KMS-encrypted alert topic (one key)',
  },
];

let s: Synthesized;
beforeAll(() => {
  s = synth({});
}, 120_000);

describe('IAM wildcards', () => {
  it('has no wildcard outside the allow-list', () => {
    const unexpected: string[] = [];
    for (const p of [...resourcesOf(s, 'AWS::IAM::Policy'), ...resourcesOf(s, 'AWS::IAM::Role')]) {
      const docs = (
        p.Properties['PolicyDocument']
          ? [p.Properties['PolicyDocument']]
          : ((p.Properties['Policies'] as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map(
              (x) => x.PolicyDocument,
            )
      ) as Array<{ Statement: Array<{ Action: string | string[]; Resource: unknown }> }>;
      for (const st of docs.flatMap((d) => d.Statement)) {
        const actions = [st.Action].flat();
        const resources = [st.Resource].flat().map((r) => JSON.stringify(r));
        const wild = resources.filter((r) => r.includes('*'));
        const wildAction = actions.some((a) => a.includes('*'));
        if (wild.length === 0 && !wildAction) continue;
        // Minimized policies (the recommended aws-cdk-lib flag) merge statements with the same resources: each
        // action must be allowed on those resources by some rule.
        const ok = actions.every((a) =>
          ALLOWED.some(
            (rule) =>
              rule.actions.test(a) && (wild.length === 0 ? wildAction : wild.every((r) => rule.resource.test(r))),
          ),
        );
        if (!ok) unexpected.push(`${p.stack}/${p.id}: ${actions.join(',')} on ${wild.join(' ')}`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('never grants a service-wide action wildcard such as dynamodb:* or states:* to a Steward role', () => {
    // Resource policies are not identity grants: the SQS/SNS TLS-only statements DENY `sqs:*`, and the KMS key
    // policy keeps the account root as administrator (the default key policy).
    const identity = [...resourcesOf(s, 'AWS::IAM::Policy'), ...resourcesOf(s, 'AWS::IAM::Role')];
    expect(JSON.stringify(identity)).not.toMatch(/"[a-z0-9-]+:\*"/);
  });
});

import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_MIN_COMPRESSION_BYTES } from '../../lib/core/api/compression.ts';
import { ROUTES } from '../../lib/core/api/routes/index.ts';
import { errorBody } from '../../lib/core/api/schemas/responses/common.ts';
import { FUNCTIONS } from '../../lib/core/functions.ts';
import { tierConfig } from '../../lib/core/tiers.ts';
import { resourcesOf, type Synthesized, synth } from './support.ts';

let dev: Synthesized;
let prod: Synthesized;

beforeAll(() => {
  // With the samples, so the managed-service (ECS, VPC) parts are in the templates too.
  dev = synth({ tier: 'dev', context: { samples: 'true' } });
  prod = synth({ tier: 'tier_3', context: { samples: 'true' } });
}, 600_000);

describe('tables', () => {
  it.each([
    ['dev', false, false, 'Delete'],
    ['prod', true, true, 'Retain'],
  ] as const)('%s: PITR %s, deletion protection %s, %s on delete', (tier, pitr, protection, policy) => {
    const s = tier === 'dev' ? dev : prod;
    const tables = resourcesOf(s, 'AWS::DynamoDB::Table');
    expect(tables.map((t) => t.Metadata?.['steward:table']).sort()).toEqual(['history', 'registry']);
    s.templates['Data']!.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: policy,
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: pitr },
        DeletionProtectionEnabled: protection,
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });
});

describe('functions', () => {
  it('creates every function of the catalog once, tagged for local mode, on Node 22 ARM64 with tracing', () => {
    const fns = resourcesOf(dev, 'AWS::Lambda::Function').filter((f) => f.Metadata?.['steward:function']);
    expect(fns.map((f) => f.Metadata?.['steward:function']).sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
    for (const f of fns) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      const env = (f.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_METRICS_NAMESPACE: 'Steward',
        LOG_LEVEL: 'DEBUG',
      });
    }
  });

  it('sets the environment each access implies (registry:write → REGISTRY_TABLE_NAME, sfn:manage → role and prefix)', () => {
    dev.templates['Api']!.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'steward-dev-api-workflows',
      Environment: {
        Variables: Match.objectLike({
          REGISTRY_TABLE_NAME: Match.anyValue(),
          HISTORY_TABLE_NAME: Match.anyValue(),
          STATE_MACHINE_PREFIX: 'steward-dev_',
          STATE_MACHINE_ROLE_ARN: Match.anyValue(),
          STEP_RUNNER_ARN: Match.anyValue(),
          WAITER_ARN: Match.anyValue(),
        }),
      },
    });
  });

  it('never grants Scan', () => {
    const json = JSON.stringify(Object.values(dev.raw));
    expect(json).not.toContain('dynamodb:Scan');
  });

  it('sends failed async invocations of rule/schedule-triggered functions to a DLQ after two retries', () => {
    const configs = resourcesOf(dev, 'AWS::Lambda::EventInvokeConfig');
    const asyncIds = FUNCTIONS.filter((f) =>
      f.triggers.some((t) => ['bus-rule', 'default-bus-rule', 'schedule', 'sns', 'async'].includes(t)),
    );
    expect(configs).toHaveLength(asyncIds.length);
    for (const c of configs) {
      expect(c.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
    }
  });

  it('scales memory by tier and reserves no concurrency unless asked (it fails on accounts with a small quota)', () => {
    const memory = (s: Synthesized): unknown =>
      resourcesOf(s, 'AWS::Lambda::Function').find((f) => f.Metadata?.['steward:function'] === 'prober')?.Properties[
        'MemorySize'
      ];
    expect(memory(dev)).toBe(1024);
    expect(memory(prod)).toBe(1536);
    for (const s of [dev, prod]) {
      const reserved = resourcesOf(s, 'AWS::Lambda::Function').filter(
        (f) => f.Properties['ReservedConcurrentExecutions'] !== undefined,
      );
      expect(reserved.map((f) => f.id)).toEqual([]);
    }
  });
});

describe('api', () => {
  it('uses IAM authorization on every route but /health/*, which has none', () => {
    const methods = resourcesOf(dev, 'AWS::ApiGateway::Method').filter(
      (m) => !['OPTIONS', 'ANY'].includes(m.Properties['HttpMethod'] as string),
    );
    expect(methods).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const m = methods.find((x) => x.Properties['OperationName'] === route.operationId);
      expect(m, route.operationId).toBeDefined();
      expect(m!.Properties['AuthorizationType']).toBe(route.auth === 'iam' ? 'AWS_IAM' : 'NONE');
      expect(m!.Properties['RequestValidatorId']).toBeDefined();
    }
    expect(ROUTES.filter((r) => r.auth === 'none').every((r) => r.path.startsWith('/health/'))).toBe(true);
  });

  it('has a request model for every route with a body schema, attached to its method', () => {
    const models = resourcesOf(dev, 'AWS::ApiGateway::Model');
    const withBody = ROUTES.filter((r) => r.body);
    expect(models).toHaveLength(withBody.length);
    for (const model of models) {
      const schema = model.Properties['Schema'] as Record<string, unknown>;
      expect(schema['$schema']).toBe('http://json-schema.org/draft-04/schema#');
    }
  });

  it('gzips answers from the size local mode compresses at, for callers that accept it', () => {
    for (const s of [dev, prod]) {
      s.templates['Api']!.hasResourceProperties('AWS::ApiGateway::RestApi', {
        MinimumCompressionSize: API_MIN_COMPRESSION_BYTES,
      });
    }
  });

  it('throttles, traces and writes JSON access logs per tier', () => {
    for (const [s, t] of [
      [dev, tierConfig('dev')],
      [prod, tierConfig('prod')],
    ] as const) {
      s.templates['Api']!.hasResourceProperties('AWS::ApiGateway::Stage', {
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId"') },
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            ThrottlingRateLimit: t.apiThrottle.rateLimit,
            ThrottlingBurstLimit: t.apiThrottle.burstLimit,
          }),
        ]),
      });
    }
  });

  it('answers a method a resource does not have with a mock 405 and Allow, as the handlers do', () => {
    const any = resourcesOf(dev, 'AWS::ApiGateway::Method').filter((m) => m.Properties['HttpMethod'] === 'ANY');
    expect(any).toHaveLength(new Set(ROUTES.map((r) => r.path)).size);
    dev.templates['Api']!.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'ANY',
      AuthorizationType: 'NONE',
      Integration: Match.objectLike({
        Type: 'MOCK',
        IntegrationResponses: [
          Match.objectLike({
            StatusCode: '405',
            ResponseParameters: Match.objectLike({ 'method.response.header.Allow': "'GET, PUT, DELETE'" }),
          }),
        ],
      }),
    });
  });

  it("answers API Gateway's own refusals (IAM's 403s, throttling, 5xx) in the error envelope, as valid JSON", () => {
    const responses = resourcesOf(dev, 'AWS::ApiGateway::GatewayResponse');
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX', 'BAD_REQUEST_PARAMETERS', 'BAD_REQUEST_BODY']) {
      const response = responses.find((r) => r.Properties['ResponseType'] === type);
      expect(response, type).toBeDefined();
      const template = (response!.Properties['ResponseTemplates'] as Record<string, string>)['application/json']!;
      // What API Gateway substitutes: messageString arrives quoted, the others bare (the validator's text with its quotes
      // escaped).
      const rendered = template
        .replaceAll('$context.error.messageString', JSON.stringify('User: arn:aws:iam::1:user/x is not authorized'))
        .replaceAll('$context.error.validationErrorString', '[object has missing required properties ([\\"name\\"])]')
        .replaceAll('$context.error.responseType', 'ACCESS_DENIED')
        .replaceAll('$context.requestId', 'r-1');
      expect(errorBody.safeParse(JSON.parse(rendered)).success, type).toBe(true);
    }
  });

  it('answers invalid bodies in Steward error shape', () => {
    dev.templates['Api']!.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('validation_failed') },
    });
  });
});

describe('bus and rules', () => {
  it('routes every event to the router and status changes of this deployment (default bus) to the status handler', () => {
    const rules = resourcesOf(dev, 'AWS::Events::Rule');
    const router = rules.find((r) => r.Metadata?.['steward:rule'] === 'router')!;
    expect(router.Properties['EventBusName']).toBeDefined();
    expect(router.Properties['EventPattern']).toEqual({ source: [{ prefix: '' }] });
    const status = rules.find((r) => r.Metadata?.['steward:rule'] === 'status')!;
    expect(status.Properties['EventBusName']).toBeUndefined();
    expect(status.Properties['EventPattern']).toMatchObject({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ prefix: expect.anything() }] },
    });
  });

  it('gives every rule target a DLQ and a retry policy', () => {
    const rules = resourcesOf(dev, 'AWS::Events::Rule');
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const rule of rules) {
      for (const target of rule.Properties['Targets'] as Record<string, unknown>[]) {
        expect(target).toMatchObject({
          DeadLetterConfig: { Arn: expect.anything() },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        });
      }
    }
  });
});

describe('schedules', () => {
  it.each([
    ['dev', 1],
    ['prod', 4],
  ] as const)('%s: one rate(1 minute) prober schedule per shard with {shard, shards}', (tier, shards) => {
    const s = tier === 'dev' ? dev : prod;
    const probes = resourcesOf(s, 'AWS::Scheduler::Schedule').filter((r) =>
      String(r.Metadata?.['steward:schedule']).startsWith('prober:'),
    );
    expect(probes).toHaveLength(shards);
    probes.forEach((p) => {
      expect(p.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', FlexibleTimeWindow: { Mode: 'OFF' } });
    });
    const inputs = probes.map((p) => JSON.parse((p.Properties['Target'] as { Input: string }).Input));
    expect(inputs.map((i) => i.shard).sort()).toEqual([...Array(shards).keys()]);
    expect(inputs.every((i) => i.shards === shards)).toBe(true);
  });

  it('gives every schedule a DLQ, a retry policy and a role', () => {
    for (const s of resourcesOf(dev, 'AWS::Scheduler::Schedule')) {
      expect(s.Properties['Target']).toMatchObject({
        DeadLetterConfig: { Arn: expect.anything() },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        RoleArn: expect.anything(),
      });
    }
  });
});

describe('monitoring', () => {
  it.each([
    ['dev', tierConfig('dev')],
    ['prod', tierConfig('prod')],
  ] as const)('%s: alarm thresholds and periods come from the tier', (tier, t) => {
    const s = tier === 'dev' ? dev : prod;
    s.templates['Monitoring']!.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: t.alarms.lambdaErrors,
      EvaluationPeriods: t.alarms.evaluationPeriods,
      Period: t.alarms.periodSeconds,
      AlarmActions: [Match.anyValue()],
    });
    s.templates['Monitoring']!.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanUpperThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: `ANOMALY_DETECTION_BAND(m0, ${t.alarms.anomalyBandWidth})` }),
      ]),
    });
  });

  it('alarms on a spent restart budget and on probe failures above their band, from the metrics Steward emits', () => {
    const monitoring = dev.templates['Monitoring']!;

    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Steward',
      MetricName: 'RestartBudgetExhausted',
      Dimensions: [{ Name: 'service', Value: 'restarter' }],
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanUpperThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'Steward', MetricName: 'ProbeFailure' }),
          }),
        }),
      ]),
    });
    const body = JSON.stringify(resourcesOf(dev, 'AWS::CloudWatch::Dashboard')[0]!.Properties['DashboardBody']);
    for (const metric of ['ProbeLatency', 'ProbeFailure', 'Restarts', 'RestartBudgetExhausted'])
      expect(body).toContain(metric);
  });

  it('has one dashboard whose workflow graphs search on the deployment prefix', () => {
    const dashboards = resourcesOf(dev, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    expect(JSON.stringify(dashboards[0]!.Properties['DashboardBody'])).toContain('steward-dev_');
  });

  it('encrypts the alert topic, enforces TLS and subscribes the alerts function with a DLQ', () => {
    dev.templates['Data']!.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    dev.templates['Data']!.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    dev.templates['Monitoring']!.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('makes every DLQ encrypted, TLS-only, 14-day, with a depth alarm', () => {
    const queues = resourcesOf(dev, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(5);
    for (const q of queues)
      expect(q.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    const depthAlarms = resourcesOf(dev, 'AWS::CloudWatch::Alarm').filter(
      (a) => a.Properties['MetricName'] === 'ApproximateNumberOfMessagesVisible',
    );
    expect(depthAlarms.length).toBe(queues.length);
  });
});

describe('managed services', () => {
  const managed = (s: Synthesized) => resourcesOf(s, 'AWS::ECS::Service');

  it('runs each manifest entry with an image on Fargate, circuit breaker with rollback, Cloud Map', () => {
    expect(managed(dev).length).toBe(dev.stacks.services.flatMap((s) => s.managed).length);
    expect(managed(dev).length).toBeGreaterThan(0);
    for (const svc of managed(dev)) {
      expect(svc.Properties).toMatchObject({
        LaunchType: 'FARGATE',
        DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
        ServiceRegistries: [expect.anything()],
      });
    }
  });

  it('sizes tasks per tier, with a container health check from the http check', () => {
    for (const [s, t] of [
      [dev, tierConfig('dev')],
      [prod, tierConfig('prod')],
    ] as const) {
      const defs = resourcesOf(s, 'AWS::ECS::TaskDefinition');
      expect(defs.length).toBeGreaterThan(0);
      for (const d of defs) {
        expect(d.Properties).toMatchObject({ Cpu: String(t.container.cpu), Memory: String(t.container.memoryMiB) });
        const [container] = d.Properties['ContainerDefinitions'] as Record<string, unknown>[];
        expect(JSON.stringify(container!['HealthCheck'])).toContain('/health');
      }
    }
  });

  it('admits the service port only from the probing functions security group; cluster has Container Insights', () => {
    for (const ingress of resourcesOf(dev, 'AWS::EC2::SecurityGroupIngress')) {
      expect(ingress.Properties['SourceSecurityGroupId']).toBeDefined();
      expect(ingress.Properties['CidrIp']).toBeUndefined();
    }
    dev.templates['Services']!.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    dev.templates['Services']!.resourceCountIs('AWS::EC2::FlowLog', 1);
    prod.templates['Services']!.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  it('declares the waits of the deployed workflows before their state machines are created or updated', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const waited = new Set<string>();
    for (const file of readdirSync('statemachines').filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(`statemachines/${file}`, 'utf8');
      for (const m of text.matchAll(/"event_type"\s*:\s*"([^"]+)"/g)) waited.add(m[1]!);
    }
    const all = resourcesOf(dev, 'Custom::StewardWaitDeclarations');
    const declarations = all.filter((r) => r.stack === 'Workflows');
    expect(declarations).toHaveLength(1);
    expect(waited.size).toBeGreaterThan(0);
    expect(declarations[0]!.Properties).toEqual({ ServiceToken: expect.anything(), event_types: [...waited].sort() });
    const template = dev.raw.Workflows!;
    const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThan(0);
    for (const machine of machines)
      expect((machine as { DependsOn?: string[] }).DependsOn).toContain(declarations[0]!.id);
    // Completed in the API stack, once the workflows API function that declares new versions' waits is in place.
    const completing = all.filter((r) => r.stack === 'Api');
    expect(completing).toHaveLength(1);
    expect(completing[0]!.Properties).toMatchObject({ event_types: [], complete: true });
    const workflowsApi = Object.entries(dev.raw.Api!.Resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ApiWorkflows'),
    )?.[0];
    expect(workflowsApi).toBeDefined();
    const completingResource = dev.raw.Api!.Resources[completing[0]!.id] as { DependsOn?: string[] };
    expect(completingResource.DependsOn).toContain(workflowsApi);
  });

  it('registers the services through the registrar custom resource with their Cloud Map base_url', () => {
    const regs = resourcesOf(dev, 'Custom::StewardRegistration').filter((r) => r.stack === 'Services');
    expect(regs).toHaveLength(1);
    const services = regs[0]!.Properties['services'] as Array<Record<string, unknown>>;
    // The manifest's services that run on ECS (an image or a build directory): each registered with its ECS service
    // and its Cloud Map address, whatever loopback base_url the manifest gives local mode.
    const manifest = JSON.parse(readFileSync('services.json', 'utf8')) as {
      services: Array<{ name: string; port?: number; image?: string; build?: string }>;
    };
    const onEcs = manifest.services.filter((s) => s.image ?? s.build);
    expect(onEcs.length).toBeGreaterThan(0);
    const ecsOnes = services.filter((x) => x['ecs']);
    expect(ecsOnes.map((x) => x['name']).sort()).toEqual(onEcs.map((s) => s.name).sort());
    for (const spec of onEcs)
      expect(ecsOnes.find((x) => x['name'] === spec.name)?.['base_url']).toBe(
        `http://${spec.name}.steward.local:${spec.port}`,
      );
  });

  it("registers the manifest's supervision groups with the services", async () => {
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync('services.json', 'utf8')) as { groups?: Array<{ name: string }> };
    const regs = resourcesOf(dev, 'Custom::StewardRegistration').filter((r) => r.stack === 'Services');

    const groups = regs[0]!.Properties['groups'] as Array<Record<string, unknown>>;

    expect(manifest.groups?.length).toBeGreaterThan(0);
    expect(groups.map((g) => g['name'])).toEqual(manifest.groups?.map((g) => g.name));
  });
});

describe('readiness', () => {
  it('lets api-health list state machines (readiness asks Step Functions) and nothing more of Step Functions', () => {
    const health = resourcesOf(dev, 'AWS::IAM::Policy').filter((p) => p.id.startsWith('ApiHealthRole'));
    const actions = health.flatMap((p) =>
      ((p.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[] }> }).Statement ?? []).flatMap(
        (st) => (Array.isArray(st.Action) ? st.Action : [st.Action]),
      ),
    );

    expect(health).toHaveLength(1);
    expect(actions.filter((a) => a.startsWith('states:'))).toEqual(['states:ListStateMachines']);
  });
});

describe('runtime role', () => {
  const passRoles = () => {
    const policies = resourcesOf(dev, 'AWS::IAM::Policy').filter((p) =>
      JSON.stringify(p.Properties).includes('iam:PassRole'),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]!.id).toMatch(/^ApiWorkflows/);
    const statements = (policies[0]!.Properties['PolicyDocument'] as { Statement: Record<string, unknown>[] })
      .Statement;
    return { statements, passes: statements.filter((x) => x['Action'] === 'iam:PassRole') };
  };

  it('lets api-workflows pass only the runtime role to Step Functions and the trigger scheduler role to Scheduler', () => {
    const { passes } = passRoles();

    expect(passes).toHaveLength(2);
    const toStates = passes.find((p) => JSON.stringify(p['Condition']).includes('states.amazonaws.com'))!;
    const toScheduler = passes.find((p) => JSON.stringify(p['Condition']).includes('scheduler.amazonaws.com'))!;
    expect(toStates['Condition']).toEqual({ StringEquals: { 'iam:PassedToService': 'states.amazonaws.com' } });
    expect(JSON.stringify(toStates['Resource'])).toContain('RuntimeRole');
    expect(toScheduler['Condition']).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(JSON.stringify(toScheduler['Resource'])).toContain('ApiTriggersSchedulesRole');
  });

  it('lets api-workflows manage only the schedules and bus rules under its trigger prefix', () => {
    const { statements } = passRoles();
    const of = (service: string) =>
      statements.filter((st) => [st['Action']].flat().some((a) => String(a).startsWith(`${service}:`)));

    const [schedules] = of('scheduler');
    const [rules] = of('events');
    expect(of('scheduler')).toHaveLength(1);
    expect([...(schedules!['Action'] as string[])].sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(JSON.stringify(schedules!['Resource'])).toMatch(/:schedule\/default\/steward-dev_api-trigger-\*"/);
    expect(of('events')).toHaveLength(1);
    expect([...(rules!['Action'] as string[])].sort()).toEqual([
      'events:DeleteRule',
      'events:PutRule',
      'events:PutTargets',
      'events:RemoveTargets',
    ]);
    expect(JSON.stringify(rules!['Resource'])).toMatch(/:rule\/steward-dev\/steward-dev_api-trigger-\*"/);
  });

  it('lets EventBridge invoke the trigger function only for rules under the API trigger prefix', () => {
    const permissions = resourcesOf(dev, 'AWS::Lambda::Permission').filter(
      (p) =>
        p.Properties['Principal'] === 'events.amazonaws.com' && JSON.stringify(p.Properties).includes('api-trigger'),
    );

    expect(permissions).toHaveLength(1);
    expect(JSON.stringify(permissions[0]!.Properties['FunctionName'])).toContain('WorkflowTrigger');
    expect(JSON.stringify(permissions[0]!.Properties['SourceArn'])).toMatch(
      /:rule\/steward-dev\/steward-dev_api-trigger-\*"/,
    );
  });

  it('lets API-created state machines invoke only the step runner and the waiter, and nothing of Step Functions', () => {
    const policies = resourcesOf(dev, 'AWS::IAM::Policy').filter((p) => p.id.startsWith('RuntimeRole'));
    const statements = policies.flatMap(
      (p) =>
        (p.Properties['PolicyDocument'] as { Statement: Array<{ Action: string | string[]; Resource: unknown }> })
          .Statement,
    );
    const actions = statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));

    expect(policies).toHaveLength(1);
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual(['lambda:InvokeFunction']);
    const invoke = statements.find((st) => st.Action === 'lambda:InvokeFunction')!;
    expect(JSON.stringify(invoke.Resource)).toMatch(/StepRunner.*Waiter|Waiter.*StepRunner/);
  });
});

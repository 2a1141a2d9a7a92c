/**
 * What `cdk deploy` would refuse or break, checked on the templates: VPC functions' network-interface permissions,
 * the reconciler's callback grant, Express runs' log subscription, samples kept out of AWS unless asked, and two
 * deployments side by side in one account and region.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageContents, missingCommandFiles } from '../../lib/constructs/image-context.ts';
import { compileDocument, type DeployedWorkflow, loadManifest, loadWorkflows } from '../../lib/stacks/inputs.ts';
import { ROOT, resourcesOf, type Synthesized, synth } from './support.ts';

type Json = Record<string, unknown>;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/** An Express workflow, so the Express logging is in the templates. */
function expressWorkflow(): DeployedWorkflow {
  const problems: { file: string; path: string; message: string }[] = [];
  const wf = compileDocument(
    'test/express.json',
    {
      name: 'Quick Quote',
      execution_type: 'express',
      definition: { steps: [{ name: 'quote', step_type: 'service_call', service: 'pricing', endpoint: '/quote' }] },
    },
    problems,
  );
  expect(problems).toEqual([]);
  return wf!;
}

let plain: Synthesized;
let second: Synthesized;

beforeAll(() => {
  // The default deployment (no samples), and a second one in the same account: samples on, an Express workflow.
  plain = synth({});
  second = synth({
    context: { deployment: 'steward-dev-2', samples: 'true' },
    workflows: [...loadWorkflows(ROOT), expressWorkflow()],
  });
}, 600_000);

/** Every IAM statement of every role (inline policies, role policies), with the role's logical id. */
function statements(s: Synthesized): Array<{ stack: string; role: string; Action: unknown; Resource: unknown }> {
  const out: Array<{ stack: string; role: string; Action: unknown; Resource: unknown }> = [];
  for (const p of resourcesOf(s, 'AWS::IAM::Policy')) {
    const roles = (p.Properties['Roles'] as Array<{ Ref?: string }> | undefined) ?? [];
    for (const st of (p.Properties['PolicyDocument'] as { Statement: Json[] }).Statement) {
      for (const r of roles)
        out.push({ stack: p.stack, role: String(r.Ref), Action: st['Action'], Resource: st['Resource'] });
    }
  }
  for (const r of resourcesOf(s, 'AWS::IAM::Role')) {
    for (const pol of (r.Properties['Policies'] as Array<{ PolicyDocument: { Statement: Json[] } }> | undefined) ??
      []) {
      for (const st of pol.PolicyDocument.Statement)
        out.push({ stack: r.stack, role: r.id, Action: st['Action'], Resource: st['Resource'] });
    }
  }
  return out;
}

const actionsOf = (a: unknown): string[] => [a].flat().map(String);

describe('VPC functions', () => {
  it('give every function with VpcConfig a role allowed to manage its network interfaces', () => {
    const eni = [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ];
    const inVpc = resourcesOf(second, 'AWS::Lambda::Function').filter((f) => f.Properties['VpcConfig']);
    expect(inVpc.map((f) => f.Metadata?.['steward:function']).sort()).toEqual(['prober', 'step-runner']);
    const all = statements(second);
    for (const fn of inVpc) {
      const roleId = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = resourcesOf(second, 'AWS::IAM::Role').find((r) => r.stack === fn.stack && r.id === roleId)!;
      const managed = JSON.stringify(role.Properties['ManagedPolicyArns'] ?? []);
      const inline = all
        .filter((st) => st.stack === fn.stack && st.role === roleId && JSON.stringify(st.Resource) === '"*"')
        .flatMap((st) => actionsOf(st.Action));
      const allowed = (action: string): boolean =>
        managed.includes('service-role/AWSLambdaVPCAccessExecutionRole') || inline.includes(action);
      expect(
        eni.filter((a) => !allowed(a)),
        String(fn.Metadata?.['steward:function']),
      ).toEqual([]);
    }
  });
});

describe('reconciler', () => {
  it('may answer a parent run’s task token (SendTaskSuccess/Failure) when it applies a missed child status', () => {
    const fn = resourcesOf(plain, 'AWS::Lambda::Function').find(
      (f) => f.Metadata?.['steward:function'] === 'reconciler',
    )!;
    const roleId = (fn.Properties['Role'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const granted = statements(plain)
      .filter((st) => st.role === roleId && JSON.stringify(st.Resource) === '"*"')
      .flatMap((st) => actionsOf(st.Action));
    expect(granted).toEqual(expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']));
  });
});

describe('Express workflows', () => {
  it('log at level ALL to one group whose subscription filter feeds the status handler', () => {
    const machine = resourcesOf(second, 'AWS::StepFunctions::StateMachine').find(
      (m) => m.Properties['StateMachineType'] === 'EXPRESS',
    )!;
    const logging = machine.Properties['LoggingConfiguration'] as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: Array<{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }>;
    };
    expect(logging).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    const groupId = logging.Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    const group = resourcesOf(second, 'AWS::Logs::LogGroup').find((g) => g.id === groupId)!;
    expect(group.Properties['LogGroupName']).toBe('/aws/vendedlogs/states/steward-dev-2-express');

    const [filter, ...more] = resourcesOf(second, 'AWS::Logs::SubscriptionFilter');
    expect(more).toEqual([]);
    const status = resourcesOf(second, 'AWS::Lambda::Function').find(
      (f) => f.Metadata?.['steward:function'] === 'status-handler',
    )!;
    expect(filter!.Properties).toMatchObject({
      LogGroupName: { Ref: groupId },
      DestinationArn: { 'Fn::GetAtt': [status.id, 'Arn'] },
    });
    for (const type of [
      'ExecutionStarted',
      'ExecutionSucceeded',
      'ExecutionFailed',
      'ExecutionAborted',
      'ExecutionTimedOut',
    ])
      expect(String(filter!.Properties['FilterPattern'])).toContain(`"${type}"`);
    const permission = resourcesOf(second, 'AWS::Lambda::Permission').find(
      (p) => p.Properties['Principal'] === 'logs.amazonaws.com',
    )!;
    expect(permission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [status.id, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [groupId, 'Arn'] },
    });
  });

  it('tells api-workflows where API-created Express state machines log', () => {
    const fn = resourcesOf(second, 'AWS::Lambda::Function').find(
      (f) => f.Metadata?.['steward:function'] === 'api-workflows',
    )!;
    const env = (fn.Properties['Environment'] as { Variables: Json }).Variables;
    expect(JSON.stringify(env['EXPRESS_LOG_GROUP_ARN'])).toContain('ExpressLogs');
  });
});

describe('samples', () => {
  it('stay out of an AWS deployment unless asked, with the workflows that call them', () => {
    expect(resourcesOf(plain, 'AWS::ECS::Service')).toEqual([]);
    expect(resourcesOf(plain, 'AWS::EC2::VPC')).toEqual([]);
    const registered = resourcesOf(plain, 'Custom::StewardRegistration').flatMap(
      (r) => (r.Properties['services'] as Array<{ name: string }> | undefined) ?? [],
    );
    expect(registered).toEqual([]);
    const workflows = resourcesOf(plain, 'AWS::StepFunctions::StateMachine').map(
      (m) => m.Metadata?.['steward:workflow'],
    );
    const samples = new Set(
      loadManifest(ROOT)
        .services.filter((s) => s.sample)
        .map((s) => s.name),
    );
    for (const wf of loadWorkflows(ROOT)) {
      const calls = JSON.stringify(wf.document);
      const usesSample = [...samples].some(
        (name) => calls.includes(`"service":"${name}"`) || calls.includes(`"target":"${name}"`),
      );
      if (usesSample) expect(workflows, wf.document.name).not.toContain(wf.document.name);
    }
    const warnings = JSON.stringify(plain.app.node.findAll().flatMap((c) => c.node.metadata));
    expect(warnings).toContain('Not deployed to AWS: planning-system: a sample (deployed with -c samples=true)');
    expect(warnings).toContain('Not deployed to AWS: Agent Task Execution: calls');
  });

  it('with -c samples=true run on ECS from images built from the repository, reached by their Cloud Map names', () => {
    const services = resourcesOf(second, 'AWS::ECS::Service');
    expect(services.length).toBe(loadManifest(ROOT).services.filter((s) => s.build).length);
    for (const def of resourcesOf(second, 'AWS::ECS::TaskDefinition')) {
      const [container] = def.Properties['ContainerDefinitions'] as Json[];
      expect(JSON.stringify(container!['Image'])).toContain('container-assets');
    }
    const registered = resourcesOf(second, 'Custom::StewardRegistration').flatMap(
      (r) => (r.Properties['services'] as Array<{ name: string; base_url: string }> | undefined) ?? [],
    );
    expect(registered.length).toBe(loadManifest(ROOT).services.length);
    for (const s of registered) expect(s.base_url, s.name).toMatch(/^http:\/\/[a-z-]+\.steward\.local:\d+$/);
    // Routes served by the commerce process reach it by its name.
    expect(registered.find((s) => s.name === 'inventory')!.base_url).toBe('http://commerce.steward.local:4513');
  });

  it('have every file their container commands run inside their image (from the Dockerfile and build context)', () => {
    const built = loadManifest(ROOT).services.filter((s) => s.build);
    expect(built.length).toBeGreaterThan(0);
    for (const spec of built) {
      const dir = path.join(ROOT, spec.build!);
      expect(existsSync(path.join(dir, 'Dockerfile')), spec.name).toBe(true);
      const contents = imageContents(dir);
      expect(spec.command?.length, spec.name).toBeGreaterThan(0);
      expect(missingCommandFiles(contents, spec.command!), spec.name).toEqual([]);
      // The check sees a missing file: it is not vacuous.
      expect(missingCommandFiles(contents, ['node', 'samples/services/not-there.mjs'])).toEqual([
        'samples/services/not-there.mjs',
      ]);
    }
    expect(readFileSync(path.join(ROOT, 'samples/services/Dockerfile'), 'utf8')).toContain('FROM');
  });
});

// ---- two deployments in one account and region ----

/** A template value as a literal string with pseudo parameters filled in; references to own resources stay opaque. */
function literal(stack: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map((x) => literal(stack, x)).join(',');
  const o = (v ?? {}) as Json;
  if ('Ref' in o) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[String(o.Ref)] ?? `<own:${stack}/${String(o.Ref)}>`;
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => literal(stack, p)).join(sep);
  }
  if ('Fn::Sub' in o) {
    const text = Array.isArray(o['Fn::Sub']) ? String((o['Fn::Sub'] as unknown[])[0]) : String(o['Fn::Sub']);
    return text.replace(/\$\{([^}]+)\}/g, (_m, k: string) => literal(stack, { Ref: k }));
  }
  return `<own:${stack}/${JSON.stringify(o).slice(0, 60)}>`;
}

/** `*` and `?` as IAM and EventBridge wildcards. */
const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** Concrete ARNs and names of a deployment's named resources (what another deployment's grants could reach). */
function namedResources(s: Synthesized): string[] {
  const arn = (service: string, resource: string): string => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  const out: string[] = [];
  const named = (type: string, prop: string): string[] =>
    resourcesOf(s, type)
      .map((r) => r.Properties[prop])
      .filter((n): n is string => typeof n === 'string');
  for (const n of named('AWS::StepFunctions::StateMachine', 'StateMachineName')) {
    const sm = arn('states', `stateMachine:${n}`);
    out.push(sm, `${sm}:live`, `${sm}:1`, arn('states', `execution:${n}:run-1`), arn('states', `express:${n}:run-1:x`));
  }
  // API-created state machines of that deployment get its prefix.
  for (const st of named('AWS::Lambda::Function', 'FunctionName')) out.push(arn('lambda', `function:${st}`));
  const prefix = s.settings.stateMachinePrefix;
  out.push(arn('states', `stateMachine:${prefix}api-flow`), arn('states', `execution:${prefix}api-flow:run-2`));
  for (const n of named('AWS::Events::EventBus', 'Name')) out.push(arn('events', `event-bus/${n}`));
  for (const n of named('AWS::Logs::LogGroup', 'LogGroupName'))
    out.push(arn('logs', `log-group:${n}:*`), arn('logs', `log-group:${n}`));
  for (const n of named('AWS::SNS::Topic', 'TopicName')) out.push(arn('sns', n));
  for (const c of named('AWS::ECS::Cluster', 'ClusterName')) {
    out.push(arn('ecs', `cluster/${c}`), arn('ecs', `task/${c}/0123abcd`));
    for (const svc of named('AWS::ECS::Service', 'ServiceName')) out.push(arn('ecs', `service/${c}/${svc}`));
  }
  return out;
}

/** IAM resource patterns and Lambda permission source ARNs of a deployment, as literal wildcard patterns. */
function grantPatterns(s: Synthesized): Array<{ where: string; pattern: string }> {
  const out: Array<{ where: string; pattern: string }> = [];
  for (const st of statements(s)) {
    for (const r of [st.Resource].flat()) {
      const pattern = literal(st.stack, r);
      if (pattern !== '*' && !pattern.startsWith('<own:')) out.push({ where: `${st.stack}/${st.role}`, pattern });
    }
  }
  for (const p of resourcesOf(s, 'AWS::Lambda::Permission')) {
    if (p.Properties['SourceArn'] !== undefined)
      out.push({ where: `${p.stack}/${p.id}`, pattern: literal(p.stack, p.Properties['SourceArn']) });
  }
  return out;
}

/** Prefix matchers of EventBridge rule patterns on ARNs (`{ "prefix": "arn:…" }`), resolved. */
function rulePrefixes(s: Synthesized): Array<{ where: string; prefix: string }> {
  const out: Array<{ where: string; prefix: string }> = [];
  const walk = (stack: string, id: string, v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(stack, id, x);
    } else if (v && typeof v === 'object') {
      const o = v as Json;
      if ('prefix' in o) {
        const prefix = literal(stack, o.prefix);
        if (prefix.startsWith('arn:')) out.push({ where: `${stack}/${id}`, prefix });
      } else for (const x of Object.values(o)) walk(stack, id, x);
    }
  };
  for (const r of resourcesOf(s, 'AWS::Events::Rule')) walk(r.stack, r.id, r.Properties['EventPattern']);
  return out;
}

describe('two deployments in one account and region (steward-dev, steward-dev-2)', () => {
  it('creates no account-wide API Gateway CloudWatch role setting per deployment', () => {
    for (const s of [plain, second]) {
      expect(resourcesOf(s, 'AWS::ApiGateway::Account')).toEqual([]);
      expect(JSON.stringify(resourcesOf(s, 'AWS::IAM::Role'))).not.toContain('AmazonAPIGatewayPushToCloudWatchLogs');
    }
  });

  it.each([
    ['steward-dev', 'steward-dev-2'],
    ['steward-dev-2', 'steward-dev'],
  ])('no grant or rule of %s reaches a resource of %s', (a, b) => {
    expect(a).not.toBe(b);
    const [mine, theirs] = a === 'steward-dev' ? [plain, second] : [second, plain];
    const targets = namedResources(theirs);
    expect(targets.length).toBeGreaterThan(20);
    const reached: string[] = [];
    for (const { where, pattern } of grantPatterns(mine)) {
      const re = wildcard(pattern);
      for (const t of targets) if (re.test(t)) reached.push(`${where}: ${pattern} → ${t}`);
    }
    for (const { where, prefix } of rulePrefixes(mine)) {
      for (const t of targets) if (t.startsWith(prefix)) reached.push(`${where}: prefix ${prefix} → ${t}`);
    }
    expect(reached).toEqual([]);
    // And each deployment's own grants do reach its own state machines (the check can see a match).
    const own = namedResources(mine).filter((t) => t.includes(':stateMachine:'));
    expect(grantPatterns(mine).some(({ pattern }) => own.some((t) => wildcard(pattern).test(t)))).toBe(true);
  });
});

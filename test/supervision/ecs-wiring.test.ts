import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStewardApp } from '../../lib/app.ts';
import type { EventPattern } from '../../lib/core/events/pattern.ts';
import { parseManifest, type ServiceSpec } from '../../lib/core/supervision/manifest.ts';
import type { StackTemplate } from '../../lib/local/cfn.ts';
import { EcsService } from '../../lib/local/ecs/index.ts';
import { EventBridgeService } from '../../lib/local/eventbridge/index.ts';
import { defineContainerServices } from '../../lib/local/services.ts';
import { deriveWiring, type LocalWiring } from '../../lib/local/wiring.ts';

const SERVICE_SCRIPT = new URL('../local/fixtures/http-service.mjs', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A manifest listed dependents first: r3 → r2 → r1. */
async function reverseManifest(): Promise<ServiceSpec[]> {
  const spec = (name: string, port: number, depends?: string): ServiceSpec => ({
    name,
    port,
    image: 'public.ecr.aws/docker/library/node:22-alpine',
    command: ['node', SERVICE_SCRIPT],
    environment: { PORT: String(port), NAME: name },
    ...(depends ? { depends_on: [depends] } : {}),
  });
  return [spec('r3', await freePort(), 'r2'), spec('r2', await freePort(), 'r1'), spec('r1', await freePort())];
}

/** The deployment's templates for a manifest of `specs` (no workflows), as `cdk synth` writes them. */
function synthesize(specs: ServiceSpec[]): { stacks: StackTemplate[]; steward: ReturnType<typeof createStewardApp> } {
  const steward = createStewardApp({
    tier: 'dev',
    nag: false,
    workflows: [],
    manifest: { services: specs },
    outdir: mkdtempSync(join(tmpdir(), 'steward-start-order-')),
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stacks = steward.app.synth().stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
  return { stacks, steward };
}

let specs: ServiceSpec[];
let synthesized: ReturnType<typeof synthesize>;
let wiring: LocalWiring;
const ecsOutput: string[] = [];
const entries: Array<Record<string, unknown>> = [];
const delivered: Array<{ arn: string; payload: { detail: Record<string, unknown> } }> = [];
let eventBridge: EventBridgeService;
const ecs = new EcsService({
  onOutput: (_service, _stream, line) => {
    const m = /^listening (\S+)/.exec(line);
    if (m) ecsOutput.push(m[1]!);
  },
  onTaskStateChange: (entry) => {
    entries.push(entry);
    eventBridge.putEvents([entry]);
  },
  replaceDelayMs: 100,
  stopGraceMs: 1000,
  handleSignals: false,
});

beforeAll(async () => {
  specs = await reverseManifest();
  synthesized = synthesize(specs);
  wiring = deriveWiring(synthesized.stacks);
}, 180_000);
afterAll(async () => {
  await ecs.close();
  eventBridge?.close();
});

describe('start order of managed services in local mode', () => {
  it('follows depends_on from the template, dependencies first, whatever the listing order', async () => {
    expect(parseManifest({ services: specs }).ok).toBe(true);
    expect(Object.fromEntries(wiring.containerServices.map((s) => [s.serviceName, s.dependsOn]))).toEqual({
      r3: ['r2'],
      r2: ['r1'],
      r1: [],
    });
    eventBridge = new EventBridgeService({
      invokers: {
        lambda: async (arn, payload) => {
          delivered.push({ arn, payload: payload as { detail: Record<string, unknown> } });
          return { ok: true, payload: null } as never;
        },
      },
    });
    for (const rule of wiring.rules.filter((r) => r.eventBusName === 'default' && r.eventPattern)) {
      eventBridge.addRule({
        name: rule.name,
        bus: 'default',
        pattern: rule.eventPattern as EventPattern,
        targets: rule.targets.map((t) => ({ Id: t.id, Arn: t.arn })),
      });
    }

    defineContainerServices(ecs, wiring, {
      rootDir: process.cwd(),
      startContainers: true,
      containerEnv: {},
      log: () => undefined,
    });
    await ecs.start();

    // Each starts only once the one before it accepts connections (its "listening" line comes first). start()
    // resolves once r3 accepts connections, which may be before its line has come through the pipe.
    await until(() => (ecsOutput.length >= 3 ? true : undefined));
    expect(ecsOutput).toEqual(['r1', 'r2', 'r3']);
    for (const name of ['r1', 'r2', 'r3']) expect(ecs.pidOf(name), name).toBeDefined();
  }, 120_000);

  it('refuses a dependency cycle in the manifest, naming the path', () => {
    const result = parseManifest({
      services: [
        { name: 'r1', port: 1, depends_on: ['r3'] },
        { name: 'r2', port: 2, depends_on: ['r1'] },
        { name: 'r3', port: 3, depends_on: ['r2'] },
      ],
    });

    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.some((p) => /cycle/i.test(p.message) && p.path.startsWith('services['))).toBe(true);
  });
});

describe('ECS task stops reach the restarter', () => {
  it('has a rule on the default bus for stopped tasks of the deployment cluster, targeting the restarter', () => {
    const monitoring = Template.fromStack(synthesized.steward.stacks.monitoring);
    const rules = monitoring.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.ecs'] } },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    const [logicalId, rule] = Object.entries(rules)[0]!;
    // biome-ignore lint/suspicious/noExplicitAny: template JSON, checked by the assertions
    const props = rule.Properties as Record<string, any>;
    // No EventBusName: the account's default bus, where ECS publishes.
    expect(props.EventBusName).toBeUndefined();
    expect(props.EventPattern['detail-type']).toEqual(['ECS Task State Change']);
    expect(props.EventPattern.detail.lastStatus).toEqual(['STOPPED']);
    expect(JSON.stringify(props.EventPattern.detail.clusterArn)).toContain(':cluster/steward-dev');
    const restarter = synthesized.steward.stacks.monitoring.functions.find((f) => f.spec.id === 'restarter')!;
    const restarterId = synthesized.steward.stacks.monitoring.resolve(
      (restarter.function.node.defaultChild as CfnElement).logicalId,
    );
    expect(props.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [restarterId, 'Arn'] },
        DeadLetterConfig: expect.anything(),
        RetryPolicy: expect.anything(),
      }),
    ]);
    // EventBridge may invoke the restarter for this rule only (resource policy of the function).
    monitoring.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [restarterId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [logicalId, 'Arn'] },
    });
  });

  it("local ECS publishes a crashed task's stop the way ECS does, and the template's rule routes it", async () => {
    const restarterArn = wiring.functions.find((f) => f.id === 'restarter')!.arn;
    const pid = ecs.pidOf('r1')!;
    const before = delivered.length;
    const published = entries.length;

    process.kill(pid, 'SIGKILL');

    const stop = await until(() =>
      delivered
        .slice(before)
        .find((d) => d.payload.detail.lastStatus === 'STOPPED' && d.payload.detail.group === 'service:r1'),
    );
    expect(stop.arn).toBe(restarterArn);
    expect(stop.payload).toMatchObject({ source: 'aws.ecs', 'detail-type': 'ECS Task State Change' });
    expect(stop.payload.detail).toMatchObject({
      stopCode: 'EssentialContainerExited',
      containers: [expect.objectContaining({ exitCode: 137 })],
    });
    // ECS replaces the task: a new process, reported RUNNING (not routed: the rule wants STOPPED).
    await until(() => (ecs.pidOf('r1') !== undefined && ecs.pidOf('r1') !== pid ? true : undefined));
    // Only what was published after the kill: the launches of r1 to r3 put RUNNING changes in `entries` before it.
    const running = await until(() =>
      entries
        .slice(published)
        .map((e) => ({ type: e.DetailType, detail: JSON.parse(String(e.Detail)) as Record<string, unknown> }))
        .find(
          (e) =>
            e.type === 'ECS Task State Change' && e.detail.group === 'service:r1' && e.detail.lastStatus === 'RUNNING',
        ),
    );
    expect(running.detail.taskArn).toEqual(expect.any(String));
    expect(running.detail.taskArn).not.toBe(stop.payload.detail.taskArn);
    expect(stop.payload.detail.taskArn).toEqual(expect.any(String));
  }, 60_000);

  it('reports a forced new deployment and a StopTask with the stop codes that are not crashes', async () => {
    const ops = ecs.operations();
    const before = delivered.length;
    await ops.UpdateService!({ cluster: 'steward-dev', service: 'r2', forceNewDeployment: true });
    const deployment = await until(() => delivered.slice(before).find((d) => d.payload.detail.group === 'service:r2'));
    expect(deployment.payload.detail).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: expect.stringMatching(/^Scaling activity initiated by \(deployment ecs-svc\//),
    });
    const task = await until(() => {
      const arn = ecs.pidOf('r3')
        ? (ops.ListTasks!({ cluster: 'steward-dev', serviceName: 'r3' }) as { taskArns: string[] }).taskArns[0]
        : undefined;
      return arn;
    });
    const mark = delivered.length;
    await ops.StopTask!({ cluster: 'steward-dev', task, reason: 'Steward: r3 unhealthy' });
    const user = await until(() => delivered.slice(mark).find((d) => d.payload.detail.group === 'service:r3'));
    expect(user.payload.detail).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'Steward: r3 unhealthy' });
  }, 60_000);
});

/** Polls until `check` returns a value (events arrive asynchronously). */
async function until<T>(check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/core/functions.ts';
import type { StackTemplate } from '../../../lib/local/cfn.ts';
import { synthesize } from '../../../lib/local/templates.ts';
import { deriveWiring, type LocalWiring } from '../../../lib/local/wiring.ts';

/** The derived wiring against the real app: everything the templates deploy, local mode runs. */
describe('local wiring of the real app', () => {
  let stacks: StackTemplate[];
  let wiring: LocalWiring;
  const resources = (type: string) =>
    stacks.flatMap((s) => Object.values(s.template.Resources ?? {}).filter((r) => r.Type === type));

  beforeAll(async () => {
    stacks = await synthesize(process.cwd(), 'dev');
    wiring = deriveWiring(stacks);
  }, 180_000);

  it('covers every Steward function, with its entry and a fully resolved environment', () => {
    const tagged = resources('AWS::Lambda::Function').filter((r) => r.Metadata?.['steward:function']);

    expect(wiring.functions.map((f) => f.id).sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
    expect(wiring.functions).toHaveLength(tagged.length);
    for (const fn of wiring.functions) {
      for (const [key, value] of Object.entries(fn.environment)) {
        expect(value, `${fn.id} ${key}`).not.toMatch(/\[object Object\]|\$\{Token|Fn::/);
      }
    }
  });

  it('expires items of every table by the TTL attribute its template enables', () => {
    const declared = resources('AWS::DynamoDB::Table').map(
      (r) => (r.Properties?.TimeToLiveSpecification as { AttributeName?: string } | undefined)?.AttributeName,
    );

    expect(wiring.tables.map((t) => t.ttlAttribute)).toEqual(declared);
    expect(wiring.tables.map((t) => t.ttlAttribute)).toEqual(wiring.tables.map(() => 'expires_at'));
  });

  it('covers every state machine, substitutions applied, tasks pointing at local functions', () => {
    const arns = new Set(wiring.functions.map((f) => f.arn));

    expect(wiring.stateMachines).toHaveLength(resources('AWS::StepFunctions::StateMachine').length);
    for (const machine of wiring.stateMachines) {
      const text = JSON.stringify(machine.definition);
      expect(text, machine.name).not.toMatch(/\$\{[A-Za-z]+Arn\}/);
      const targets = [...text.matchAll(/arn:aws:lambda:[^"]+?:function:[A-Za-z0-9_-]+/g)].map((m) => m[0]);
      expect(targets.length, machine.name).toBeGreaterThan(0);
      for (const target of targets) expect(arns.has(target), `${machine.name} → ${target}`).toBe(true);
    }
  });

  it('covers every rule and schedule, each target a known function, state machine or queue', () => {
    const known = new Set([
      ...wiring.functions.map((f) => f.arn),
      ...wiring.stateMachines.map((m) => m.arn),
      ...wiring.queues.map((q) => q.arn),
    ]);

    expect(wiring.rules).toHaveLength(resources('AWS::Events::Rule').length);
    expect(wiring.schedules).toHaveLength(resources('AWS::Scheduler::Schedule').length);
    for (const rule of wiring.rules)
      for (const t of rule.targets) expect(known.has(t.arn), `${rule.name} → ${t.arn}`).toBe(true);
    for (const s of wiring.schedules) expect(known.has(s.target.arn), `${s.name} → ${s.target.arn}`).toBe(true);
    expect(
      wiring.rules.some((r) => r.eventBusName === 'default' && JSON.stringify(r.eventPattern).includes('aws.states')),
    ).toBe(true);
  });

  it('maps every route to a function and runs every custom resource through the registrar', () => {
    const registrar = wiring.functions.find((f) => f.id === 'registrar')!;

    expect(wiring.api.length).toBeGreaterThan(0);
    expect(wiring.customResources.length).toBeGreaterThan(0);
    for (const cr of wiring.customResources) expect(cr.functionName).toBe(registrar.name);
    expect(wiring.containerServices.map((s) => s.serviceName).sort()).toEqual([
      'agent-orchestrator',
      'commerce',
      'planning-system',
      'project-coordinator',
    ]);
  });

  it('serves the Cloud Map namespace and services, each managed service registering its tasks with its own', () => {
    const [namespace] = wiring.cloudMap.namespaces;
    const discovery = wiring.functions.find((f) => f.id === 'discovery')!;

    expect(wiring.cloudMap.namespaces).toHaveLength(resources('AWS::ServiceDiscovery::PrivateDnsNamespace').length);
    expect(namespace).toMatchObject({ name: 'steward.local', type: 'DNS_PRIVATE', id: expect.stringMatching(/^ns-/) });
    // The discovery handler scans the namespace local mode serves.
    expect(discovery.environment.CLOUDMAP_NAMESPACE_IDS).toBe(namespace!.id);
    expect(wiring.cloudMap.services.map((s) => s.name).sort()).toEqual(
      wiring.containerServices.map((s) => s.serviceName).sort(),
    );
    for (const service of wiring.containerServices) {
      const registered = wiring.cloudMap.services.find((s) => s.id === service.registries[0]?.serviceId);
      expect(registered, service.serviceName).toMatchObject({
        name: service.serviceName,
        namespaceId: namespace!.id,
        id: expect.stringMatching(/^srv-/),
      });
      // A-records only: ECS registers no port, as on AWS.
      expect(service.registries).toEqual([{ serviceId: registered!.id }]);
      expect(service.family).not.toBe('');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_RESOURCES_PER_STACK } from '../../lib/stacks/settings.ts';
import { syntheticServices, syntheticWorkflows } from './fixtures.ts';
import { resourcesOf, synth } from './support.ts';

describe('resource splitting', () => {
  it('splits 120 workflows and 100 services over several stacks, each under the limit, none lost', () => {
    const s = synth({ workflows: syntheticWorkflows(120), manifest: { services: syntheticServices(100) } });
    const counts = Object.fromEntries(Object.entries(s.raw).map(([k, t]) => [k, Object.keys(t.Resources).length]));
    console.log('resources per stack', counts);
    expect(s.stacks.workflows.length).toBeGreaterThan(1);
    expect(s.stacks.services.length).toBeGreaterThan(1);
    for (const [name, n] of Object.entries(counts)) expect(n, name).toBeLessThan(MAX_RESOURCES_PER_STACK);
    expect(resourcesOf(s, 'AWS::StepFunctions::StateMachine')).toHaveLength(120);
    expect(resourcesOf(s, 'AWS::ECS::Service')).toHaveLength(100);
    // Each part registers what it holds: every workflow and service exactly once.
    const regs = resourcesOf(s, 'Custom::StewardRegistration');
    const names = regs.flatMap((r) => (r.Properties['workflows'] as Array<{ name: string }>).map((w) => w.name));
    expect(new Set(names).size).toBe(120);
    expect(names).toHaveLength(120);
    const services = regs.flatMap((r) => (r.Properties['services'] as Array<{ name: string }>).map((x) => x.name));
    expect(services).toHaveLength(100);
  }, 120_000);
});

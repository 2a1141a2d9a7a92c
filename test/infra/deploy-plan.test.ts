import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStewardApp } from '../../lib/app.ts';
import type { Manifest } from '../../lib/core/supervision/manifest.ts';
import { parseManifest } from '../../lib/core/supervision/manifest.ts';
import { ReservedConcurrencyError, TIER_NAMES, tierConfig, withReservedConcurrency } from '../../lib/core/tiers.ts';
import { isLoopbackHost, planDeployment, workflowReferences } from '../../lib/stacks/deploy-plan.ts';
import { compileDocument, type DeployedWorkflow, InputError } from '../../lib/stacks/inputs.ts';
import { stateMachinePrefix } from '../../lib/stacks/settings.ts';
import { ROOT } from './support.ts';

const workflow = (name: string, steps: unknown[], extra: Record<string, unknown> = {}): DeployedWorkflow => {
  const problems: { file: string; path: string; message: string }[] = [];
  const wf = compileDocument(`t/${name}.json`, { name, definition: { steps, ...extra } }, problems);
  expect(problems).toEqual([]);
  return wf!;
};
const call = (name: string, service: string) => ({ name, step_type: 'service_call', service, endpoint: '/x' });

const aws = { local: false, samples: false };

describe('loopback URLs', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['localhost', true],
    ['LOCALHOST.', true],
    ['api.localhost', true],
    ['[::1]', true],
    ['::1', true],
    ['0.0.0.0', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['orders.steward.local', false],
  ])('%s is loopback: %s', (host, want) => {
    expect(isLoopbackHost(host)).toBe(want);
  });

  it('refuses every loopback base_url or check url of an AWS deployment in one error naming the service and the fix', () => {
    const manifest: Manifest = {
      services: [
        { name: 'orders', base_url: 'http://127.0.0.1:8080' },
        { name: 'billing', base_url: 'http://localhost:9000/api' },
        { name: 'search', base_url: 'http://[::1]:7000' },
        {
          name: 'ledger',
          base_url: 'https://ledger.example.com',
          health_checks: [{ name: 'up', type: 'http', url: 'http://0.0.0.0:1/health' }],
        },
        { name: 'fine', base_url: 'https://fine.example.com' },
      ],
    };
    let error: unknown;
    try {
      planDeployment(manifest, [], aws);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    for (const name of ['orders', 'billing', 'search', 'ledger']) expect(message).toContain(`'${name}'`);
    expect(message).not.toContain("'fine'");
    expect(message).toContain('services[0].base_url');
    expect(message).toContain('services[3].health_checks[0].url');
    expect(message).toContain('a reachable URL, an image (or build) to run it on ECS, or mark it "local_only": true');
  });

  it('fails synth for AWS with that message, and local mode keeps the manifest as written', () => {
    const manifest: Manifest = { services: [{ name: 'orders', base_url: 'http://127.0.0.1:8080' }] };
    const app = (context: Record<string, unknown>) =>
      createStewardApp({ rootDir: ROOT, nag: false, manifest, workflows: [], context });
    expect(() => app({})).toThrow(/'orders' has the loopback base_url http:\/\/127\.0\.0\.1:8080/);
    expect(() => app({ 'steward:local': true, 'aws:cdk:bundling-stacks': [] })).not.toThrow();
  }, 300_000);

  it('lets local-only entries keep loopback URLs: they are not deployed, nor the workflows calling them', () => {
    const manifest: Manifest = {
      services: [
        { name: 'dev-stub', base_url: 'http://127.0.0.1:8080', local_only: true },
        { name: 'orders', base_url: 'https://orders.example.com' },
      ],
    };
    const flows = [
      workflow('Uses Stub', [call('a', 'dev-stub')]),
      workflow('Uses Orders', [call('a', 'orders')]),
      workflow('Runs Child', [{ name: 'child', step_type: 'sub_workflow', workflow: 'Uses Stub' }]),
      workflow('Notifies Stub', [call('a', 'orders')], {
        error_handlers: [{ step: 'a', on_error: { action: 'notify', target: 'dev-stub', endpoint: '/n' } }],
      }),
    ];
    const plan = planDeployment(manifest, flows, aws);
    expect(plan.services.map((s) => s.spec.name)).toEqual(['orders']);
    expect(plan.workflows.map((w) => w.document.name)).toEqual(['Uses Orders']);
    expect(plan.skippedServices).toEqual(['dev-stub: local_only']);
    expect(plan.skippedWorkflows).toEqual([
      'Uses Stub: calls dev-stub, not deployed',
      "Runs Child: runs sub-workflow 'Uses Stub', not deployed",
      'Notifies Stub: calls dev-stub, not deployed',
    ]);
    expect(planDeployment(manifest, flows, { local: true, samples: false }).workflows).toHaveLength(4);
  });

  it('runs samples in local mode unless told not to (--no-samples): then they and their callers are left out', () => {
    const manifest: Manifest = {
      services: [
        { name: 'sample-shop', base_url: 'http://127.0.0.1:4513', sample: true },
        { name: 'dev-stub', base_url: 'http://127.0.0.1:8080', local_only: true },
      ],
    };
    const flows = [
      workflow('Buys', [call('a', 'sample-shop')]),
      workflow('Runs Buys', [{ name: 'child', step_type: 'sub_workflow', workflow: 'Buys' }]),
      workflow('Uses Stub', [call('a', 'dev-stub')]),
    ];
    const all = planDeployment(manifest, flows, { local: true, samples: true });
    expect(all.services.map((s) => s.spec.name)).toEqual(['sample-shop', 'dev-stub']);
    expect(all.workflows).toHaveLength(3);
    const bare = planDeployment(manifest, flows, { local: true, samples: false });
    expect(bare.services.map((s) => s.spec)).toEqual([manifest.services[1]]);
    expect(bare.workflows.map((w) => w.document.name)).toEqual(['Uses Stub']);
    expect(bare.skippedServices).toEqual(['sample-shop: a sample (local mode with --no-samples)']);
    expect(bare.skippedWorkflows).toEqual([
      'Buys: calls sample-shop, not deployed',
      "Runs Buys: runs sub-workflow 'Buys', not deployed",
    ]);
  });

  it('synthesizes local mode with the samples by default, and without them when the context says so', () => {
    const manifest: Manifest = { services: [{ name: 'sample-shop', base_url: 'http://127.0.0.1:4513', sample: true }] };
    const registered = (context: Record<string, unknown>) => {
      const { app } = createStewardApp({ rootDir: ROOT, nag: false, manifest, workflows: [], context });
      return JSON.stringify(app.synth().stacks.map((s) => s.template)).includes('sample-shop');
    };
    const local = { 'steward:local': true, 'aws:cdk:bundling-stacks': [] };
    expect(registered(local)).toBe(true);
    expect(registered({ ...local, samples: false })).toBe(false);
  }, 300_000);

  it('maps loopback URLs served by a managed service deployed here to its Cloud Map name', () => {
    const manifest: Manifest = {
      services: [
        {
          name: 'shop',
          port: 4513,
          build: 'samples/services',
          command: ['node', 'x.mjs'],
          base_url: 'http://127.0.0.1:4513',
        },
        { name: 'cart', base_url: 'http://127.0.0.1:4513/cart' },
      ],
    };
    const plan = planDeployment(manifest, [], aws);
    expect(plan.services.map((s) => s.spec.base_url)).toEqual([
      'http://127.0.0.1:4513',
      'http://shop.steward.local:4513/cart',
    ]);
  });

  it('names what a workflow calls: service calls, compensations, notify targets, fallbacks, sub-workflows', () => {
    const refs = workflowReferences({
      definition: {
        steps: [
          { ...call('a', 's1'), compensation: { service: 's2', endpoint: '/undo' } },
          { name: 'c', step_type: 'choice', choices: [{ condition: {}, steps: [call('b', 's3')] }] },
          { name: 'm', step_type: 'sub_workflow', workflow: 'Child' },
        ],
        error_handlers: [
          { step: 'a', on_error: { action: 'notify', target: 's4', endpoint: '/' } },
          { step: 'b', on_error: { action: 'fallback', step: call('f', 's5') } },
        ],
      },
    });
    expect([...refs.services].sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect([...refs.workflows]).toEqual(['Child']);
  });
});

describe('manifest switches', () => {
  it('marks the sample services as samples, built from the repository', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'services.json'), 'utf8')) as Manifest;
    expect(manifest.services.every((s) => s.sample === true)).toBe(true);
    expect(manifest.services.some((s) => s.image)).toBe(false);
  });

  it('refuses image and build together, and a build directory outside the repository', () => {
    const both = parseManifest({ services: [{ name: 'a', image: 'x', build: 'samples/services' }] });
    expect(both.ok ? [] : both.problems.map((p) => p.path)).toEqual(['services[0].build']);
    const outside = parseManifest({ services: [{ name: 'a', build: '../elsewhere' }] });
    expect(outside.ok ? [] : outside.problems.map((p) => p.path)).toEqual(['services[0].build']);
  });
});

describe('state machine prefix', () => {
  it('ends in a character no deployment name has, so no deployment’s prefix matches another’s state machines', () => {
    const a = stateMachinePrefix('steward-dev');
    const b = stateMachinePrefix('steward-dev-2');
    expect(`${b}flow`.startsWith(a)).toBe(false);
    expect(`${a}flow`.startsWith(b)).toBe(false);
    expect(() =>
      createStewardApp({ rootDir: ROOT, nag: false, workflows: [], context: { deployment: 'steward_dev' } }),
    ).toThrow(/lower-case letters, digits or '-'/);
  });
});

describe('reserved concurrency', () => {
  it('reserves nothing in any tier by default', () => {
    for (const t of TIER_NAMES) expect(tierConfig(t).reservedConcurrency).toEqual({});
  });

  it('is set per deployment from `function=count,…`, checking ids and counts', () => {
    const known = ['status-handler', 'prober'];
    expect(
      withReservedConcurrency(tierConfig('prod'), 'status-handler=50, prober=10', known).reservedConcurrency,
    ).toEqual({ 'status-handler': 50, prober: 10 });
    expect(withReservedConcurrency(tierConfig('prod'), undefined, known)).toBe(tierConfig('prod'));
    expect(() => withReservedConcurrency(tierConfig('dev'), 'nope=1', known)).toThrow(ReservedConcurrencyError);
    expect(() => withReservedConcurrency(tierConfig('dev'), 'prober=-1', known)).toThrow(/whole number/);
    expect(() => withReservedConcurrency(tierConfig('dev'), 'prober', known)).toThrow(/whole number/);
  });
});

describe('cdk.json', () => {
  it('holds exactly the feature flags aws-cdk-lib recommends for new projects at the pinned version (what `cdk init` writes)', () => {
    const cdk = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const recommended = JSON.parse(
      readFileSync(path.join(ROOT, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;
    const flags = Object.fromEntries(Object.entries(cdk.context).filter(([k]) => k.startsWith('@aws-cdk')));
    expect(flags).toEqual(recommended);
  });
});

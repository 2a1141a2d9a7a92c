import { describe, expect, it } from 'vitest';
import { effectiveRestartPolicy, SUPERVISION_DEFAULTS } from '../../lib/core/supervision/defaults.ts';
import { parseManifest, parseServiceSpec } from '../../lib/core/supervision/manifest.ts';

const example = {
  groups: [{ name: 'agents', strategy: 'one_for_one', max_restarts: 5, window_seconds: 60, parent: 'root' }],
  services: [
    { name: 'agent-orchestrator', group: 'agents', port: 8081 },
    {
      name: 'planning-system',
      description: 'plans',
      group: 'agents',
      depends_on: ['agent-orchestrator'],
      port: 8080,
      image: 'public.ecr.aws/nginx/nginx:stable',
      command: ['node', 'samples/services/planning-system.mjs'],
      environment: { LOG_LEVEL: 'info' },
      secrets: { API_KEY: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x', DB: 'ssm:/steward/db' },
      base_url: 'http://planning-system.steward.local:8080',
      health_checks: [
        {
          name: 'http',
          type: 'http',
          path: '/health',
          method: 'GET',
          expect_status: [200],
          interval_seconds: 10,
          timeout_ms: 2000,
          body: { json_path: '$.status', equals: 'ok' },
          max_latency_ms: 500,
        },
        { name: 'tcp', type: 'tcp', port: 8080 },
        { name: 'db', type: 'database', engine: 'postgres', host: 'db.internal' },
        { name: 'lambda', type: 'custom', function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:check' },
      ],
      failure_threshold: 2,
      success_threshold: 2,
      phi_accrual: { threshold: 8 },
      restart_policy: {
        backoff: 'exponential',
        base_delay_seconds: 10,
        max_delay_seconds: 300,
        max_restarts: 10,
        window_seconds: 300,
        reset_after_seconds: 600,
        grace_seconds: 30,
        action: 'force_new_deployment',
      },
      maintenance_windows: [{ days: ['sun'], start: '02:00', duration_minutes: 60 }],
      resources: {
        dev: { cpu: 256, memory: 512, desired_count: 1 },
        prod: { cpu: 1024, memory: 2048, desired_count: 3 },
      },
      tags: { team: 'agents' },
    },
  ],
};

describe('parseManifest', () => {
  it('accepts the documented example unchanged (no defaults applied)', () => {
    const result = parseManifest(example);
    expect(result).toEqual({ ok: true, manifest: example });
  });

  it.each([
    [
      'timeout out of range',
      { services: [{ name: 'a', port: 1, health_checks: [{ name: 'h', type: 'http', path: '/', timeout_ms: 0 }] }] },
      'services[0].health_checks[0].timeout_ms',
    ],
    ['unknown group', { services: [{ name: 'a', group: 'nope' }] }, 'services[0].group'],
    ['unknown dependency', { services: [{ name: 'a', depends_on: ['b'] }] }, 'services[0].depends_on[0]'],
    ['duplicate names', { services: [{ name: 'a' }, { name: 'a' }] }, 'services[1].name'],
    [
      'unknown check type',
      { services: [{ name: 'a', health_checks: [{ name: 'x', type: 'icmp' }] }] },
      'services[0].health_checks[0].type',
    ],
    ['typo in a field', { services: [{ name: 'a', failure_treshold: 3 }] }, 'services[0]'],
    [
      'unknown parent',
      { groups: [{ name: 'g', strategy: 'one_for_all', parent: 'x' }], services: [] },
      'groups[0].parent',
    ],
    [
      'bad engine',
      { services: [{ name: 'a', health_checks: [{ name: 'd', type: 'database', engine: 'oracle', host: 'h' }] }] },
      'services[0].health_checks[0].engine',
    ],
  ])('reports %s at its JSON path', (_label, doc, path) => {
    const result = parseManifest(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain(path);
  });

  it('reports dependency cycles and group cycles, and every problem at once', () => {
    const result = parseManifest({
      groups: [
        { name: 'g1', strategy: 'one_for_one', parent: 'g2' },
        { name: 'g2', strategy: 'one_for_one', parent: 'g1' },
      ],
      services: [
        { name: 'a', depends_on: ['b'], failure_threshold: 0 },
        { name: 'b', depends_on: ['c'] },
        { name: 'c', depends_on: ['a'] },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages.some((m) => m.includes('dependency cycle: a → b → c → a'))).toBe(true);
    expect(messages.some((m) => m.includes('group cycle'))).toBe(true);
    expect(messages.some((m) => m.startsWith('services[0].failure_threshold'))).toBe(true);
  });

  it('validates a single service spec (POST /services) without needing its dependencies', () => {
    expect(parseServiceSpec({ name: 'x', depends_on: ['y'] }).ok).toBe(true);
    const bad = parseServiceSpec({ name: 'x', depends_on: ['x'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]?.path).toBe('depends_on[0]');
  });

  it('resolves restart policy defaults field by field', () => {
    expect(effectiveRestartPolicy({ max_restarts: 3 })).toEqual({
      ...SUPERVISION_DEFAULTS.restart_policy,
      max_restarts: 3,
    });
  });
});

/**
 * Mutation test of the access catalogue: with one grant removed from lib/constructs/access.ts (api-events may no
 * longer put events on Steward's bus), the end-to-end path through local mode fails the way it would on AWS
 * (AccessDeniedException in the handler, the API answering that the event was not published), the denial is on the
 * /local/iam with the statement that would allow it, and the deploy preflight reports it too.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../../lib/core/env.ts';
import { FUNCTIONS } from '../../../lib/core/functions.ts';
import { deployedBundleSources } from '../../../lib/local/bundles.ts';
import { preflight } from '../../../lib/local/iam/preflight.ts';
import type { LocalSteward } from '../../../lib/local/runtime.ts';
import { ROOT } from '../../infra/support.ts';
import { KNOWN_GAPS } from '../../support/iam-known-gaps.ts';

vi.mock('../../../lib/constructs/access.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../lib/constructs/access.ts')>();
  return {
    ...actual,
    grantAccess: (...args: Parameters<typeof actual.grantAccess>) => {
      const [fn, access, targets] = args;
      if (access === 'bus:put' && fn.node.path.includes('ApiEvents')) {
        // The mutation: the grant is gone, the configuration it implies stays (the code runs as before).
        return { env: { [ENV.eventBus]: targets.bus!.eventBusName }, acknowledgements: [] };
      }
      return actual.grantAccess(...args);
    },
  };
});

describe('removing one grant from the access catalogue', () => {
  let local: LocalSteward;
  const logs: string[] = [];

  beforeAll(async () => {
    const { startLocal } = await import('../../../lib/local/runtime.ts');
    local = await startLocal({
      ports: { api: 0, aws: 0, dynamodb: 0 },
      samples: false,
      cache: false, // synthesize with the mutated catalogue, and never cache that synthesis
      log: () => undefined,
      onFunctionLog: (name, line) => logs.push(`${name} ${line}`),
      acceptFindings: KNOWN_GAPS.createTime,
    });
  }, 240_000);
  afterAll(async () => local?.stop(), 30_000);

  it('fails POST /events end to end with AccessDenied, shown with the statement that would allow it', async () => {
    const response = await fetch(`${local.urls.api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'agent.task_completed', source: 'mutation-test', data: { task_id: 't1' } }),
    });
    const body = (await response.json()) as { error?: { code?: string } };

    expect(response.status).toBe(503);
    expect(body.error?.code).toBe('publish_failed');
    const bus = local.wiring.eventBuses[0]!;
    const denial = local.iam.denials().find((d) => d.action === 'events:PutEvents');
    expect(denial).toMatchObject({
      functions: [expect.stringMatching(/api-events$/)],
      resource: `arn:aws:events:us-east-1:000000000000:event-bus/${bus}`,
      allowingStatement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: `arn:aws:events:us-east-1:000000000000:event-bus/${bus}`,
      },
    });
    expect(denial?.message).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/.+ is not authorized to perform: events:PutEvents/,
    );
    expect(logs.some((l) => /api-events/.test(l) && l.includes('is not authorized to perform: events:PutEvents'))).toBe(
      true,
    );
    const page = (await (await fetch(`${local.urls.api}/local/iam`)).json()) as { denials: Array<{ action: string }> };
    expect(page.denials.map((d) => d.action)).toContain('events:PutEvents');
  });

  it('is caught by the deploy preflight as well', async () => {
    const { loadTemplates } = await import('../../../lib/local/templates.ts');
    const { stacks } = await loadTemplates(ROOT, 'dev', { cache: false });
    const bundles = await deployedBundleSources(
      ROOT,
      FUNCTIONS.map((f) => f.id),
    );

    const report = await preflight(stacks, bundles);

    const denied = [...new Set(report.denied.map((d) => `${d.functionId}:${d.action}`))].sort();
    expect(denied).toEqual(['api-events:events:PutEvents', ...KNOWN_GAPS.preflight].sort());
  }, 240_000);
});

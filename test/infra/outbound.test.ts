import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../lib/core/supervision/manifest.ts';
import { resourcesOf, synth } from './support.ts';

const CHECK = 'arn:aws:lambda:us-east-1:123456789012:function:deep-check';

describe('outbound policy configuration', () => {
  const manifest = {
    outbound: { allow: ['*.svc.internal', '10.0.0.0/8'] },
    services: [
      {
        name: 'orders',
        base_url: 'http://orders.svc.internal:8080',
        health_checks: [{ name: 'deep', type: 'custom' as const, function_arn: CHECK }],
      },
    ],
  };
  const s = synth({ manifest });
  const envOf = (id: string): Record<string, unknown> => {
    const fn = resourcesOf(s, 'AWS::Lambda::Function').find((f) => f.Metadata?.['steward:function'] === id);
    expect(fn, id).toBeDefined();
    return (fn!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  };

  it("puts the manifest's allow-list on the functions that call and probe, and the API host on those that may", () => {
    for (const id of ['step-runner', 'prober', 'api-services']) {
      expect(envOf(id).STEWARD_OUTBOUND_ALLOW, id).toBe('*.svc.internal,10.0.0.0/8');
    }
    expect(JSON.stringify(envOf('prober').STEWARD_OWN_ENDPOINTS)).toContain('execute-api');
    expect(envOf('api-services').STEWARD_OUTBOUND_LOOPBACK).toBeUndefined();
  });

  it('tells the registry API which custom-check functions the prober may invoke', () => {
    expect(envOf('api-services').CUSTOM_CHECK_FUNCTION_ARNS).toBe(CHECK);
    expect(envOf('prober').CUSTOM_CHECK_FUNCTION_ARNS).toBe(CHECK);
  });

  it('refuses an allow-list entry that is neither a host nor a CIDR block, naming it', () => {
    const parsed = parseManifest({ services: [], outbound: { allow: ['10.0.0.0/99'] } });
    expect(parsed).toMatchObject({ ok: false, problems: [{ path: 'outbound.allow[0]' }] });
  });
});

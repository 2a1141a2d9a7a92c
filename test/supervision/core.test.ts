import { describe, expect, it } from 'vitest';
import { type Alert, acknowledge, onSignal, onTick } from '../../lib/core/supervision/alerts.ts';
import { effectiveRestartPolicy } from '../../lib/core/supervision/defaults.ts';
import { mergeServiceSpec } from '../../lib/core/supervision/discovery.ts';
import { applyResult, initialCheckState } from '../../lib/core/supervision/health.ts';
import { canTransition, lifecycleAfterHealth } from '../../lib/core/supervision/lifecycle.ts';
import { activeMaintenance } from '../../lib/core/supervision/maintenance.ts';
import { groupStatus, rollupTree, serviceStatus } from '../../lib/core/supervision/rollup.ts';

describe('check thresholds', () => {
  it('turns unhealthy after N failures and healthy after M successes', () => {
    const th = { failure: 2, success: 2 };
    let s = initialCheckState(0);
    const seq: Array<[boolean, string]> = [
      [true, 'unknown'],
      [true, 'healthy'],
      [false, 'healthy'],
      [false, 'unhealthy'],
      [true, 'unhealthy'],
      [false, 'unhealthy'],
      [true, 'unhealthy'],
      [true, 'healthy'],
    ];
    seq.forEach(([ok, expected], i) => {
      s = applyResult(s, ok, th, i).state;
      expect(s.status, `step ${i}`).toBe(expected);
    });
  });

  it('does not count failures during a grace period, and phi suspicion forces unhealthy', () => {
    const th = { failure: 1, success: 1 };
    const healthy = applyResult(initialCheckState(0), true, th, 0).state;
    expect(applyResult(healthy, false, th, 1, { inGrace: true }).state.status).toBe('healthy');
    expect(applyResult(healthy, true, { failure: 5, success: 1 }, 1, { suspected: true }).state.status).toBe(
      'unhealthy',
    );
  });
});

describe('rollup', () => {
  it.each([
    [['healthy', 'healthy'], 'healthy'],
    [['healthy', 'unhealthy'], 'unhealthy'],
    [['healthy', 'unknown'], 'unknown'],
    [[], 'unknown'],
  ] as const)('service of %j is %s', (checks, expected) => {
    expect(serviceStatus(checks)).toBe(expected);
  });

  it.each([
    [['healthy', 'healthy'], 'healthy'],
    [['healthy', 'unhealthy'], 'degraded'],
    [['unhealthy', 'unhealthy'], 'unhealthy'],
    [['unknown'], 'unknown'],
    [['healthy', 'unknown'], 'degraded'],
  ] as const)('group of %j is %s', (members, expected) => {
    expect(groupStatus(members)).toBe(expected);
  });

  it('rolls services through groups up to the system', () => {
    const out = rollupTree({
      groups: [{ name: 'agents' }, { name: 'workers', parent: 'agents' }],
      services: [
        { name: 'a', group: 'agents', status: 'healthy' },
        { name: 'w1', group: 'workers', status: 'unhealthy' },
        { name: 'w2', group: 'workers', status: 'unhealthy' },
        { name: 'db', status: 'healthy' },
      ],
    });
    expect(out).toEqual({ workers: 'unhealthy', agents: 'degraded', root: 'degraded' });
  });
});

describe('maintenance windows', () => {
  const sunday2am = Date.parse('2026-11-22T02:30:00Z'); // a Sunday
  it.each([
    ['one-off inside', [{ starts_at: '2026-11-22T02:00:00Z', ends_at: '2026-11-22T03:00:00Z' }], sunday2am, true],
    ['one-off after', [{ starts_at: '2026-11-22T01:00:00Z', ends_at: '2026-11-22T02:00:00Z' }], sunday2am, false],
    ['weekly inside', [{ days: ['sun'], start: '02:00', duration_minutes: 60 }], sunday2am, true],
    ['weekly other day', [{ days: ['mon'], start: '02:00', duration_minutes: 60 }], sunday2am, false],
    ['weekly across midnight', [{ days: ['sat'], start: '23:00', duration_minutes: 240 }], sunday2am, true],
  ] as const)('%s', (_label, windows, now, active) => {
    expect(activeMaintenance(windows as never, now) !== undefined).toBe(active);
  });
});

describe('lifecycle', () => {
  it.each([
    ['discovered', 'registered', true],
    ['registered', 'active', true],
    ['active', 'maintenance', true],
    ['maintenance', 'active', true],
    ['active', 'retired', true],
    ['retired', 'active', false],
    ['retired', 'registered', true],
    ['active', 'discovered', false],
  ] as const)('%s → %s is %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
  });
  it('a registered service that answers becomes active', () => {
    expect(lifecycleAfterHealth('registered', true)).toBe('active');
    expect(lifecycleAfterHealth('maintenance', true)).toBe('maintenance');
  });
});

describe('discovery merge', () => {
  it('never overwrites a field a user set; fills the others', () => {
    const existing = { spec: { name: 's', port: 9000, description: 'mine' }, user_fields: ['port', 'description'] };
    const r = mergeServiceSpec(existing, { name: 's', port: 8080, base_url: 'http://s.ns:8080' }, 'discovery');
    expect(r.spec).toEqual({ name: 's', port: 9000, description: 'mine', base_url: 'http://s.ns:8080' });
    expect(r.kept).toEqual(['port']);
    expect(r.user_fields).toEqual(['description', 'port']);
  });
  it('a user update overwrites discovery and marks the field as user-set', () => {
    const existing = { spec: { name: 's', base_url: 'http://a' }, user_fields: [] };
    const r = mergeServiceSpec(existing, { name: 's', base_url: 'http://b' }, 'api');
    expect(r.spec.base_url).toBe('http://b');
    expect(r.user_fields).toEqual(['base_url']);
  });
  it('reports no change when discovery finds the same thing', () => {
    const existing = { spec: { name: 's', port: 1 }, user_fields: [] };
    expect(mergeServiceSpec(existing, { name: 's', port: 1 }, 'discovery').changed).toBe(false);
  });
});

describe('alert state machine', () => {
  const policy = { escalate_after_seconds: 900, remind_every_seconds: 3600 };
  const signal = { key: 'k', firing: true, severity: 'critical' as const, summary: 'down', source: 'steward' };

  it('opens once, deduplicates, escalates once, reminds, and sends a recovery', () => {
    const opened = onSignal(undefined, signal, 0);
    expect(opened.notify).toBe('opened');
    const dup = onSignal(opened.alert, signal, 10_000);
    expect(dup.notify).toBeUndefined();
    expect(dup.alert?.count).toBe(2);
    expect(onTick(dup.alert!, policy, 899_000).notify).toBeUndefined();
    const esc = onTick(dup.alert!, policy, 900_000);
    expect(esc.notify).toBe('escalated');
    expect(onTick(esc.alert!, policy, 901_000).notify).toBeUndefined();
    const remind = onTick(esc.alert!, policy, 900_000 + 3_600_000);
    expect(remind.notify).toBe('reminder');
    const recovered = onSignal(remind.alert, { ...signal, firing: false }, 5_000_000);
    expect(recovered.notify).toBe('recovered');
    expect(recovered.alert?.state).toBe('resolved');
  });

  it('is muted in maintenance: recorded, never notified, no recovery message', () => {
    const opened = onSignal(undefined, { ...signal, muted: true }, 0);
    expect(opened.notify).toBeUndefined();
    expect(opened.alert?.muted).toBe(true);
    expect(onTick(opened.alert!, policy, 10_000_000).notify).toBeUndefined();
    expect(onSignal(opened.alert, { ...signal, firing: false }, 1).notify).toBeUndefined();
  });

  it('acknowledgement stops escalation; only open alerts can be acknowledged', () => {
    const a = onSignal(undefined, signal, 0).alert as Alert;
    const acked = acknowledge(a, 'ops', 1)!;
    expect(acked.state).toBe('acknowledged');
    expect(onTick(acked, policy, 10_000_000).notify).toBeUndefined();
    expect(acknowledge(acked, 'ops', 2)).toBeUndefined();
  });

  it('a worse severity upgrades the open alert and notifies', () => {
    const a = onSignal(undefined, { ...signal, severity: 'warning' }, 0).alert;
    const up = onSignal(a, signal, 1);
    expect(up.alert?.severity).toBe('critical');
    expect(up.notify).toBe('opened');
  });
});

describe('restart policy defaults', () => {
  it('match the documented CrashLoopBackOff-like values', () => {
    expect(effectiveRestartPolicy(undefined)).toMatchObject({
      base_delay_seconds: 10,
      max_delay_seconds: 300,
      max_restarts: 10,
      window_seconds: 300,
      reset_after_seconds: 600,
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkDestination,
  checkUrl,
  classifyAddress,
  OutboundConfigError,
  outboundPolicy,
  parseAllowEntry,
  parseIp,
  splitList,
} from '../../../lib/core/outbound.ts';

const aws = outboundPolicy({ own: ['https://abc123.execute-api.us-east-1.amazonaws.com/v1'] });
const local = outboundPolicy({ allowLoopback: true, own: ['http://127.0.0.1:4500', 'http://127.0.0.1:4501'] });
const rule = (r: ReturnType<typeof checkDestination>) => r?.rule;

describe('parseIp', () => {
  it.each([
    ['10.1.2.3', 4, [10, 1, 2, 3]],
    ['::ffff:169.254.169.254', 4, [169, 254, 169, 254]],
    ['::ffff:a9fe:a9fe', 4, [169, 254, 169, 254]],
    ['[::1]', 6, [...Array(15).fill(0), 1]],
    ['fd00:ec2::254', 6, [0xfd, 0, 0x0e, 0xc2, ...Array(10).fill(0), 0x02, 0x54]],
  ])('%s', (text, version, bytes) => {
    expect(parseIp(text)).toEqual({ version, bytes });
  });

  it.each(['256.1.1.1', '1.2.3', 'example.com', '1::2::3', '12345::', '1.2.3.4.5', ''])('refuses %s', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('round-trips every IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(parseIp(ip)?.bytes.join('.')).toBe(ip);
      }),
    );
  });
});

describe('classifyAddress', () => {
  it.each([
    ['169.254.169.254', 'instance-metadata'],
    ['169.254.170.2', 'instance-metadata'],
    ['fd00:ec2::254', 'instance-metadata'],
    ['::ffff:169.254.169.254', 'instance-metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.1', 'other'],
    ['fec0::1', 'other'],
    ['8.8.8.8', 'other'],
    // IPv6 forms that deliver to an IPv4 address are what that address is.
    ['::169.254.169.254', 'instance-metadata'],
    ['::ffff:0:169.254.169.254', 'instance-metadata'],
    ['64:ff9b::a9fe:a9fe', 'instance-metadata'],
    ['2002:a9fe:a9fe::', 'instance-metadata'],
    ['2002:a9fe:1::1', 'link-local'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['::0.0.0.0', 'unspecified'],
    ['2002:808:808::1', 'other'],
    ['64:ff9b::8.8.8.8', 'other'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe('checkDestination', () => {
  it('always refuses instance metadata, link-local and unspecified, even with loopback allowed', () => {
    for (const policy of [aws, local]) {
      expect(rule(checkUrl(policy, 'http://169.254.169.254/latest/meta-data/'))).toBe('instance-metadata');
      expect(rule(checkUrl(policy, 'http://[fd00:ec2::254]/'))).toBe('instance-metadata');
      expect(rule(checkUrl(policy, 'http://instance-data/latest'))).toBe('instance-metadata');
      expect(rule(checkUrl(policy, 'http://169.254.10.10:8080/'))).toBe('link-local');
      expect(rule(checkUrl(policy, 'http://[fe80::1]/'))).toBe('link-local');
      expect(rule(checkUrl(policy, 'http://0.0.0.0:8080/'))).toBe('unspecified');
    }
  });

  it('refuses loopback outside local mode, by literal, by name and by resolved address', () => {
    expect(rule(checkUrl(aws, 'http://127.0.0.1:8080'))).toBe('loopback');
    expect(rule(checkUrl(aws, 'http://localhost:8080'))).toBe('loopback');
    expect(rule(checkUrl(aws, 'http://[::1]:8080'))).toBe('loopback');
    expect(rule(checkDestination(aws, { host: 'evil.example', port: 80, address: '127.0.0.1' }))).toBe('loopback');
    expect(checkUrl(local, 'http://127.0.0.1:8080')).toBeUndefined();
  });

  it('judges the resolved address: a name that resolves to metadata is refused at call time', () => {
    expect(checkUrl(aws, 'http://rebind.example.com/')).toBeUndefined();
    const r = checkDestination(aws, { host: 'rebind.example.com', port: 80, address: '169.254.169.254' });
    expect(r).toEqual({
      rule: 'instance-metadata',
      message: 'rebind.example.com (169.254.169.254) is an instance-metadata address',
    });
  });

  it("always refuses Steward's own endpoints: the API host, and in local mode every loopback form of its ports", () => {
    expect(rule(checkUrl(aws, 'https://abc123.execute-api.us-east-1.amazonaws.com/v1/services'))).toBe(
      'steward-endpoint',
    );
    expect(checkUrl(aws, 'https://other.execute-api.us-east-1.amazonaws.com/')).toBeUndefined();
    expect(rule(checkUrl(local, 'http://localhost:4500/executions'))).toBe('steward-endpoint');
    expect(rule(checkUrl(local, 'http://127.0.0.2:4501/'))).toBe('steward-endpoint');
    expect(rule(checkDestination(local, { host: 'x.test', port: 4500, address: '::1' }))).toBe('steward-endpoint');
    expect(checkUrl(local, 'http://127.0.0.1:4600/')).toBeUndefined();
  });

  it('with an allow-list, lets through only listed hosts, sub-domains and CIDR blocks', () => {
    const policy = outboundPolicy({ allow: ['api.partner.com', '*.internal.example', '10.0.0.0/8', 'fd00::/8'] });
    expect(checkUrl(policy, 'https://api.partner.com/x')).toBeUndefined();
    expect(checkUrl(policy, 'http://orders.internal.example:8080')).toBeUndefined();
    const hostsOnly = outboundPolicy({ allow: ['api.partner.com', '*.internal.example'] });
    expect(rule(checkUrl(hostsOnly, 'http://internal.example'))).toBe('allow-list');
    expect(rule(checkUrl(hostsOnly, 'http://api.partner.com.evil.test'))).toBe('allow-list');
    expect(checkUrl(policy, 'http://10.2.3.4')).toBeUndefined();
    expect(checkUrl(policy, 'http://[fd12::1]')).toBeUndefined();
    expect(rule(checkUrl(policy, 'http://11.0.0.1'))).toBe('allow-list');
    // A name not listed may resolve into a listed block: undecided at registration, decided after resolution.
    expect(checkUrl(policy, 'http://orders.svc')).toBeUndefined();
    expect(checkDestination(policy, { host: 'orders.svc', port: 80, address: '10.9.9.9' })).toBeUndefined();
    expect(rule(checkDestination(policy, { host: 'orders.svc', port: 80, address: '192.0.2.1' }))).toBe('allow-list');
    // Listing a block never opens the always-refused ones.
    const wide = outboundPolicy({ allow: ['0.0.0.0/0'] });
    expect(rule(checkUrl(wide, 'http://169.254.169.254'))).toBe('instance-metadata');
  });

  it('judges a TCP or database host as the address it reaches, whatever form of IPv4 it is written in', () => {
    const forms: Array<[string, string]> = [
      ['127.1', 'steward-endpoint'],
      ['0', 'unspecified'],
      ['0x7f.1', 'steward-endpoint'],
      ['017700000001', 'steward-endpoint'],
      ['2130706433', 'steward-endpoint'],
      ['2852039166', 'instance-metadata'],
      ['0xa9fea9fe', 'instance-metadata'],
      ['0251.0376.0251.0376', 'instance-metadata'],
      ['169.254.1', 'link-local'],
      ['[::169.254.169.254]', 'instance-metadata'],
    ];
    for (const [host, expected] of forms) expect(rule(checkDestination(local, { host, port: 4500 }))).toBe(expected);
    expect(rule(checkDestination(aws, { host: '2130706433', port: 5432 }))).toBe('loopback');
    expect(checkDestination(local, { host: 'db.internal', port: 5432 })).toBeUndefined();
  });

  it('refuses every address of 169.254.0.0/16 whatever the policy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (a, b, lo) => {
        const policy = outboundPolicy({ allowLoopback: lo, allow: ['0.0.0.0/0'] });
        const r = checkDestination(policy, { host: 'x.example', port: 80, address: `169.254.${a}.${b}` });
        expect(['link-local', 'instance-metadata']).toContain(r?.rule);
      }),
    );
  });
});

describe('configuration', () => {
  it.each(['10.0.0.0/33', 'bad host!', '1.2.3.4/x', '*.'])('refuses the allow-list entry %s', (entry) => {
    expect(() => parseAllowEntry(entry)).toThrow(OutboundConfigError);
  });

  it('splits lists on commas and spaces', () => {
    expect(splitList(' a.com, 10.0.0.0/8  b.com,,')).toEqual(['a.com', '10.0.0.0/8', 'b.com']);
    expect(splitList(undefined)).toEqual([]);
  });
});

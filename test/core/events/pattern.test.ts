import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesPattern, validatePattern } from '../../../lib/core/events/pattern.ts';

// Cases from the EventBridge user guide ("Content filtering in Amazon EventBridge event patterns" and
// "Comparison operators for use in event patterns"), each with events that must and must not match.
const cases: Array<{ name: string; pattern: Record<string, unknown>; match: object[]; miss: object[] }> = [
  {
    name: 'exact values, OR within an array',
    pattern: { source: ['aws.ec2'], detail: { state: ['running', 'stopped'] } },
    match: [
      { source: 'aws.ec2', detail: { state: 'running' } },
      { source: 'aws.ec2', detail: { state: 'stopped' } },
    ],
    miss: [
      { source: 'aws.ec2', detail: { state: 'pending' } },
      { source: 'aws.s3', detail: { state: 'running' } },
      { source: 'aws.ec2' },
    ],
  },
  {
    name: 'prefix',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    match: [{ time: '2017-10-02T18:43:48Z' }],
    miss: [{ time: '2017-10-03T00:00:00Z' }, { time: 20171002 }, {}],
  },
  {
    name: 'prefix, ignoring case',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    match: [
      { detail: { service: 'EventBridge' } },
      { detail: { service: 'EVENTBRIDGE' } },
      { detail: { service: 'eventbus' } },
    ],
    miss: [{ detail: { service: 'Lambda' } }],
  },
  {
    name: 'suffix',
    pattern: { FileName: [{ suffix: '.png' }] },
    match: [{ FileName: 'image.png' }],
    miss: [{ FileName: 'image.PNG' }, { FileName: 'image.jpg' }],
  },
  {
    name: 'suffix, ignoring case',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    match: [{ detail: { FileName: 'a.PNG' } }, { detail: { FileName: 'a.png' } }],
    miss: [{ detail: { FileName: 'a.gif' } }],
  },
  {
    name: 'anything-but a string',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    match: [{ detail: { state: 'running' } }],
    miss: [{ detail: { state: 'initializing' } }, { detail: {} }],
  },
  {
    name: 'anything-but a number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    match: [{ detail: { 'x-limit': 456 } }],
    miss: [{ detail: { 'x-limit': 123 } }],
  },
  {
    name: 'anything-but a list',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    match: [{ detail: { state: 'running' } }],
    miss: [{ detail: { state: 'stopped' } }, { detail: { state: 'overloaded' } }],
  },
  {
    name: 'anything-but prefix',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    match: [{ detail: { state: 'running' } }],
    miss: [{ detail: { state: 'initializing' } }],
  },
  {
    name: 'anything-but suffix',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    match: [{ detail: { FileName: 'a.png' } }],
    miss: [{ detail: { FileName: 'notes.txt' } }],
  },
  {
    name: 'anything-but ignoring case',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] } },
    match: [{ detail: { state: 'running' } }],
    miss: [{ detail: { state: 'INITIALIZING' } }, { detail: { state: 'Stopped' } }],
  },
  {
    name: 'anything-but wildcard',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    match: [{ detail: { FilePath: '/usr/bin/x' } }],
    miss: [{ detail: { FilePath: '/usr/lib/x' } }],
  },
  {
    name: 'numeric range',
    pattern: {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    match: [{ detail: { 'c-count': 5, 'd-count': 9.9, 'x-limit': 301.8 } }],
    miss: [
      { detail: { 'c-count': 0, 'd-count': 1, 'x-limit': 301.8 } },
      { detail: { 'c-count': '3', 'd-count': 1, 'x-limit': 301.8 } },
    ],
  },
  {
    name: 'IPv4 cidr',
    pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } },
    match: [{ detail: { 'source-ip': '10.0.0.255' } }],
    miss: [{ detail: { 'source-ip': '10.0.1.1' } }, { detail: { 'source-ip': 'not-an-ip' } }],
  },
  {
    name: 'IPv6 cidr',
    pattern: { 'source-ip': [{ cidr: 'bcde:6789:abcd::/24' }] },
    match: [{ 'source-ip': 'bcde:6700::1' }],
    miss: [{ 'source-ip': 'bcdf::1' }],
  },
  {
    name: 'exists true / false',
    pattern: { detail: { state: [{ exists: true }], c: [{ exists: false }] } },
    match: [{ detail: { state: 'x' } }, { detail: { state: { nested: 1 } } }],
    miss: [{ detail: {} }, { detail: { state: 'x', c: 1 } }],
  },
  {
    name: 'exists false on a missing parent',
    pattern: { detail: { state: [{ exists: false }] } },
    match: [{}, { detail: {} }],
    miss: [{ detail: { state: null } }],
  },
  {
    name: 'equals-ignore-case',
    pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    match: [{ 'detail-type': 'EC2 Instance State-change Notification' }],
    miss: [{ 'detail-type': 'EC2 Instance' }],
  },
  {
    name: 'wildcard',
    pattern: {
      EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }],
      FilePath: [{ wildcard: 'dir/\\*.png' }],
    },
    match: [{ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default', FilePath: 'dir/*.png' }],
    miss: [
      { EventBusArn: 'arn:aws:events:us-west-2:1:event-bus/x', FilePath: 'dir/*.png' },
      { EventBusArn: 'arn:aws:events:us-east-1:1:event-bus/x', FilePath: 'dir/a.png' },
    ],
  },
  {
    name: '$or',
    pattern: {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    },
    match: [{ detail: { 'c-count': 1 } }, { detail: { 'd-count': 3 } }, { detail: { 'x-limit': 301.8 } }],
    miss: [{ detail: { 'c-count': 10, 'd-count': 10 } }],
  },
  {
    name: 'null and empty string are values',
    pattern: { detail: { responseElements: [null], eventVersion: [''] } },
    match: [{ detail: { responseElements: null, eventVersion: '' } }],
    miss: [{ detail: { eventVersion: '' } }, { detail: { responseElements: null, eventVersion: '1' } }],
  },
  {
    name: 'array values in the event: any element matches',
    pattern: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    match: [{ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'other'] }],
    miss: [{ resources: ['other'] }, { resources: [] }],
  },
  {
    name: 'numbers compare numerically',
    pattern: { detail: { n: [300] } },
    match: [{ detail: { n: 3.0e2 } }],
    miss: [{ detail: { n: '300' } }],
  },
];

describe('EventBridge pattern matching (documentation examples)', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(validatePattern(c.pattern)).toBeUndefined();
      for (const event of c.match) expect(matchesPattern(c.pattern, event), JSON.stringify(event)).toBe(true);
      for (const event of c.miss) expect(matchesPattern(c.pattern, event), JSON.stringify(event)).toBe(false);
    });
  }

  it.each([
    [{ source: 'aws.ec2' }, 'source must be an array or an object'],
    [{ detail: { n: [{ numeric: ['>'] }] } }, 'detail.n[0].numeric must be [op, number] or [op, number, op, number]'],
    [{ a: [{ nope: 1 }] }, 'a[0] has an unknown or ambiguous operator'],
    [{ $or: [{ a: ['x'] }] }, '$or must be an array of at least two patterns'],
    [[], 'pattern must be an object'],
  ])('rejects an invalid pattern %j', (pattern, message) => {
    expect(validatePattern(pattern)).toBe(message);
  });
});

describe('EventBridge pattern matching (fuzz)', () => {
  // Patterns from the grammar (every operator, nested objects, $or), over the keys the events use, so that matching
  // reaches the operators and goes deep; junk mixed in at every level.
  const KEYS = ['source', 'detail-type', 'state', 'n', 'ip', 'tags'] as const;
  const scalar = fc.oneof(
    fc.constantFrom('running', 'Running', 'aws.ec2', '10.0.0.1', '2001:db8::1', '', 'a*b'),
    fc.string({ maxLength: 8 }),
    fc.integer({ min: -100, max: 100 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const text = fc.oneof(
    fc.constantFrom(
      'run',
      'RUN',
      'ing',
      'aws.',
      '10.0.0.0/8',
      '10.0.0.1',
      '2001:db8::/32',
      '::1/128',
      '*',
      'a\\*b',
      'r*g',
    ),
    fc.string({ maxLength: 6 }),
  );
  const caseless = fc.oneof(text, fc.record({ 'equals-ignore-case': text }));
  const matcher = fc.oneof(
    scalar,
    fc.record({ prefix: caseless }),
    fc.record({ suffix: caseless }),
    fc.record({ 'equals-ignore-case': fc.oneof(text, fc.array(text, { maxLength: 3 })) }),
    fc.record({ wildcard: text }),
    fc.record({
      numeric: fc.array(
        fc.oneof(fc.constantFrom('<', '<=', '=', '>', '>=', '!'), fc.integer({ min: -100, max: 100 }), fc.double()),
        { maxLength: 5 },
      ),
    }),
    fc.record({ cidr: text }),
    fc.record({ exists: fc.oneof(fc.boolean(), scalar) }),
    fc.record({
      'anything-but': fc.oneof(
        scalar,
        fc.array(scalar, { maxLength: 3 }),
        fc.record({ prefix: text }),
        fc.record({ suffix: text }),
        fc.record({ 'equals-ignore-case': text }),
        fc.record({ wildcard: text }),
      ),
    }),
    fc.jsonValue({ maxDepth: 1 }),
  );
  const leaf = fc.array(matcher, { maxLength: 3 });
  const { pattern } = fc.letrec((tie) => ({
    pattern: fc.dictionary(
      fc.constantFrom(...KEYS, 'detail', '$or'),
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('pattern'),
        fc.array(tie('pattern'), { maxLength: 3 }),
      ),
      { maxKeys: 3 },
    ),
  }));
  const { event } = fc.letrec((tie) => ({
    event: fc.dictionary(
      fc.constantFrom(...KEYS, 'detail'),
      fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 3 }), tie('event')),
      { maxKeys: 5 },
    ),
  }));

  it('never throws on patterns of every operator and events of the same keys, and matches some of them', () => {
    let valid = 0;
    let matched = 0;
    const runs = 2_000;
    fc.assert(
      fc.property(pattern, event, (p, e) => {
        if (validatePattern(p) !== undefined) return;
        valid++;
        const result = matchesPattern(p, e);
        expect(typeof result).toBe('boolean');
        if (result) matched++;
      }),
      { numRuns: runs },
    );
    // The generator reaches the matcher, and the matcher says yes as well as no.
    expect(valid).toBeGreaterThan(runs / 4);
    expect(matched).toBeGreaterThan(runs / 50);
    expect(valid - matched).toBeGreaterThan(runs / 50);
  });

  // Flat events of non-null scalars, with a pattern of their own values: what each operator must say about them.
  const flatEvent = fc.dictionary(
    fc.constantFrom(...KEYS),
    fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -1_000, max: 1_000 }), fc.boolean()),
    { minKeys: 1, maxKeys: 5 },
  );
  const own = (e: Record<string, unknown>) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, [v]]));

  it('an event matches a pattern of its own values, and not once one of them is negated or said to be absent', () => {
    fc.assert(
      fc.property(flatEvent, fc.nat(), (e, pick) => {
        const keys = Object.keys(e);
        const key = keys[pick % keys.length]!;
        const value = e[key];
        expect(matchesPattern(own(e), e)).toBe(true);
        expect(matchesPattern({ ...own(e), [key]: [{ exists: true }] }, e)).toBe(true);
        expect(matchesPattern({ ...own(e), [key]: [{ 'anything-but': [value] }] }, e)).toBe(false);
        expect(matchesPattern({ ...own(e), [key]: [{ exists: false }] }, e)).toBe(false);
        expect(matchesPattern({ $or: [{ [key]: [{ 'anything-but': value }] }, own(e)] }, e)).toBe(true);
        if (typeof value === 'string') {
          expect(matchesPattern({ [key]: [{ prefix: value.slice(0, pick % (value.length + 1)) }] }, e)).toBe(true);
          expect(matchesPattern({ [key]: [{ suffix: value.slice(pick % (value.length + 1)) }] }, e)).toBe(true);
          expect(matchesPattern({ [key]: [{ 'equals-ignore-case': value.toUpperCase() }] }, e)).toBe(
            value.toUpperCase().toLowerCase() === value.toLowerCase(),
          );
          expect(matchesPattern({ [key]: [{ wildcard: '*' }] }, e)).toBe(true);
          expect(matchesPattern({ [key]: [{ numeric: ['>=', 0] }] }, e)).toBe(false);
        }
        if (typeof value === 'number') {
          expect(matchesPattern({ [key]: [{ numeric: ['>=', value, '<=', value] }] }, e)).toBe(true);
          expect(matchesPattern({ [key]: [{ numeric: ['>', value] }] }, e)).toBe(false);
          expect(matchesPattern({ [key]: [{ numeric: ['<', value + 1] }] }, e)).toBe(true);
          expect(matchesPattern({ [key]: [{ prefix: '' }] }, e)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

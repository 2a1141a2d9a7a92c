/**
 * EventBridge event-pattern matching (content filtering), pure.
 *
 * A pattern mirrors the event's structure: object keys AND together, each leaf is an array of alternatives (OR),
 * `$or` ORs whole sub-patterns. Leaf alternatives are exact values (strings, numbers compared numerically, booleans,
 * `null`, `""`) or one of: `prefix`, `suffix` (each also `{ "equals-ignore-case": … }`), `equals-ignore-case`,
 * `anything-but` (a value, a list, or `{ prefix | suffix | equals-ignore-case | wildcard }`), `numeric` (up to two
 * comparisons), `exists`, `wildcard` (`*`, `\*` for a literal star) and `cidr` (IPv4 and IPv6).
 * When the event value is an array, the leaf matches if any element matches.
 */

/** An event pattern: nested objects ending in arrays of matchers. */
export type EventPattern = { [key: string]: unknown };

/** True when `event` matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: EventPattern, value: unknown): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(sub) || !sub.some((alt) => matchObject(alt as EventPattern, value))) return false;
      continue;
    }
    const field = isObject(value) ? value[key] : undefined;
    const present = isObject(value) && key in value;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, field, present)) return false;
    } else if (isObject(sub)) {
      if (!matchObject(sub, field)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function matchLeaf(alternatives: unknown[], field: unknown, present: boolean): boolean {
  if (isObject(field) && !Array.isArray(field)) {
    // Only `exists` applies to a non-leaf (an object) value.
    return alternatives.some((alt) => isObject(alt) && alt.exists === true);
  }
  const values = Array.isArray(field) ? field : [field];
  return alternatives.some((alt) => {
    if (isObject(alt) && 'exists' in alt)
      return alt.exists === (present && !(Array.isArray(field) && field.length === 0));
    if (!present) return false;
    return values.some((v) => matchValue(alt, v));
  });
}

function matchValue(alt: unknown, value: unknown): boolean {
  if (!isObject(alt)) return equalsExact(alt, value);
  if ('prefix' in alt) return matchString(alt.prefix, value, (v, p) => v.startsWith(p));
  if ('suffix' in alt) return matchString(alt.suffix, value, (v, s) => v.endsWith(s));
  if ('equals-ignore-case' in alt) {
    const spec = alt['equals-ignore-case'];
    const options = Array.isArray(spec) ? spec : [spec];
    return (
      typeof value === 'string' && options.some((o) => typeof o === 'string' && o.toLowerCase() === value.toLowerCase())
    );
  }
  if ('wildcard' in alt)
    return typeof value === 'string' && typeof alt.wildcard === 'string' && wildcard(alt.wildcard, value);
  if ('numeric' in alt) return typeof value === 'number' && Array.isArray(alt.numeric) && numeric(alt.numeric, value);
  if ('cidr' in alt) return typeof value === 'string' && typeof alt.cidr === 'string' && inCidr(alt.cidr, value);
  if ('anything-but' in alt) return anythingBut(alt['anything-but'], value);
  return false;
}

function equalsExact(expected: unknown, value: unknown): boolean {
  if (typeof expected === 'number' && typeof value === 'number') return expected === value;
  return expected === value;
}

function matchString(spec: unknown, value: unknown, test: (v: string, s: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof spec === 'string') return test(value, spec);
  if (isObject(spec) && typeof spec['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), spec['equals-ignore-case'].toLowerCase());
  }
  return false;
}

function anythingBut(spec: unknown, value: unknown): boolean {
  if (Array.isArray(spec)) return !spec.some((s) => equalsExact(s, value));
  if (isObject(spec)) return !matchValue(spec, value);
  return !equalsExact(spec, value);
}

function numeric(spec: unknown[], value: number): boolean {
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof bound !== 'number') return false;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return spec.length >= 2;
}

function wildcard(pattern: string, value: string): boolean {
  // `\*` is a literal star; `*` any run of characters.
  const parts = pattern.split(/(?<!\\)\*/).map((p) => p.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's').test(value);
}

function inCidr(cidr: string, ip: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const baseBytes = ipBytes(base);
  const ipB = ipBytes(ip);
  if (!baseBytes || !ipB || baseBytes.length !== ipB.length) return false;
  const bits = bitsText === undefined ? baseBytes.length * 8 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > baseBytes.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((baseBytes[byte] ?? 0) & mask) !== ((ipB[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function ipBytes(ip: string): number[] | undefined {
  if (ip.includes('.') && !ip.includes(':')) {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return parts;
  }
  if (!ip.includes(':')) return undefined;
  const [head = '', tail] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t];
  if (all.length !== 8 || all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'numeric',
  'cidr',
  'anything-but',
  'exists',
]);

/**
 * Checks a pattern's shape; returns a message naming the offending path, or undefined when valid. Used to answer
 * `InvalidEventPatternException` at PutRule rather than failing at match time.
 */
export function validatePattern(pattern: unknown, path = ''): string | undefined {
  if (!isObject(pattern) || Array.isArray(pattern)) return `${path || 'pattern'} must be an object`;
  for (const [key, sub] of Object.entries(pattern)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) return `${here} must be an array of at least two patterns`;
      for (const [i, alt] of sub.entries()) {
        const problem = validatePattern(alt, `${here}[${i}]`);
        if (problem) return problem;
      }
    } else if (Array.isArray(sub)) {
      for (const [i, alt] of sub.entries()) {
        if (isObject(alt)) {
          const ops = Object.keys(alt);
          if (ops.length !== 1 || !OPERATORS.has(ops[0] ?? ''))
            return `${here}[${i}] has an unknown or ambiguous operator`;
          if (
            'numeric' in alt &&
            (!Array.isArray(alt.numeric) || alt.numeric.length % 2 !== 0 || alt.numeric.length === 0)
          ) {
            return `${here}[${i}].numeric must be [op, number] or [op, number, op, number]`;
          }
        } else if (Array.isArray(alt)) {
          return `${here}[${i}] cannot be an array`;
        }
      }
    } else if (isObject(sub)) {
      const problem = validatePattern(sub, here);
      if (problem) return problem;
    } else {
      return `${here} must be an array or an object`;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

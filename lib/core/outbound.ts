/**
 * The outbound policy: where Steward may send the requests it makes on a user's behalf (service calls of workflow
 * steps, notifications, compensations, HTTP/TCP/database probes). A service's `base_url` can point anywhere, so
 * without a policy a step could read the instance-metadata service, call Steward's own endpoints, or scan a network.
 *
 * Rules, in the order they are checked (the first that refuses names itself in the answer):
 * - `instance-metadata`: 169.254.169.254, 169.254.170.2 (ECS task metadata), fd00:ec2::254 … — always refused.
 * - `link-local`: 169.254.0.0/16 and fe80::/10 — always refused.
 * - `unspecified`: 0.0.0.0/8 and :: (connecting there reaches the local host) — always refused.
 * - `steward-endpoint`: Steward's own endpoints (its API, the local AWS endpoint) — always refused.
 * - `loopback`: 127.0.0.0/8, ::1, `localhost` — refused unless loopback is allowed (local mode only).
 * - `allow-list`: when the deployment lists hosts/CIDRs, everything else is refused.
 *
 * The same rules run twice: on the URL at registration (names cannot be judged by address yet) and on every
 * address a name resolves to at call time, so DNS cannot smuggle a refused address in. Pure: no I/O, no DNS.
 */

/** The rule that refused a destination. */
export type OutboundRule =
  | 'instance-metadata'
  | 'link-local'
  | 'unspecified'
  | 'steward-endpoint'
  | 'loopback'
  | 'allow-list'
  | 'invalid-destination';

/** Why a destination was refused. */
export interface OutboundRefusal {
  readonly rule: OutboundRule;
  readonly message: string;
}

/** One allow-list entry: a host name (exact, or `*.suffix` for any sub-domain) or a CIDR block. */
export type AllowEntry =
  | { readonly kind: 'host'; readonly host: string; readonly wildcard: boolean }
  | { readonly kind: 'cidr'; readonly network: ParsedIp; readonly bits: number; readonly text: string };

/** A Steward endpoint (host and port) that no outbound request may reach. */
export interface OwnEndpoint {
  readonly host: string;
  readonly port: number;
}

/** The policy in force for a deployment. */
export interface OutboundPolicy {
  /** Loopback destinations allowed (local mode, where the services run on 127.0.0.1). */
  readonly allowLoopback: boolean;
  /** Empty: any destination the other rules accept. */
  readonly allow: readonly AllowEntry[];
  readonly own: readonly OwnEndpoint[];
}

/** The configuration a policy is built from (manifest `outbound`, environment variables). */
export interface OutboundConfig {
  readonly allow?: readonly string[];
  /** URLs of Steward's own endpoints. */
  readonly own?: readonly string[];
  readonly allowLoopback?: boolean;
}

/** A parsed IP address: 4 bytes (IPv4) or 16 bytes (IPv6); IPv4-mapped IPv6 is reduced to IPv4. */
export interface ParsedIp {
  readonly version: 4 | 6;
  readonly bytes: readonly number[];
}

/** An invalid allow-list entry or own-endpoint URL (a configuration error, reported at deploy or cold start). */
export class OutboundConfigError extends Error {
  override readonly name = 'OutboundConfigError';
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const all = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...rest];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Parses an IP address literal (IPv6 with or without brackets); undefined when `text` is not one. */
export function parseIp(text: string): ParsedIp | undefined {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseIpv4(t);
  if (v4) return { version: 4, bytes: v4 };
  if (!t.includes(':')) return undefined;
  const v6 = parseIpv6(t);
  if (!v6) return undefined;
  // ::ffff:a.b.c.d reaches the IPv4 address: judge it as that address.
  if (v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return { version: 4, bytes: v6.slice(12) };
  }
  return { version: 6, bytes: v6 };
}

function inPrefix(ip: ParsedIp, network: ParsedIp, bits: number): boolean {
  if (ip.version !== network.version) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((ip.bytes[byte]! & mask) !== (network.bytes[byte]! & mask)) return false;
  }
  return true;
}

const cidr = (text: string): { network: ParsedIp; bits: number } => {
  const [addr, bits] = text.split('/') as [string, string];
  return { network: parseIp(addr)!, bits: Number(bits) };
};

const METADATA = [
  '169.254.169.254/32',
  '169.254.170.2/32',
  '169.254.170.23/32',
  'fd00:ec2::254/128',
  'fd00:ec2::23/128',
].map(cidr);
const LINK_LOCAL = ['169.254.0.0/16', 'fe80::/10'].map(cidr);
const UNSPECIFIED = ['0.0.0.0/8', '::/128'].map(cidr);
const LOOPBACK = ['127.0.0.0/8', '::1/128'].map(cidr);
const METADATA_NAMES = new Set(['instance-data', 'instance-data.ec2.internal', 'metadata.google.internal']);

/** What an address is, as far as the policy cares. */
export type AddressClass = 'instance-metadata' | 'link-local' | 'unspecified' | 'loopback' | 'other';

/**
 * The IPv4 address an IPv6 address carries by a translation or tunnelling convention that can deliver to it:
 * IPv4-compatible (`::a.b.c.d`, but not `::` or `::1`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64's well-known
 * prefix (`64:ff9b::/96`) and 6to4 (`2002:AABB:CCDD::/48`). IPv4-mapped addresses are reduced by {@link parseIp}.
 */
function embeddedIpv4(ip: ParsedIp): ParsedIp | undefined {
  if (ip.version !== 6) return undefined;
  const b = ip.bytes;
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const last4 = { version: 4 as const, bytes: b.slice(12) };
  if (zeros(0, 12) && !(zeros(12, 15) && (b[15] === 0 || b[15] === 1))) return last4;
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return last4;
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return last4;
  if (b[0] === 0x20 && b[1] === 0x02) return { version: 4, bytes: b.slice(2, 6) };
  return undefined;
}

/** Classifies an IP address (a literal; anything that is not one is `other`). */
export function classifyAddress(address: string | ParsedIp): AddressClass {
  const parsed = typeof address === 'string' ? parseIp(address) : address;
  if (!parsed) return 'other';
  // An address that delivers to an IPv4 one is what that one is, where that is anything but `other`.
  const inner = embeddedIpv4(parsed);
  if (inner && classifyAddress(inner) !== 'other') return classifyAddress(inner);
  const ip = parsed;
  const any = (list: { network: ParsedIp; bits: number }[]): boolean =>
    list.some((c) => inPrefix(ip, c.network, c.bits));
  if (any(METADATA)) return 'instance-metadata';
  if (any(LINK_LOCAL)) return 'link-local';
  if (any(UNSPECIFIED)) return 'unspecified';
  if (any(LOOPBACK)) return 'loopback';
  return 'other';
}

/**
 * A host as a connection would read it: what a URL's host parser makes of it, which is what the resolver does with
 * IPv4 in any form the C library accepts (`127.1`, `0`, `2130706433`, `0x7f.1`, `0177.0.0.1`), so that a TCP or
 * database check's `host` is judged as the address it reaches, as a URL's host already is.
 */
const normalizeHost = (host: string): string => {
  let h = host.toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === '' || /[\s/?#@\\]/.test(h)) return h;
  try {
    const parsed = new URL(`http://${h.includes(':') ? `[${h}]` : h}/`).hostname;
    return parsed.startsWith('[') && parsed.endsWith(']') ? parsed.slice(1, -1) : parsed;
  } catch {
    return h;
  }
};

const isLoopbackName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost');

/** Parses one allow-list entry: `10.0.0.0/8`, `fd00::/8`, `192.0.2.7`, `api.example.com` or `*.example.com`. */
export function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim();
  if (text.includes('/')) {
    const [addr, bitsText] = text.split('/') as [string, string];
    const network = parseIp(addr);
    const bits = Number(bitsText);
    const max = network?.version === 4 ? 32 : 128;
    if (!network || !/^\d{1,3}$/.test(bitsText) || bits > max) {
      throw new OutboundConfigError(`'${entry}' is not a CIDR block such as 10.0.0.0/8 or fd00::/8`);
    }
    // An IPv4-mapped block (::ffff:10.0.0.0/104) is held as the IPv4 block it covers.
    const v4Bits = network.version === 4 && addr.includes(':') ? bits - 96 : bits;
    return { kind: 'cidr', network, bits: Math.max(0, v4Bits), text };
  }
  const ip = parseIp(text);
  if (ip) return { kind: 'cidr', network: ip, bits: ip.version === 4 ? 32 : 128, text };
  const wildcard = text.startsWith('*.');
  const host = normalizeHost(wildcard ? text.slice(2) : text);
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw new OutboundConfigError(`'${entry}' is not a host name, *.domain, IP address or CIDR block`);
  }
  return { kind: 'host', host, wildcard };
}

/** Port of a URL without one, by protocol. */
export const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** Builds a policy; an invalid entry throws {@link OutboundConfigError} naming it. */
export function outboundPolicy(config: OutboundConfig = {}): OutboundPolicy {
  const own = (config.own ?? []).map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new OutboundConfigError(`'${u}' is not a URL of a Steward endpoint`);
    }
    return { host: normalizeHost(url.hostname), port: Number(url.port || DEFAULT_PORTS[url.protocol] || 0) };
  });
  return { allowLoopback: config.allowLoopback === true, allow: (config.allow ?? []).map(parseAllowEntry), own };
}

/** Splits a comma- or whitespace-separated list, as the environment variables carry them. */
export function splitList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter(Boolean);
}

const hostMatches = (entry: Extract<AllowEntry, { kind: 'host' }>, host: string): boolean =>
  entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;

function refusedByAddress(ip: ParsedIp, shown: string): OutboundRefusal | undefined {
  const cls = classifyAddress(ip);
  switch (cls) {
    case 'instance-metadata':
      return { rule: cls, message: `${shown} is an instance-metadata address` };
    case 'link-local':
      return { rule: cls, message: `${shown} is a link-local address` };
    case 'unspecified':
      return { rule: cls, message: `${shown} is the unspecified address (it reaches the local host)` };
    default:
      return undefined;
  }
}

const sameEndpoint = (own: OwnEndpoint, host: string, ip: ParsedIp | undefined, port: number): boolean => {
  if (own.port !== port) return false;
  const ownIp = parseIp(own.host);
  const ownLoopback = isLoopbackName(own.host) || (ownIp !== undefined && classifyAddress(ownIp) === 'loopback');
  const loopback = isLoopbackName(host) || (ip !== undefined && classifyAddress(ip) === 'loopback');
  if (ownLoopback && loopback) return true;
  if (ownIp && ip) return ownIp.version === ip.version && ownIp.bytes.every((b, i) => b === ip.bytes[i]);
  return own.host === host;
};

/**
 * Checks one destination: `host` as written in the URL and, at call time, one `address` it resolved to. Without an
 * address (registration) a host name passes the address rules and a CIDR-only allow-list, which the call-time check
 * applies after resolution. Undefined when allowed.
 */
export function checkDestination(
  policy: OutboundPolicy,
  target: { host: string; port: number; address?: string },
): OutboundRefusal | undefined {
  const host = normalizeHost(target.host);
  if (host === '') return { rule: 'invalid-destination', message: 'has no host' };
  if (METADATA_NAMES.has(host))
    return { rule: 'instance-metadata', message: `${host} is the instance-metadata service` };
  const literal = parseIp(host);
  const ip = target.address !== undefined ? parseIp(target.address) : literal;
  if (target.address !== undefined && !ip) {
    return { rule: 'invalid-destination', message: `${host} resolved to '${target.address}', not an IP address` };
  }
  const shown = target.address !== undefined && !literal ? `${host} (${target.address})` : host;
  if (literal) {
    const refused = refusedByAddress(literal, host);
    if (refused) return refused;
  }
  if (ip && ip !== literal) {
    const refused = refusedByAddress(ip, shown);
    if (refused) return refused;
  }
  if (policy.own.some((o) => sameEndpoint(o, host, ip, target.port))) {
    return { rule: 'steward-endpoint', message: `${shown}:${target.port} is one of Steward's own endpoints` };
  }
  const loopback = isLoopbackName(host) || (ip !== undefined && classifyAddress(ip) === 'loopback');
  if (loopback && !policy.allowLoopback) {
    return { rule: 'loopback', message: `${shown} is a loopback address (allowed in local mode only)` };
  }
  if (policy.allow.length === 0) return undefined;
  for (const entry of policy.allow) {
    if (entry.kind === 'host' && hostMatches(entry, host)) return undefined;
    if (entry.kind === 'cidr' && ip && inPrefix(ip, entry.network, entry.bits)) return undefined;
  }
  // A name whose address is not known yet may still resolve into an allowed block: decided at call time.
  if (!ip && policy.allow.some((e) => e.kind === 'cidr')) return undefined;
  return { rule: 'allow-list', message: `${shown} is not in the deployment's outbound allow-list` };
}

/** Checks a URL (http/https) at registration: its host and port as written. */
export function checkUrl(policy: OutboundPolicy, url: string): OutboundRefusal | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { rule: 'invalid-destination', message: 'is not a URL' };
  }
  const port = Number(parsed.port || DEFAULT_PORTS[parsed.protocol] || 0);
  return checkDestination(policy, { host: parsed.hostname, port });
}

/**
 * Call-time enforcement of the outbound policy (lib/core/outbound.ts) for every connection Steward opens on a user's
 * behalf: service calls (node:http), HTTP probes (undici) and TCP/database probes (node:net).
 *
 * A host is checked as written (IP literals never reach a DNS lookup), then resolved by a `lookup` that checks EVERY
 * address the name resolves to and hands the socket only checked addresses, so the address judged is the address
 * connected to: a name that resolves to the metadata service, or rebinds between a check and the connect, is refused.
 */
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { ENV } from '../../lib/core/env.ts';
import {
  checkDestination,
  type OutboundPolicy,
  type OutboundRefusal,
  outboundPolicy,
  splitList,
} from '../../lib/core/outbound.ts';

// Not `import … from 'node:dns'`: its ES module facade reads the lazy `dns.promises` getter, loading the promises API
// at every cold start of the functions that call services (see ./service-client.ts for node:http).
const { lookup: dnsLookup } = process.getBuiltinModule('node:dns');

/** A destination the outbound policy refused; the message names the rule. */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  constructor(readonly refusal: OutboundRefusal) {
    super(`refused by the outbound policy (${refusal.rule}): ${refusal.message}`);
  }
}

let current: OutboundPolicy | undefined;

/** The policy of this deployment, read once from the environment the stacks (or local mode) set. */
export function currentOutboundPolicy(): OutboundPolicy {
  current ??= outboundPolicy({
    allow: splitList(process.env[ENV.outboundAllow]),
    own: splitList(process.env[ENV.outboundOwnEndpoints]),
    allowLoopback: process.env[ENV.outboundLoopback] === 'allow',
  });
  return current;
}

/** Forgets the policy read from the environment (tests that change it). */
export function resetOutboundPolicy(): void {
  current = undefined;
}

/** Throws {@link OutboundRefusedError} when the host as written (a name or an IP literal) is refused. */
export function assertDestination(host: string, port: number, policy = currentOutboundPolicy()): void {
  const refusal = checkDestination(policy, { host, port });
  if (refusal) throw new OutboundRefusedError(refusal);
}

/**
 * A DNS lookup for sockets to `port`: resolves every address, refuses the connection if ANY of them is refused,
 * and answers in the form the caller asked for (`all` or one address). `resolve` is the system resolver unless a
 * test stands in for DNS.
 */
export function guardedLookup(
  port: number,
  policy?: OutboundPolicy,
  resolve: typeof dnsLookup = dnsLookup,
): LookupFunction {
  return ((hostname: string, options: LookupAllOptions | number | undefined, callback: unknown) => {
    const opts: { all?: boolean; family?: number | string; hints?: number } =
      typeof options === 'object' && options !== null ? options : {};
    const done = callback as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    resolve(hostname, { ...opts, all: true } as LookupAllOptions, (error, addresses) => {
      if (error) return done(error);
      for (const a of addresses) {
        const refusal = checkDestination(policy ?? currentOutboundPolicy(), {
          host: hostname,
          port,
          address: a.address,
        });
        if (refusal) return done(new OutboundRefusedError(refusal));
      }
      if (addresses.length === 0)
        return done(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
      if (opts.all) return done(null, addresses);
      return done(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

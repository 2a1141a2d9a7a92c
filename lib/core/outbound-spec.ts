/**
 * The outbound policy applied to a service spec at registration (`POST/PUT /services`): the destinations it names
 * and its custom checks. Pure; the rules themselves are in `outbound.ts`.
 */
import {
  checkDestination,
  checkUrl,
  DEFAULT_PORTS,
  type OutboundPolicy,
  type OutboundRefusal,
  type OutboundRule,
} from './outbound.ts';
import type { ServiceSpec } from './supervision/manifest.ts';

/** A registration problem: the field (under `body.`) and what the policy says. */
export interface OutboundProblem {
  readonly field: string;
  readonly message: string;
  readonly rule: OutboundRule | 'custom-check-allow-list';
}

/**
 * Checks the destinations a service spec names, at registration: `base_url`, each HTTP check's `url`, each TCP or
 * database check's `host`/`port`, and each custom check's function against the deployment's list of custom-check
 * functions (the only ones the prober is allowed to invoke). Fields are named as the request names them (`body.…`).
 */
export function serviceOutboundProblems(
  policy: OutboundPolicy,
  spec: Pick<ServiceSpec, 'base_url' | 'port' | 'health_checks'>,
  customCheckArns: readonly string[],
): OutboundProblem[] {
  const problems: OutboundProblem[] = [];
  const add = (field: string, refusal: OutboundRefusal | undefined): void => {
    if (refusal)
      problems.push({
        field,
        rule: refusal.rule,
        message: `refused by the outbound policy (${refusal.rule}): ${refusal.message}`,
      });
  };
  if (spec.base_url) add('body.base_url', checkUrl(policy, spec.base_url));
  const base = (() => {
    try {
      return spec.base_url ? new URL(spec.base_url) : undefined;
    } catch {
      return undefined;
    }
  })();
  const basePort = base ? Number(base.port || DEFAULT_PORTS[base.protocol] || spec.port || 0) : spec.port;
  const baseHost = base?.hostname;
  (spec.health_checks ?? []).forEach((check, i) => {
    const at = `body.health_checks[${i}]`;
    switch (check.type) {
      case 'http':
        if (check.url) add(`${at}.url`, checkUrl(policy, check.url));
        break;
      case 'tcp': {
        // The port the prober connects to: the check's, else the service's, else base_url's.
        const port = check.port ?? spec.port ?? basePort ?? 0;
        if (check.host) add(`${at}.host`, checkDestination(policy, { host: check.host, port }));
        // Without a host it connects to base_url's host: on another port than base_url's, that pair is a
        // destination of its own (base_url's host on another port may be one of Steward's endpoints).
        else if (baseHost !== undefined && port !== basePort)
          add(`${at}.port`, checkDestination(policy, { host: baseHost, port }));
        break;
      }
      case 'database':
        add(`${at}.host`, checkDestination(policy, { host: check.host, port: check.port ?? 0 }));
        break;
      case 'custom':
        if (!customCheckArns.includes(check.function_arn)) {
          problems.push({
            field: `${at}.function_arn`,
            rule: 'custom-check-allow-list',
            message:
              "is not one of the deployment's custom-check functions (the manifest's custom checks): the prober may invoke only those",
          });
        }
        break;
      default:
        break;
    }
  });
  return problems;
}

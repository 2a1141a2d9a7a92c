/**
 * What of the inputs a synthesis deploys. Local mode runs everything (samples, local-only entries, loopback URLs);
 * an AWS synthesis leaves out what cannot work there, and refuses what would silently break there: a loopback
 * `base_url` Lambda would call inside its own sandbox.
 */
import { SUPERVISION_DEFAULTS } from '../core/supervision/defaults.ts';
import type { Manifest, ServiceSpec } from '../core/supervision/manifest.ts';
import type { DeployedWorkflow } from './inputs.ts';
import { InputError } from './inputs.ts';

/** For what a synthesis is. */
export interface PlanOptions {
  /** Local mode: every entry runs (samples too, unless `samples` is false), URLs are used as written. */
  readonly local: boolean;
  /**
   * `-c samples=true`: sample entries are deployed to AWS too (their images are built from the repository). In local
   * mode they run unless this is false (`steward local --no-samples`).
   */
  readonly samples: boolean;
  /** File the manifest came from (error messages). @default 'services.json' */
  readonly manifestFile?: string;
}

/** A manifest entry to deploy, with its index in the manifest (error paths, stable construct ids). */
export interface PlannedService {
  readonly spec: ServiceSpec;
  readonly index: number;
}

/** What a synthesis deploys, and what it leaves out with the reason. */
export interface DeployPlan {
  readonly services: PlannedService[];
  readonly workflows: DeployedWorkflow[];
  /** Manifest entries not deployed: `name: reason`. */
  readonly skippedServices: string[];
  /** Workflows not deployed: `name: reason`. */
  readonly skippedWorkflows: string[];
}

/** True for 127.0.0.0/8, ::1, 0.0.0.0 and `localhost` (any case, with or without a trailing dot). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1' || h === '::' || h === '0.0.0.0') return true;
  if (/^::ffff:127\./.test(h)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const loopbackUrl = (url: string | undefined): boolean => {
  if (url === undefined) return false;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
};

/** Whether an entry runs on ECS (a registry image, or one built from the repository). */
export const runsOnEcs = (spec: ServiceSpec): boolean => Boolean(spec.image ?? spec.build);

/** Cloud Map address of a managed service: `http://<name>.<namespace>:<port>`. */
export const cloudMapUrl = (spec: ServiceSpec): string =>
  `http://${spec.name}.${SUPERVISION_DEFAULTS.namespace}:${spec.port}`;

/** Every service a workflow document names (calls, compensations, notify targets, fallbacks), and its sub-workflows. */
export function workflowReferences(document: unknown): { services: Set<string>; workflows: Set<string> } {
  const services = new Set<string>();
  const workflows = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.service === 'string') services.add(o.service);
    if (o.action === 'notify' && typeof o.target === 'string') services.add(o.target);
    if (o.step_type === 'sub_workflow' && typeof o.workflow === 'string') workflows.add(o.workflow);
    for (const [key, value] of Object.entries(o)) if (key !== 'triggers') walk(value);
  };
  walk(document);
  return { services, workflows };
}

/**
 * Decides what to deploy. For AWS: local-only entries and (without `samples`) sample entries are left out, and so
 * is every workflow that calls one of them (directly or through a sub-workflow): it could only fail there. A loopback
 * `base_url` (or http check `url`) of an entry that stays is refused, all in one error naming each service and the
 * fix, unless it is the loopback address of a managed service deployed here: then it becomes that service's Cloud
 * Map address (several registry entries served by one process, as the commerce sample's).
 */
export function planDeployment(
  manifest: Manifest,
  workflows: readonly DeployedWorkflow[],
  options: PlanOptions,
): DeployPlan {
  const file = options.manifestFile ?? 'services.json';
  const skippedServices: string[] = [];
  const kept: PlannedService[] = [];
  const left = new Set<string>();
  if (options.local) {
    manifest.services.forEach((spec, index) => {
      if (spec.sample && !options.samples) {
        skippedServices.push(`${spec.name}: a sample (local mode with --no-samples)`);
        left.add(spec.name);
      } else {
        kept.push({ spec, index });
      }
    });
    return withoutCallers(kept, workflows, left, skippedServices);
  }
  manifest.services.forEach((spec, index) => {
    if (spec.local_only) {
      skippedServices.push(`${spec.name}: local_only`);
      left.add(spec.name);
    } else if (spec.sample && !options.samples) {
      skippedServices.push(`${spec.name}: a sample (deployed with -c samples=true)`);
      left.add(spec.name);
    } else {
      kept.push({ spec, index });
    }
  });

  // Loopback origins of the managed services deployed here, to their Cloud Map address.
  const managedOrigins = new Map<string, string>();
  for (const { spec } of kept) {
    if (runsOnEcs(spec) && spec.port !== undefined && loopbackUrl(spec.base_url)) {
      managedOrigins.set(new URL(spec.base_url!).origin, cloudMapUrl(spec));
    }
  }
  const problems: { file: string; path: string; message: string }[] = [];
  const fix =
    'unreachable from AWS: give a reachable URL, an image (or build) to run it on ECS, or mark it "local_only": true';
  const services = kept.map(({ spec, index }) => {
    let out = spec;
    if (!runsOnEcs(spec) && loopbackUrl(spec.base_url)) {
      const url = new URL(spec.base_url!);
      const target = managedOrigins.get(url.origin);
      if (target) {
        out = { ...spec, base_url: `${target}${url.pathname === '/' ? '' : url.pathname}` };
      } else {
        problems.push({
          file,
          path: `services[${index}].base_url`,
          message: `service '${spec.name}' has the loopback base_url ${spec.base_url}, ${fix}`,
        });
      }
    }
    spec.health_checks?.forEach((check, i) => {
      if (check.type === 'http' && loopbackUrl(check.url)) {
        problems.push({
          file,
          path: `services[${index}].health_checks[${i}].url`,
          message: `service '${spec.name}' checks the loopback URL ${check.url}, ${fix}`,
        });
      }
    });
    return { spec: out, index };
  });
  if (problems.length > 0) throw new InputError(problems);
  return withoutCallers(services, workflows, left, skippedServices);
}

/** The plan of `services`, less the workflows that call a service left out, directly or through sub-workflows. */
function withoutCallers(
  services: PlannedService[],
  workflows: readonly DeployedWorkflow[],
  left: ReadonlySet<string>,
  skippedServices: string[],
): DeployPlan {
  const refs = new Map(workflows.map((wf) => [wf.document.name, workflowReferences(wf.document)]));
  const reason = new Map<string, string>();
  for (const [name, r] of refs) {
    const missing = [...r.services].filter((s) => left.has(s));
    if (missing.length > 0) reason.set(name, `calls ${missing.join(', ')}, not deployed`);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, r] of refs) {
      if (reason.has(name)) continue;
      const child = [...r.workflows].find((w) => reason.has(w));
      if (child) {
        reason.set(name, `runs sub-workflow '${child}', not deployed`);
        changed = true;
      }
    }
  }
  return {
    services,
    workflows: workflows.filter((wf) => !reason.has(wf.document.name)),
    skippedServices,
    skippedWorkflows: workflows
      .filter((wf) => reason.has(wf.document.name))
      .map((wf) => `${wf.document.name}: ${reason.get(wf.document.name)}`),
  };
}

/**
 * The services manifest (`services.json`): the groups of Steward's supervision tree and the services in them.
 * The same `serviceSpecSchema` is the body of `POST /services` and the shape the registry stores.
 *
 * Parsing applies NO defaults: the parsed spec equals the input, so the registry can tell a field a user set from
 * one left to Steward (discovery never overwrites what a user set). Defaults live in `defaults.ts`
 * (`SUPERVISION_DEFAULTS`) and are applied where a value is used.
 */
import * as z from 'zod';
import { parseAllowEntry } from '../outbound.ts';
import { parseSecretRef } from './auth.ts';
import { authSchema } from './auth-schema.ts';
import { crossCheckManifest, crossCheckService } from './manifest-checks.ts';

/** Names of services, groups and checks: DNS labels, so they can become Cloud Map and ECS names. */
const dnsName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes, starting with a letter (≤ 63)');

const positiveInt = (max: number) => z.number().int('must be a whole number').min(1).max(max);
const port = z.number().int('must be a whole number').min(1).max(65_535);

/** Fields every health check has. */
const checkBase = {
  name: dnsName,
  /** Seconds between probes (default 10; the prober runs rounds every 10 s, so it is rounded up to a multiple of 10). */
  interval_seconds: positiveInt(3_600).optional(),
  /** Milliseconds before a probe counts as failed (default 2,000). */
  timeout_ms: z.number().int('must be a whole number').min(10).max(60_000).optional(),
};

/** A condition on the JSON body of an HTTP answer. */
const bodyCondition = z
  .strictObject({
    /** A JSONPath of dot/bracket form: `$.status`, `$.checks[0].ok`. */
    json_path: z.string().regex(/^\$(\.[A-Za-z_][\w-]*|\[\d+\])*$/, 'must be a path like $.status or $.items[0].ok'),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    contains: z.string().optional(),
  })
  .refine((b) => b.equals !== undefined || b.contains !== undefined, {
    message: 'needs equals or contains',
    path: ['equals'],
  });

const httpCheck = z.strictObject({
  ...checkBase,
  type: z.literal('http'),
  /** Path on the service's `base_url`, or a full `url` instead. */
  path: z.string().startsWith('/', 'must start with /').max(2_048).optional(),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).optional(),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name'), z.string().max(4_096))
    .optional(),
  /** Status codes that pass (default 200–399). */
  expect_status: z.array(z.number().int().min(100).max(599)).min(1).max(50).optional(),
  body: bodyCondition.optional(),
  /** A slower answer fails the check. */
  max_latency_ms: z.number().int().min(1).max(60_000).optional(),
});

const tcpCheck = z.strictObject({
  ...checkBase,
  type: z.literal('tcp'),
  /** Host to connect to (default: the host of `base_url`). */
  host: z.string().min(1).max(253).optional(),
  /** Port (default: the service's `port`). */
  port: port.optional(),
});

const ecsCheck = z.strictObject({
  ...checkBase,
  type: z.literal('ecs'),
  /** Cluster ARN or name (default: the service's `ecs.cluster`). */
  cluster: z.string().min(1).max(1_600).optional(),
  /** ECS service name (default: the service's `ecs.service_name`, else its name). */
  service_name: z.string().min(1).max(255).optional(),
  /** Fraction of desired tasks that must run (default 1). */
  min_running_ratio: z.number().gt(0).max(1).optional(),
});

const databaseCheck = z.strictObject({
  ...checkBase,
  type: z.literal('database'),
  engine: z.enum(['postgres', 'mysql', 'redis']),
  host: z.string().min(1).max(253),
  port: port.optional(),
});

const customCheck = z.strictObject({
  ...checkBase,
  type: z.literal('custom'),
  function_arn: z
    .string()
    .regex(/^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w-]+)?$/, 'must be a Lambda ARN'),
  /** Sent to the function as is; it answers `{ healthy: boolean, message?: string }`. */
  payload: z.record(z.string(), z.unknown()).optional(),
});

/** One health check of a service. */
export const healthCheckSchema = z.discriminatedUnion('type', [
  httpCheck,
  tcpCheck,
  ecsCheck,
  databaseCheck,
  customCheck,
]);

/** Restart policy of a service (`001_…`: exponential, linear, fixed backoff; seed 002: max 10 per 5 minutes). */
export const restartPolicySchema = z.strictObject({
  /** Default `exponential`. */
  backoff: z.enum(['exponential', 'linear', 'fixed']).optional(),
  base_delay_seconds: z.number().int().min(0).max(3_600).optional(),
  max_delay_seconds: z.number().int().min(0).max(86_400).optional(),
  max_restarts: z.number().int().min(0).max(1_000).optional(),
  window_seconds: positiveInt(86_400).optional(),
  /** Healthy this long → the backoff starts again from the base (CrashLoopBackOff). */
  reset_after_seconds: z.number().int().min(0).max(86_400).optional(),
  /** After a (re)start, failures do not count this long. */
  grace_seconds: z.number().int().min(0).max(3_600).optional(),
  action: z.enum(['force_new_deployment', 'stop_task', 'none']).optional(),
  /** How a `failed` service (budget spent) returns: after `reset_after_seconds` healthy, or only by a manual reset. */
  failed_recovery: z.enum(['healthy_period', 'manual']).optional(),
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h, UTC)');

/** A maintenance window: one-off (`starts_at`/`ends_at`) or weekly (`days` + `start` + `duration_minutes`, UTC). */
export const maintenanceWindowSchema = z
  .union([
    z.strictObject({
      name: z.string().min(1).max(100).optional(),
      starts_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
      ends_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
    }),
    z.strictObject({
      name: z.string().min(1).max(100).optional(),
      days: z
        .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
        .min(1)
        .max(7),
      start: hhmm,
      duration_minutes: positiveInt(7 * 24 * 60),
    }),
  ])
  .superRefine((window, ctx) => {
    // A one-off window that ends before it starts would never mute anything, silently.
    if ('starts_at' in window && Date.parse(window.ends_at) <= Date.parse(window.starts_at))
      ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
  });

const tierResources = z.strictObject({
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).optional(),
  memory: z.number().int().min(512).max(30_720).optional(),
  desired_count: z.number().int().min(0).max(100).optional(),
});

/** A service: the registry's service shape, the body of `POST /services`, one entry of the manifest. */
export const serviceSpecSchema = z.strictObject({
  name: dnsName,
  description: z.string().max(1_000).optional(),
  /** Supervision group (default: the implicit `root`). */
  group: dnsName.optional(),
  /** Services this one needs; also the `rest_for_one` order. */
  depends_on: z.array(dnsName).max(50).optional(),
  port: port.optional(),
  /** Container image to run on ECS Fargate (a registry reference). */
  image: z.string().min(1).max(1_024).optional(),
  /**
   * Instead of `image`: a directory of the repository (relative to its root) holding a Dockerfile; the deployment
   * builds the image from it (`cdk deploy` then needs Docker; `cdk synth` only stages it).
   */
  build: z
    .string()
    .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]{1,512}$/, 'must be a relative directory inside the repository')
    .optional(),
  /** Local mode's command; on ECS the container's command (its files must be in the image). */
  command: z.array(z.string().max(4_096)).min(1).max(100).optional(),
  /** A sample: local mode always runs it; AWS deployments include it only with `-c samples=true`. */
  sample: z.boolean().optional(),
  /** Runs in local mode only; never part of an AWS deployment. */
  local_only: z.boolean().optional(),
  environment: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment name'), z.string())
    .optional(),
  secrets: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment name'),
      z.string().regex(/^(arn:aws[\w-]*:secretsmanager:.+|ssm:\/.+)$/, 'must be a Secrets Manager ARN or ssm:/param'),
    )
    .optional(),
  /**
   * Secrets the service itself reads at run time (e.g. to check the tokens callers present), by reference as in
   * `auth.secret` (`secretsmanager:<name>`, `ssm:/<name>` or an ARN): its task role may read exactly these.
   */
  reads_secrets: z
    .array(
      z
        .string()
        .refine((ref) => parseSecretRef(ref) !== undefined, 'must be secretsmanager:<name>, ssm:/<name> or an ARN'),
    )
    .max(20)
    .optional(),
  /** How workflow steps authenticate to the service (a secret by reference, or SigV4): see ./auth.ts. */
  auth: authSchema.optional(),
  /** Where probes and service calls go (default `http://<name>.<namespace>:<port>`). */
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** The ECS service to restart (set by the deployment or discovery). */
  ecs: z.strictObject({ cluster: z.string().min(1).max(1_600), service_name: z.string().min(1).max(255) }).optional(),
  health_checks: z.array(healthCheckSchema).max(20).optional(),
  failure_threshold: positiveInt(100).optional(),
  success_threshold: positiveInt(100).optional(),
  phi_accrual: z
    .strictObject({
      threshold: z.number().positive().max(100).optional(),
      max_sample_size: positiveInt(10_000).optional(),
      min_std_deviation_ms: z.number().int().min(1).max(60_000).optional(),
      acceptable_heartbeat_pause_ms: z.number().int().min(0).max(600_000).optional(),
    })
    .optional(),
  restart_policy: restartPolicySchema.optional(),
  maintenance_windows: z.array(maintenanceWindowSchema).max(20).optional(),
  alerts: z
    .strictObject({
      severity: z.enum(['critical', 'warning', 'info']).optional(),
      escalate_after_seconds: z.number().int().min(0).max(86_400).optional(),
      remind_every_seconds: z.number().int().min(0).max(86_400).optional(),
    })
    .optional(),
  resources: z.strictObject({ dev: tierResources, staging: tierResources, prod: tierResources }).partial().optional(),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
});

/** A supervision group (`001_…` supervision tree, OTP semantics). */
export const groupSpecSchema = z.strictObject({
  name: dnsName,
  strategy: z.enum(['one_for_one', 'one_for_all', 'rest_for_one']),
  /** Group restart intensity: more restarts than this in `window_seconds` escalates to the parent. */
  max_restarts: z.number().int().min(0).max(1_000).optional(),
  window_seconds: positiveInt(86_400).optional(),
  /** Parent group (default `root`, the implicit top of the tree). */
  parent: dnsName.optional(),
});

/** One outbound allow-list entry: a host, `*.domain`, an IP address or a CIDR block (lib/core/outbound.ts). */
const allowEntry = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (e) => {
      try {
        parseAllowEntry(e);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a host name, *.domain, IP address or CIDR block (e.g. 10.0.0.0/8)' },
  );

/** The whole `services.json`. */
export const manifestSchema = z.strictObject({
  /** The JSON Schema editors check the file against (`schemas/services.schema.json`); ignored by Steward. */
  $schema: z.string().optional(),
  groups: z.array(groupSpecSchema).max(500).optional(),
  services: z.array(serviceSpecSchema).max(2_000),
  /**
   * The deployment's outbound policy: with `allow`, service calls and probes may reach only these destinations
   * (instance metadata, link-local and Steward's own endpoints are refused whatever it says).
   */
  outbound: z.strictObject({ allow: z.array(allowEntry).max(200).optional() }).optional(),
});

export type HealthCheckSpec = z.infer<typeof healthCheckSchema>;
export type HttpCheckSpec = Extract<HealthCheckSpec, { type: 'http' }>;
export type RestartPolicy = z.infer<typeof restartPolicySchema>;
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;
export type GroupSpec = z.infer<typeof groupSpecSchema>;
export type Manifest = z.infer<typeof manifestSchema>;
export type SupervisionStrategy = GroupSpec['strategy'];

/** One problem found in a manifest, at a JSON path such as `services[1].health_checks[0].timeout_ms`. */
export interface ManifestProblem {
  path: string;
  message: string;
}

/** Formats a zod path as `services[1].health_checks[0].timeout_ms`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '$' : out;
}

/**
 * Parses a manifest and reports every problem at once: structure (zod) plus the cross-checks (unknown group or
 * parent, unknown `depends_on`, dependency and group cycles, duplicate names).
 */
export function parseManifest(
  json: unknown,
): { ok: true; manifest: Manifest } | { ok: false; problems: ManifestProblem[] } {
  const parsed = manifestSchema.safeParse(json);
  const problems: ManifestProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  // Cross-checks run on the raw input too, so a structural slip elsewhere does not hide a cycle.
  problems.push(...crossCheckManifest(json));
  if (parsed.success && problems.length === 0) return { ok: true, manifest: parsed.data };
  return { ok: false, problems };
}

/** Validates a single service spec (the `POST /services` body) with the same messages as the manifest. */
export function parseServiceSpec(
  json: unknown,
): { ok: true; spec: ServiceSpec } | { ok: false; problems: ManifestProblem[] } {
  const parsed = serviceSpecSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const problems = crossCheckService(parsed.data, '');
  return problems.length === 0 ? { ok: true, spec: parsed.data } : { ok: false, problems };
}

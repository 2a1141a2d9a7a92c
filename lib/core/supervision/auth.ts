/**
 * How a registered service is called: authentication by reference. A spec names a secret (Secrets Manager or an SSM
 * SecureString parameter) or asks for SigV4 with the step runner's own role; the secret's value is read by the step
 * runner at call time and never stored, logged or sent anywhere but the service.
 *
 * Secret references (`secret`):
 * - `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>` or `secretsmanager:<name>`;
 * - `arn:aws:ssm:<region>:<account>:parameter/<name>` or `ssm:/<name>` (a SecureString, read with decryption).
 * `json_key` picks one field of a JSON secret (`{"token": "…"}`); `basic` reads `username` and `password` from a JSON
 * secret (or `user:password` text).
 *
 * Grants: a service in the deployment manifest (`services.json`) gets exactly its secret / parameter (and KMS key)
 * granted to the step runner. A service registered over the API can only name secrets under the deployment's
 * allow-listed prefixes ({@link API_SECRET_PREFIXES}), which the stacks grant as a whole; anything else is refused
 * at registration (422) rather than failing at the first call.
 */

/** Secret names API-registered services may use (Secrets Manager names / SSM parameter names). */
export const API_SECRET_PREFIXES = { secretsmanager: 'steward/', ssm: '/steward/' } as const;

/** Default seconds a secret value stays cached in a warm step runner (Powertools Parameters `maxAge`). */
export const DEFAULT_SECRET_CACHE_SECONDS = 300;

const SM_ARN = /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
const SSM_ARN = /^arn:aws[\w-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[\w/.-]+$/;
const SM_NAME = /^secretsmanager:[\w/+=.@-]{1,512}$/;
const SSM_NAME = /^ssm:\/[\w/.-]{1,1011}$/;

/** A parsed secret reference. */
export interface SecretRef {
  source: 'secretsmanager' | 'ssm';
  /** What GetSecretValue / GetParameter take: the ARN, or the name. */
  id: string;
  /** The name (for prefix checks): the ARN's name part or the name itself; a Secrets Manager ARN keeps its suffix. */
  name: string;
  arn?: string;
}

/** Parses a secret reference, or undefined when it is not one of the accepted forms. */
export function parseSecretRef(ref: string): SecretRef | undefined {
  if (SM_ARN.test(ref)) return { source: 'secretsmanager', id: ref, arn: ref, name: ref.split(':secret:')[1]! };
  if (SSM_ARN.test(ref)) {
    const name = `/${ref.split(':parameter/')[1]!}`;
    return { source: 'ssm', id: name, arn: ref, name };
  }
  if (SM_NAME.test(ref)) {
    const name = ref.slice('secretsmanager:'.length);
    return { source: 'secretsmanager', id: name, name };
  }
  if (SSM_NAME.test(ref)) {
    const name = ref.slice('ssm:'.length);
    return { source: 'ssm', id: name, name };
  }
  return undefined;
}

/** Fields every secret-reading auth has. */
interface SecretFields {
  /** The secret reference (see the module comment). */
  secret: string;
  /** Field of a JSON secret holding the value. */
  json_key?: string;
  /** Customer-managed KMS key that encrypts the secret (granted kms:Decrypt through the secret's service). */
  kms_key_arn?: string;
  /** Seconds a warm step runner keeps the value (0 to 3600, default 300): rotation is picked up within that. */
  cache_seconds?: number;
}

/** A service's authentication spec (the schema is in ./auth-schema.ts). */
export type ServiceAuth =
  | ({ type: 'bearer' } & SecretFields)
  | ({ type: 'api_key'; in?: 'header' | 'query'; name?: string } & SecretFields)
  | ({ type: 'basic' } & SecretFields)
  | {
      type: 'aws_iam';
      /** SigV4 signing name: `execute-api` (API Gateway), `lambda` (function URLs), `vpc-lattice-svcs`. */
      service: 'execute-api' | 'lambda' | 'vpc-lattice-svcs';
      /** Region of the target (default: the step runner's region). */
      region?: string;
      /** What the step runner's role is granted to invoke (manifest services). */
      invoke_arns?: string[];
    };
/** An auth spec that reads a secret. */
export type SecretAuth = Exclude<ServiceAuth, { type: 'aws_iam' }>;

/**
 * Whether a stored value has the shape of an auth spec: the step runner's check of a registry item (specs are
 * validated with the schema when registered; this guards against an item written some other way).
 */
export function isServiceAuth(value: unknown): value is ServiceAuth {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (v.type === 'aws_iam')
    return v.service === 'execute-api' || v.service === 'lambda' || v.service === 'vpc-lattice-svcs';
  if (v.type !== 'bearer' && v.type !== 'api_key' && v.type !== 'basic') return false;
  return typeof v.secret === 'string' && parseSecretRef(v.secret) !== undefined;
}

/** Problems of an auth spec registered over the API (not in the manifest): a secret outside the allowed prefixes. */
export function apiAuthProblems(auth: ServiceAuth | undefined): Array<{ field: string; message: string }> {
  if (!auth || auth.type === 'aws_iam') return [];
  const ref = parseSecretRef(auth.secret);
  if (!ref) return [];
  const prefix = API_SECRET_PREFIXES[ref.source];
  if (ref.name.startsWith(prefix)) return [];
  return [
    {
      field: 'auth.secret',
      message: `services registered over the API may read only ${ref.source === 'ssm' ? 'SSM parameters' : 'secrets'} named ${prefix}… (the step runner's grant); name the service in services.json to grant any other`,
    },
  ];
}

/**
 * The IAM resources a secret reference needs, for the step runner's grants. A Secrets Manager name becomes the ARN
 * with Secrets Manager's 6-character suffix wildcard (`name-??????`).
 */
export function secretResourceArn(ref: SecretRef, partition: string, region: string, account: string): string {
  if (ref.arn) return ref.arn;
  if (ref.source === 'secretsmanager')
    return `arn:${partition}:secretsmanager:${region}:${account}:secret:${ref.name}-??????`;
  return `arn:${partition}:ssm:${region}:${account}:parameter${ref.name}`;
}

/** The IAM action an `aws_iam` service's calls need, by signing name. */
export const INVOKE_ACTIONS = {
  'execute-api': 'execute-api:Invoke',
  lambda: 'lambda:InvokeFunctionUrl',
  'vpc-lattice-svcs': 'vpc-lattice-svcs:Invoke',
} as const;

const EXECUTE_API_URL = /^https:\/\/([a-z0-9]{10})\.execute-api\.([a-z0-9-]+)\.amazonaws\.com\/([^/]+)/;

/**
 * The resources an `aws_iam` service of the manifest is granted: its `invoke_arns`, or for API Gateway the stage's
 * methods derived from its base URL (`arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/*\/*`).
 * Undefined when neither says what to grant (the manifest check then asks for `invoke_arns`).
 */
export function invokeResources(
  auth: Extract<ServiceAuth, { type: 'aws_iam' }>,
  baseUrl: string | undefined,
  partition: string,
  account: string,
): string[] | undefined {
  if (auth.invoke_arns) return [...auth.invoke_arns];
  if (auth.service !== 'execute-api' || baseUrl === undefined) return undefined;
  const m = EXECUTE_API_URL.exec(baseUrl);
  if (!m) return undefined;
  return [`arn:${partition}:execute-api:${m[2]}:${account}:${m[1]}/${m[3]}/*/*`];
}

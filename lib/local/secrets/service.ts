import { createHash } from 'node:crypto';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, requireString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';

/**
 * Local Secrets Manager (`GetSecretValue`) and SSM Parameter Store (`GetParameter`, `GetParameters`), answered from a
 * JSON file (`steward local --secrets FILE`):
 *
 * ```json
 * { "secrets": { "steward/ledger-token": "s3cret", "steward/db": { "username": "u", "password": "p" } },
 *   "parameters": { "/steward/api-key": "k3y" } }
 * ```
 * A secret's value is its `SecretString` (an object is stored as its JSON); a parameter is a `SecureString`. Values
 * are served as AWS serves them and are never logged. Each operation also says which IAM action it needs on which
 * resource ({@link secretsAuthorization}), derived as AWS documents it, for local IAM enforcement.
 */

/** The file's shape. */
export interface SecretsFile {
  secrets?: Record<string, unknown>;
  parameters?: Record<string, string>;
}

/** Options of {@link SecretsService}. */
export interface SecretsOptions {
  region?: string;
  account?: string;
}

/** What an operation needs from IAM: the action and the resources (ARNs) it acts on. */
export interface RequiredPermission {
  action: string;
  resources: string[];
}

const NAME = /^[\w/+=.@-]{1,512}$/;
const PARAMETER = /^\/?[\w/.-]{1,1011}$/;

/** Secrets Manager's six-character ARN suffix, derived from the name so a local ARN is stable across restarts. */
function suffix(name: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const digest = createHash('sha256').update(name).digest();
  return [...digest.subarray(0, 6)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * The IAM action and resources of a Secrets Manager or SSM request, as AWS authorizes it: `GetSecretValue` on the
 * secret's ARN (a full ARN, or the name's ARN with its suffix); `GetParameter` / `GetParameters` on each parameter's
 * ARN (`arn:aws:ssm:<region>:<account>:parameter/<name without the leading slash>`). With `WithDecryption` the
 * caller also needs `kms:Decrypt` on the key; the AWS-managed `aws/ssm` key allows it for the account through SSM,
 * so no separate check applies to the local default key.
 */
export function secretsAuthorization(
  service: 'secretsmanager' | 'ssm',
  operation: string,
  input: Record<string, unknown>,
  region = LOCAL_REGION,
  account = LOCAL_ACCOUNT,
): RequiredPermission {
  if (service === 'secretsmanager') {
    const id = String(input.SecretId ?? '');
    const arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${region}:${account}:secret:${id}-${suffix(id)}`;
    return { action: `secretsmanager:${operation}`, resources: [arn] };
  }
  const names = operation === 'GetParameters' ? ((input.Names as unknown[]) ?? []) : [input.Name];
  return {
    action: `ssm:${operation}`,
    resources: names.map((n) => {
      const name = String(n ?? '');
      return name.startsWith('arn:') ? name : `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`;
    }),
  };
}

/** Secrets and parameters of local mode. */
export class SecretsService {
  private readonly secrets = new Map<string, { value: string; created: Date }>();
  private readonly parameters = new Map<string, { value: string; modified: Date }>();
  private readonly region: string;
  private readonly account: string;

  constructor(options: SecretsOptions = {}) {
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
  }

  /** Loads (adds or replaces) the entries of a secrets file; throws naming the bad entry. */
  load(file: SecretsFile): void {
    if (file === null || typeof file !== 'object' || Array.isArray(file)) {
      throw new Error('a secrets file is a JSON object with "secrets" and/or "parameters"');
    }
    for (const key of Object.keys(file)) {
      if (key !== 'secrets' && key !== 'parameters') throw new Error(`unknown key "${key}" in the secrets file`);
    }
    for (const [name, value] of Object.entries(file.secrets ?? {})) {
      if (!NAME.test(name)) throw new Error(`secrets["${name}"]: not a Secrets Manager name`);
      if (value === null || value === undefined || value === '') throw new Error(`secrets["${name}"]: empty value`);
      this.secrets.set(name, { value: typeof value === 'string' ? value : JSON.stringify(value), created: new Date() });
    }
    for (const [name, value] of Object.entries(file.parameters ?? {})) {
      if (!PARAMETER.test(name)) throw new Error(`parameters["${name}"]: not an SSM parameter name`);
      if (typeof value !== 'string' || value === '')
        throw new Error(`parameters["${name}"]: must be a non-empty string`);
      this.parameters.set(name, { value, modified: new Date() });
    }
  }

  /** The ARN of a secret name. */
  secretArn(name: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix(name)}`;
  }

  private secretName(id: string): string {
    if (!id.startsWith('arn:')) return id;
    const tail = id.split(':secret:')[1] ?? '';
    // A full ARN ends in -<6 chars>; a partial ARN is the name itself.
    for (const name of this.secrets.keys()) if (tail === `${name}-${suffix(name)}` || tail === name) return name;
    return tail;
  }

  private parameterName(id: string): string {
    if (!id.startsWith('arn:')) return id;
    return `/${id.split(':parameter/')[1] ?? ''}`;
  }

  private parameter(name: string): Record<string, unknown> | undefined {
    const found = this.parameters.get(name) ?? this.parameters.get(name.replace(/^\//, ''));
    if (!found) return undefined;
    return {
      Name: name,
      Type: 'SecureString',
      Value: found.value,
      Version: 1,
      ARN: `arn:aws:ssm:${this.region}:${this.account}:parameter/${name.replace(/^\//, '')}`,
      DataType: 'text',
      LastModifiedDate: found.modified.getTime() / 1000,
    };
  }

  /** Secrets Manager's JSON operations (`X-Amz-Target: secretsmanager.<op>`). */
  secretsManagerOperations(): JsonOperations {
    return {
      GetSecretValue: (input) => {
        const id = requireString(input, 'SecretId', 'InvalidParameterException');
        const name = this.secretName(id);
        const secret = this.secrets.get(name);
        if (!secret)
          throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return {
          ARN: this.secretArn(name),
          Name: name,
          VersionId: createHash('sha256').update(secret.value).digest('hex').slice(0, 32),
          SecretString: secret.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.created.getTime() / 1000,
        };
      },
    };
  }

  /** SSM's JSON operations (`X-Amz-Target: AmazonSSM.<op>`). */
  ssmOperations(): JsonOperations {
    return {
      GetParameter: (input) => {
        const name = this.parameterName(requireString(input, 'Name'));
        const parameter = this.parameter(name);
        if (!parameter) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
        return { Parameter: parameter };
      },
      GetParameters: (input) => {
        const names = input.Names;
        if (
          !Array.isArray(names) ||
          names.length === 0 ||
          names.length > 10 ||
          names.some((n) => typeof n !== 'string')
        ) {
          throw new AwsError('ValidationException', 'Names must list 1 to 10 parameter names');
        }
        const found: unknown[] = [];
        const invalid: string[] = [];
        for (const n of names as string[]) {
          const parameter = this.parameter(this.parameterName(n));
          if (parameter) found.push(parameter);
          else invalid.push(n);
        }
        return { Parameters: found, InvalidParameters: invalid };
      },
    };
  }
}

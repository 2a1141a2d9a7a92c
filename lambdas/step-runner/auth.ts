import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  DEFAULT_SECRET_CACHE_SECONDS,
  parseSecretRef,
  type SecretAuth,
  type ServiceAuth,
} from '../../lib/core/supervision/auth.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { StepError } from './errors.ts';

/**
 * Authentication of outgoing service calls (lib/core/supervision/auth.ts has the spec). Secret values are read through
 * Powertools Parameters, cached per warm runner for the spec's `cache_seconds`, and exist only in the request sent:
 * they are never returned, recorded (the attempt record keeps the request as it was before authentication), logged,
 * or put in an error message. `aws_iam` signs with SigV4 using the step runner's own role (the default credential
 * chain).
 */

/** The secret could not be read (missing, not granted, unreadable): the call is not sent. Not retried by default. */
export const AUTH_UNAVAILABLE = 'Steward.AuthUnavailable';

/** A request as it goes on the wire. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

const secrets = new SecretsProvider();
const parameters = new SSMProvider();
/** The runner's own credentials, through a client it has anyway (the default chain; no second provider bundled). */
const credentials = (): ReturnType<typeof sfn.config.credentials> => sfn.config.credentials();

async function readSecret(service: string, auth: SecretAuth): Promise<string> {
  const ref = parseSecretRef(auth.secret);
  if (!ref) throw new StepError(AUTH_UNAVAILABLE, `Service '${service}': auth.secret is not a secret reference`);
  const maxAge = auth.cache_seconds ?? DEFAULT_SECRET_CACHE_SECONDS;
  let raw: unknown;
  try {
    raw =
      ref.source === 'secretsmanager'
        ? await secrets.get(ref.id, { maxAge })
        : await parameters.get(ref.id, { maxAge, decrypt: true });
  } catch (error) {
    // The error's name says why (AccessDenied, ResourceNotFound); its message is not passed on.
    const cause = (error as { cause?: { name?: string } }).cause?.name ?? (error as Error).name;
    throw new StepError(
      AUTH_UNAVAILABLE,
      `Service '${service}': its credentials (${ref.source} ${ref.name}) could not be read: ${cause}`,
    );
  }
  const text = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : '';
  if (!text) throw new StepError(AUTH_UNAVAILABLE, `Service '${service}': ${ref.source} ${ref.name} is empty`);
  if (auth.json_key === undefined) return text;
  const field = jsonField(text, auth.json_key);
  if (typeof field !== 'string' || field === '') {
    throw new StepError(
      AUTH_UNAVAILABLE,
      `Service '${service}': ${ref.source} ${ref.name} has no text field "${auth.json_key}"`,
    );
  }
  return field;
}

function jsonField(text: string, key: string): unknown {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

function basicCredentials(service: string, text: string): string {
  let user: unknown;
  let password: unknown;
  try {
    const parsed = JSON.parse(text) as { username?: unknown; password?: unknown };
    user = parsed?.username;
    password = parsed?.password;
  } catch {
    const at = text.indexOf(':');
    if (at > 0) [user, password] = [text.slice(0, at), text.slice(at + 1)];
  }
  if (typeof user !== 'string' || typeof password !== 'string') {
    throw new StepError(
      AUTH_UNAVAILABLE,
      `Service '${service}': a basic-auth secret holds {"username", "password"} or user:password`,
    );
  }
  return Buffer.from(`${user}:${password}`).toString('base64');
}

/** Signs a request with SigV4 for `service` in `region` with the runner's credentials. */
async function sign(req: WireRequest, signingName: string, region: string): Promise<WireRequest> {
  const url = new URL(req.url);
  const signer = new SignatureV4({
    service: signingName,
    region,
    credentials,
    sha256: Sha256,
    uriEscapePath: true,
  });
  const body = req.body === undefined || req.method === 'GET' ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = { ...req.headers, host: url.host };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const signed = await signer.sign({
    method: req.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  });
  return { ...req, headers: signed.headers as Record<string, string> };
}

/** Adds the service's authentication to a request (a copy); the input request stays as recorded. */
export async function authorize(
  service: string,
  req: WireRequest,
  auth: ServiceAuth | undefined,
): Promise<WireRequest> {
  if (!auth) return req;
  if (auth.type === 'aws_iam') {
    const region = auth.region ?? process.env.AWS_REGION ?? 'us-east-1';
    try {
      return await sign(req, auth.service, region);
    } catch (error) {
      throw new StepError(AUTH_UNAVAILABLE, `Service '${service}': SigV4 signing failed: ${(error as Error).name}`);
    }
  }
  const value = await readSecret(service, auth);
  if (auth.type === 'bearer') return { ...req, headers: { ...req.headers, authorization: `Bearer ${value}` } };
  if (auth.type === 'basic') {
    return { ...req, headers: { ...req.headers, authorization: `Basic ${basicCredentials(service, value)}` } };
  }
  if (auth.in === 'query') {
    const url = new URL(req.url);
    url.searchParams.set(auth.name ?? 'api_key', value);
    return { ...req, url: url.toString() };
  }
  return { ...req, headers: { ...req.headers, [(auth.name ?? 'x-api-key').toLowerCase()]: value } };
}

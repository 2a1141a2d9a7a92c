/**
 * How the CLI reaches Steward's REST API: local mode by default (`$STEWARD_URL` or http://127.0.0.1:4500), or a
 * deployed stack with `--url`, whose requests are signed with SigV4 from the standard AWS credential chain (IAM is the
 * API's only gate, as for any other AWS API). One client serves `steward api` and the resource commands.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** Default base URL of a local Steward. */
export const DEFAULT_LOCAL_URL = 'http://127.0.0.1:4500';

/** Where the API is and how to sign for it. */
export interface ApiTarget {
  /** A deployed API's URL; absent: local mode. */
  readonly url?: string;
  readonly region?: string;
}

/** An answer of the API: status and parsed JSON body (or the raw text when it is not JSON). */
export interface ApiAnswer<T = unknown> {
  readonly status: number;
  readonly ok: boolean;
  readonly body: T;
  readonly text: string;
}

/** The API could not be reached at all (as opposed to answering an error status). */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
}

/** The region of an API Gateway URL (`<id>.execute-api.<region>.amazonaws.com`), else the fallback. */
export function regionOf(url: URL, fallback: string | undefined): string {
  const m = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.hostname);
  const region = m?.[1] ?? fallback;
  if (!region) throw new Error('cannot tell the region: pass --region or set AWS_REGION');
  return region;
}

/** Signs a request for API Gateway (`execute-api`) with SigV4, hashing with the SDK's own SHA-256. */
export async function signRequest(
  request: { method: string; url: URL; headers: Record<string, string>; body?: string },
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  // A key given more than once is signed with every value, as API Gateway canonicalizes the query it receives.
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.url.searchParams.keys())) {
    const values = request.url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const signed = await signer.sign({
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    port: request.url.port ? Number(request.url.port) : undefined,
    path: request.url.pathname,
    query,
    headers: { ...request.headers, host: request.url.host },
    body: request.body,
  });
  return signed.headers as Record<string, string>;
}

const isLoopback = (url: URL): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** The base URL requests go to. */
export function baseUrl(target: ApiTarget): string {
  return (target.url ?? process.env.STEWARD_URL ?? DEFAULT_LOCAL_URL).replace(/\/+$/, '');
}

/**
 * Sends one request; signs it when the target is a deployed (non-loopback) API. Throws {@link ApiUnreachableError}
 * when nothing answers; any HTTP status is an answer.
 */
export async function callApi<T = unknown>(
  target: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<ApiAnswer<T>> {
  const base = baseUrl(target);
  const url = new URL(base + path);
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  let headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (text !== undefined) headers['content-type'] = 'application/json';
  if (target.url !== undefined && !isLoopback(url)) {
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    const credentials = await defaultProvider()();
    headers = await signRequest(
      { method, url, headers, body: text },
      credentials,
      regionOf(url, target.region ?? process.env.AWS_REGION),
    );
    delete headers.host;
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: text });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    const hint = target.url === undefined ? '; is local mode running (npm start)?' : '';
    throw new ApiUnreachableError(`cannot reach ${base} (${cause})${hint}`);
  }
  const answer = await response.text();
  let parsed: unknown = answer;
  try {
    parsed = answer === '' ? {} : JSON.parse(answer);
  } catch {
    // Not JSON: the raw text is the body.
  }
  return { status: response.status, ok: response.ok, body: parsed as T, text: answer };
}

/** The message of Steward's error envelope (`{"error": {"message", "problems"}}`), else the status line. */
export function errorMessage(answer: ApiAnswer): string {
  const error = (answer.body as { error?: { message?: string; problems?: Array<{ field: string; message: string }> } })
    ?.error;
  if (!error?.message) return `HTTP ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`;
  const problems = (error.problems ?? []).map((p) => `\n  ${p.field}: ${p.message}`).join('');
  return `${error.message} (HTTP ${answer.status})${problems}`;
}

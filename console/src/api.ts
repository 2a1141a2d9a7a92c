/**
 * The console's only way to the backend: the Steward REST API on the same origin (local mode serves both; the
 * `steward console --url` proxy forwards API paths to the deployed stack). Failures become {@link ApiError}s that
 * carry the API's error envelope, so pages can show its message and the field it names.
 */
import type { ErrorBody } from '../../lib/core/api/schemas/responses/common.ts';

/** A failed API call: HTTP status, the envelope's code, message and field, and Retry-After when given. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field the API named (the first problem's field, or `error.field`). */
    readonly field: string | undefined,
    /** Seconds from a `Retry-After` header (429, 503). */
    readonly retryAfter: number | undefined,
    /** The whole `error` object (route details such as a spent restart budget). */
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }

  /** One line for the user: the message, with the field when the API named one. */
  describe(): string {
    const field = this.field && !this.message.includes(this.field) ? ` (field: ${this.field})` : '';
    const retry = this.retryAfter !== undefined ? ` Retry after ${this.retryAfter} s.` : '';
    return `${this.message}${field}${retry}`;
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const envelope = (body as Partial<ErrorBody> | undefined)?.error as
    | (ErrorBody['error'] & { field?: string })
    | undefined;
  const retry = response.headers.get('retry-after');
  const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : undefined;
  if (envelope && typeof envelope.message === 'string') {
    const field = envelope.problems?.[0]?.field ?? (typeof envelope.field === 'string' ? envelope.field : undefined);
    const message = envelope.problems?.length
      ? envelope.problems.map((p) => `${p.field}: ${p.message}`).join('; ')
      : envelope.message;
    return Promise.reject(new ApiError(response.status, envelope.code, message, field, retryAfter, envelope));
  }
  const plain = (body as { message?: unknown } | undefined)?.message;
  const message = typeof plain === 'string' ? plain : `${response.status} ${response.statusText}`.trim();
  return Promise.reject(new ApiError(response.status, 'http_error', message, undefined, retryAfter, {}));
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'network_error',
      `The API did not answer (${(error as Error).message})`,
      undefined,
      undefined,
      {},
    );
  }
  return parse<T>(response);
}

/** Typed calls to the REST API; the response types come from the route table's response schemas. */
export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    call<T>('GET', withQuery(path, query), undefined, signal),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  put: <T>(path: string, body: unknown = {}) => call<T>('PUT', path, body),
  delete: <T>(path: string) => call<T>('DELETE', path),
};

/** `/services/{id}` with the id encoded. */
export const seg = (value: string): string => encodeURIComponent(value);

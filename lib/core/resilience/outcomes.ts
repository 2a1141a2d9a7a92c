import { STEWARD_ERRORS } from '../runtime-contract.ts';

/**
 * How a service call's outcome maps onto Steward's error names (compiled Retry/Catch match them), and what counts
 * against the circuit breaker.
 */

/** The error name for a failing HTTP status, or undefined for a success (1xx–3xx: redirects are not followed). */
export function errorForStatus(status: number): string | undefined {
  if (status >= 500) return STEWARD_ERRORS.http5xx;
  if (status >= 400) return STEWARD_ERRORS.http4xx;
  return undefined;
}

/**
 * Whether an error says the service is unwell. A 4xx says the request was wrong, not the service: it does not count
 * against the breaker (resilience4j would count every exception; Steward's callers would then open circuits on
 * their own mistakes).
 */
export function countsAgainstBreaker(errorName: string): boolean {
  return (
    errorName === STEWARD_ERRORS.http5xx || errorName === STEWARD_ERRORS.timeout || errorName === STEWARD_ERRORS.network
  );
}

/** Responses bigger than this are cut before they enter a Step Functions payload (its limit is 256 KiB). */
export const MAX_OUTPUT_BYTES = 64 * 1024;

/** An output cut to fit, with a marker saying so. */
export interface TruncatedOutput {
  truncated: true;
  original_bytes: number;
  /** The first bytes of the body as text. */
  preview: string;
}

/**
 * Keeps an output under `maxBytes` of JSON. A larger one is replaced by a {@link TruncatedOutput}: a later template
 * reading a field of it then fails loudly instead of reading half a document.
 */
export function limitOutput(value: unknown, maxBytes = MAX_OUTPUT_BYTES): unknown {
  const text = JSON.stringify(value) ?? 'null';
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return value;
  const preview = Buffer.from(text)
    .subarray(0, Math.max(0, maxBytes - 256))
    .toString('utf8');
  return { truncated: true, original_bytes: bytes, preview } satisfies TruncatedOutput;
}

/** Cuts a text to `maxBytes` of UTF-8 for storage in attempt records. */
export function clip(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return `${Buffer.from(text).subarray(0, maxBytes).toString('utf8')}…[truncated]`;
}

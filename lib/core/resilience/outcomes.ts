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

/**
 * Largest step output kept in the run's state: 64 KiB of JSON. Step Functions limits a run's whole state (and every
 * task's input and output) to 256 KiB; with payloads pruned to what each step reads (docs/compiler.md), this keeps
 * room for three such outputs plus the context at any one step.
 */
export const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * The sentence a step fails with when its output is too large to keep in the state, or undefined when it fits. The
 * step fails instead of keeping a cut-down output: a later template would read half a document.
 */
export function outputTooLarge(step: string, value: unknown, maxBytes = MAX_OUTPUT_BYTES): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
  if (bytes <= maxBytes) return undefined;
  return `Step '${step}' returned ${bytes} bytes of JSON; a step output may be at most ${maxBytes} bytes (Step Functions keeps at most 256 KiB of state per run): return less, or store the data elsewhere and return a reference`;
}

/** Cuts a text to `maxBytes` of UTF-8 for storage in attempt records. */
export function clip(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return `${Buffer.from(text).subarray(0, maxBytes).toString('utf8')}…[truncated]`;
}

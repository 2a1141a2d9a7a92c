/**
 * How a `retry_policy` maps to an ASL retrier.
 *
 * The seed's policy `{max_attempts, backoff_base, backoff_multiplier}` means: try at most `max_attempts` times in
 * all; before retry n (n = 1, 2, …) wait `backoff_multiplier × backoff_base^(n−1)` milliseconds. In ASL:
 * - `MaxAttempts` = `max_attempts − 1` (ASL counts retries, not attempts; no retrier when it is 0);
 * - `IntervalSeconds` = ⌈`backoff_multiplier` / 1000⌉, at least 1 (ASL's unit is whole seconds);
 * - `BackoffRate` = `backoff_base`;
 * - `MaxDelaySeconds` = ⌈`max_delay_ms` / 1000⌉, default 300 (a cap on each delay);
 * - `JitterStrategy` = `FULL` unless `jitter: false` (each delay is drawn uniformly from 0 to the computed delay,
 *   so many runs failing together do not retry in lockstep).
 */
import { RETRYABLE_ERRORS, STEWARD_ERRORS } from '../runtime-contract.ts';
import type { AslRetrier } from './asl.ts';
import type { RetryPolicy } from './schema.ts';

/** Errors of the Lambda service itself (throttling, service faults): the function may not have run at all. */
export const LAMBDA_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * The retrier every Lambda-backed Task carries, with or without a `retry_policy` (the defaults of CDK's
 * `LambdaInvoke`, plus full jitter so a burst of throttled runs does not retry in lockstep): 6 retries, 2 s doubling
 * (at most ~126 s in all). These are not step attempts: a throttled invocation never reached the step runner, whose
 * atomic counter is what counts attempts, so `retry_policy.max_attempts` stays the number of calls to the service.
 */
export const LAMBDA_RETRIER: AslRetrier = {
  ErrorEquals: [...LAMBDA_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** Default cap on one retry delay, in seconds. */
export const DEFAULT_MAX_DELAY_SECONDS = 300;

/** The retrier every step Task starts with: a paused run is never retried, its Catch parks it. */
export const PAUSED_RETRIER: AslRetrier = { ErrorEquals: [STEWARD_ERRORS.paused], MaxAttempts: 0 };

/** The ASL retrier for a policy and a list of errors, or undefined when the policy allows no retry. */
export function retrierFor(policy: RetryPolicy, errors: readonly string[]): AslRetrier | undefined {
  const retries = policy.max_attempts - 1;
  if (retries < 1) return undefined;
  return {
    ErrorEquals: [...errors],
    IntervalSeconds: Math.max(1, Math.ceil(policy.backoff_multiplier / 1000)),
    MaxAttempts: retries,
    BackoffRate: policy.backoff_base,
    MaxDelaySeconds:
      policy.max_delay_ms === undefined
        ? DEFAULT_MAX_DELAY_SECONDS
        : Math.max(1, Math.ceil(policy.max_delay_ms / 1000)),
    JitterStrategy: policy.jitter === false ? 'NONE' : 'FULL',
  };
}

/** Errors a step's policy retries, by step type (Lambda's own errors have {@link LAMBDA_RETRIER}). */
export function retryableErrorsFor(stepType: 'service_call' | 'event_wait' | 'sub_workflow'): string[] {
  if (stepType === 'service_call') return [...RETRYABLE_ERRORS];
  if (stepType === 'event_wait') return ['States.Timeout'];
  return [...RETRYABLE_ERRORS, 'States.Timeout'];
}

/** The delays (seconds, before jitter) a retrier waits, one per retry. */
export function retryDelays(retrier: AslRetrier): number[] {
  const out: number[] = [];
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  for (let n = 0; n < (retrier.MaxAttempts ?? 3); n++) {
    const delay = interval * rate ** n;
    out.push(retrier.MaxDelaySeconds === undefined ? delay : Math.min(delay, retrier.MaxDelaySeconds));
  }
  return out;
}

/** Problems with a retrier Step Functions would refuse (asl-validator does not check Retry fields). */
export function retrierProblems(r: AslRetrier): string[] {
  const out: string[] = [];
  if (r.ErrorEquals.length === 0) out.push('ErrorEquals is empty');
  if (r.ErrorEquals.includes('States.ALL') && r.ErrorEquals.length > 1) out.push('States.ALL must appear alone');
  const int = (v: number | undefined, min: number, max: number): boolean =>
    v === undefined || (Number.isInteger(v) && v >= min && v <= max);
  if (!int(r.IntervalSeconds, 1, 99_999_999)) out.push(`IntervalSeconds ${r.IntervalSeconds} out of 1..99999999`);
  if (!int(r.MaxAttempts, 0, 99_999_999)) out.push(`MaxAttempts ${r.MaxAttempts} out of 0..99999999`);
  if (!int(r.MaxDelaySeconds, 1, 31_622_400)) out.push(`MaxDelaySeconds ${r.MaxDelaySeconds} out of 1..31622400`);
  if (r.BackoffRate !== undefined && !(r.BackoffRate >= 1)) out.push(`BackoffRate ${r.BackoffRate} below 1.0`);
  if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE') {
    out.push(`JitterStrategy ${String(r.JitterStrategy)} is not FULL or NONE`);
  }
  return out;
}

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { clip, outputTooLarge } from '../../lib/core/resilience/outcomes.ts';
import {
  RETRYABLE_ERRORS,
  type ServiceCallInput,
  STEWARD_ERRORS,
  type StepRunnerOutput,
} from '../../lib/core/runtime-contract.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { beginAttempt, finishAttempt, stepKey } from '../shared/repositories/steps.ts';
import { type CallOutcome, performCall } from './call.ts';
import { StepError } from './errors.ts';
import { guardStepStart } from './guard.ts';
import { releaseDependents } from './joins.ts';
import { notifyFailure } from './notify.ts';
import { publishStepEvent } from './step-events.ts';

/** Response bodies kept in attempt records (the output itself may be at most MAX_OUTPUT_BYTES, or the step fails). */
const ATTEMPT_BODY_BYTES = 4096;

function attemptRecord(attempt: number, startedAt: Date, outcome: CallOutcome) {
  const completed = new Date(startedAt.getTime() + Math.round(outcome.durationMs));
  return {
    attempt,
    status: outcome.error ? ('failed' as const) : ('completed' as const),
    started_at: startedAt.toISOString(),
    completed_at: completed.toISOString(),
    duration_ms: Math.round(outcome.durationMs),
    request: outcome.request,
    ...(outcome.response
      ? { response: { status: outcome.response.status, body: clip(outcome.response.text, ATTEMPT_BODY_BYTES) } }
      : {}),
    ...(outcome.error ? { error: { name: outcome.error.name, message: outcome.error.message } } : {}),
  };
}

/**
 * A `service_call` step: pause check, count the attempt, call the service through its breaker, record the attempt and
 * the step, publish the step events. A failure is thrown under its Steward error name, after the notification when it
 * is the last attempt (or, with `continue`, returned as `failed_continued`).
 */
export async function runServiceCall(input: ServiceCallInput): Promise<StepRunnerOutput> {
  await guardStepStart(input.execution_id, input.step);
  const key = stepKey(input.step, input.item);
  const startedAt = new Date();
  const { attempt } = await beginAttempt({
    executionId: input.execution_id,
    workflowId: input.workflow_id,
    step: input.step,
    stepKey: key,
    input: { request: input.request, ...(input.item === undefined ? {} : { item: input.item }) },
    ...(input.compensation ? { compensation: input.compensation } : {}),
    now: startedAt,
  });
  const ref = { input, attempt, stepKey: key };
  await publishStepEvent('workflow.step_started', ref, {});
  const called = await performCall(input.request, input, { breaker: true, purpose: 'call', stepKey: key });
  const tooLarge = called.error ? undefined : outputTooLarge(input.step, called.response?.body ?? null);
  const outcome = tooLarge ? { ...called, error: new StepError(STEWARD_ERRORS.outputTooLarge, tooLarge) } : called;
  const record = attemptRecord(attempt, startedAt, outcome);
  metrics.addMetric('workflow_step_execution_duration_seconds', MetricUnit.Seconds, outcome.durationMs / 1000);

  if (!outcome.error) {
    const output = outcome.response?.body ?? null;
    await finishAttempt({
      executionId: input.execution_id,
      stepKey: key,
      record,
      status: 'completed',
      output,
      now: new Date(),
    });
    // Joining dependents are released as soon as the record is written: their start must not wait for the event.
    await Promise.all([
      publishStepEvent('workflow.step_completed', ref, { duration_ms: Math.round(outcome.durationMs) }),
      input.release ? releaseDependents(input.execution_id, input.release, input.item) : undefined,
    ]);
    return { status: 'completed', output };
  }

  const error = outcome.error;
  metrics.addMetric('StepErrors', MetricUnit.Count, 1);
  // The last attempt: the retry layer will not try again, because attempts are spent or the error is not retryable.
  const last = attempt >= input.max_attempts || !RETRYABLE_ERRORS.includes(error.name);
  const details = { error: error.name, cause: error.message, attempt, last_attempt: last };
  // One status everywhere: the step record, the event and $.steps all say failed_continued when the run goes on.
  const continues = last && (input.notify?.continue === true || input.continue_on_failure === true);
  await finishAttempt({
    executionId: input.execution_id,
    stepKey: key,
    record,
    status: continues ? 'failed_continued' : 'failed',
    error: details,
    now: new Date(),
  });
  await publishStepEvent('workflow.step_failed', ref, {
    ...details,
    status: continues ? 'failed_continued' : 'failed',
  });
  if (last && input.notify) {
    await notifyFailure(input, input.notify, { Error: error.name, Cause: error.message });
  }
  if (continues) {
    logger.info('Step failed; the workflow continues', { step: input.step, error: error.name });
    if (input.release) await releaseDependents(input.execution_id, input.release, input.item);
    return { status: 'failed_continued', output: { error: error.name, cause: error.message } };
  }
  throw new StepError(error.name, error.message);
}

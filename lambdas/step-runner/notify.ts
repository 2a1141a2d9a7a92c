import type { NotifyInput, ServiceRequest, StepRunnerOutput } from '../../lib/core/runtime-contract.ts';
import { logger } from '../shared/powertools.ts';
import { stepKey } from '../shared/repositories/steps.ts';
import { type CallOutcome, performCall } from './call.ts';

type Run = Pick<
  NotifyInput,
  'execution_id' | 'workflow_id' | 'correlation_id' | 'started_at' | 'context' | 'steps' | 'item' | 'step'
>;

/**
 * Sends a failure notification to a target service (the seed's `notify` handler). The body carries the execution,
 * the step and the error; a body template on the handler adds its fields on top. Not behind the circuit breaker: a
 * notification is rare and must not be refused because the same service failed elsewhere.
 */
export async function notifyFailure(
  run: Run,
  request: ServiceRequest,
  error: { Error?: string; Cause?: string },
): Promise<CallOutcome> {
  const outcome = await performCall(request, run, {
    breaker: false,
    purpose: 'notify',
    stepKey: stepKey(run.step, run.item),
    bodyOverride: (resolved) => ({
      execution_id: run.execution_id,
      workflow_id: run.workflow_id,
      correlation_id: run.correlation_id,
      step: run.step,
      error: { name: error.Error ?? 'States.TaskFailed', message: error.Cause ?? '' },
      ...(resolved !== null && typeof resolved === 'object' && !Array.isArray(resolved) ? resolved : {}),
    }),
  });
  if (outcome.error) {
    logger.warn('Notification failed', { target: request.service, error: outcome.error.message });
  }
  return outcome;
}

/** The `notify` kind (a Catch route for steps that are not service calls, e.g. an `event_wait` that timed out). */
export async function runNotify(input: NotifyInput): Promise<StepRunnerOutput> {
  const outcome = await notifyFailure(input, input.request, input.error);
  // The notification's own failure is thrown so Step Functions can retry it; the step's error stays in $.error.
  if (outcome.error) throw outcome.error;
  return { status: 'completed', output: outcome.response?.body ?? null };
}

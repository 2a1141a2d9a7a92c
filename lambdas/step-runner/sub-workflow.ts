import { createHash } from 'node:crypto';
import type { StepRunnerOutput, SubWorkflowInput } from '../../lib/core/runtime-contract.ts';
import { HttpError } from '../shared/errors.ts';
import { beginAttempt, finishStep, stepKey } from '../shared/repositories/steps.ts';
import { startExecution } from '../shared/start-execution.ts';
import { StepError } from './errors.ts';
import { guardStepStart } from './guard.ts';

/** A child run that could not be started (unknown workflow, inactive, concurrency limit reached …). */
export const SUB_WORKFLOW_REJECTED = 'Steward.SubWorkflowRejected';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Starts a child workflow through the one start path, with `parent` = this step's task token; the status handler
 * answers the token when the child ends. The idempotency key is derived from the parent run, the step and the token,
 * so a repeated invocation of this task starts at most one child.
 */
export async function runSubWorkflow(input: SubWorkflowInput): Promise<StepRunnerOutput> {
  await guardStepStart(input.execution_id, input.step);
  // The parent's step record, like a service call's: running while the child runs, closed when it ends.
  const key = stepKey(input.step, input.item);
  const { attempt } = await beginAttempt({
    executionId: input.execution_id,
    workflowId: input.workflow_id,
    step: input.step,
    stepKey: key,
    input: {
      workflow: input.workflow,
      ...(input.version ? { version: input.version } : {}),
      context: input.input,
      ...(input.item === undefined ? {} : { item: input.item }),
    },
    now: new Date(),
  });
  const tokenHash = createHash('sha256').update(input.task_token).digest('base64url').slice(0, 16);
  try {
    const outcome = await startExecution({
      ...(UUID.test(input.workflow) ? { workflow_id: input.workflow } : { workflow_name: input.workflow }),
      ...(input.version ? { version: input.version } : {}),
      correlation_id: input.correlation_id,
      context: input.input,
      idempotency_key: `${input.execution_id}/${input.step}/${tokenHash}`,
      parent: {
        execution_id: input.execution_id,
        step: input.step,
        task_token: input.task_token,
        step_key: key,
        attempt,
      },
      caller: `steward:execution/${input.execution_id}`,
    });
    return {
      status: 'completed',
      output: { execution_id: outcome.record.execution_id, created: outcome.created, queued: outcome.queued },
    };
  } catch (error) {
    if (error instanceof HttpError) {
      await finishStep({
        executionId: input.execution_id,
        stepKey: key,
        attempt,
        status: 'failed',
        error: { error: SUB_WORKFLOW_REJECTED, cause: error.message, attempt },
        now: new Date(),
      });
      throw new StepError(SUB_WORKFLOW_REJECTED, error.message, { cause: error });
    }
    throw error;
  }
}

import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from '../shared/clients/sfn.ts';
import { ConflictError, TooManyRequestsError, ValidationError } from '../shared/errors.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import { acquireSlot, releaseSlot } from '../shared/repositories/concurrency.ts';
import { clearHeldSlot, transitionExecution } from '../shared/repositories/executions.ts';
import { listExecutionSteps } from '../shared/repositories/step-queries.ts';
import { getWorkflow } from '../shared/repositories/workflows.ts';
import { type StartRequest, startExecution as start } from '../shared/start-execution.ts';
import { illegal, loadExecution, requireStandard } from './commands.ts';
import { executionView, stepParam } from './view.ts';

type StartBody = Pick<
  StartRequest,
  'workflow_id' | 'workflow_name' | 'version' | 'correlation_id' | 'context' | 'idempotency_key'
>;

/** POST /executions: 201 with a new run, 200 with the run an earlier start under the same key created. */
export async function startExecution(request: ApiRequest): Promise<ApiResult> {
  const body = request.body as StartBody;
  const header = request.headers['idempotency-key'];
  if (header !== undefined && (header.length < 1 || header.length > 256)) {
    throw new ValidationError([{ field: 'header.Idempotency-Key', message: 'must be 1 to 256 characters' }]);
  }
  if (header !== undefined && body.idempotency_key !== undefined && header !== body.idempotency_key) {
    throw new ValidationError([
      { field: 'body.idempotency_key', message: 'differs from the Idempotency-Key header: send one of them' },
    ]);
  }
  const outcome = await start({ ...body, idempotency_key: header ?? body.idempotency_key, caller: request.caller });
  if (outcome.created) {
    await recordAudit(request.caller, 'execution.start', `execution/${outcome.record.execution_id}`, {
      workflow_id: outcome.record.workflow_id,
      queued: outcome.queued,
    });
  }
  return { status: outcome.created ? 201 : 200, body: executionView(outcome.record) };
}

/**
 * POST /executions/{id}/steps/{step}/retry: continues a run that failed at this step (RedriveExecution): the
 * step runs again and earlier completed steps are not called again.
 */
export async function retryStep(request: ApiRequest): Promise<ApiResult> {
  const record = await loadExecution(request);
  const step = stepParam(request.params);
  requireStandard(record, 'retry');
  if (record.status !== 'failed') throw illegal('retry', record);
  const failedAt = record.error_details?.step;
  if (failedAt !== step) {
    throw new ConflictError(`the execution failed at step '${failedAt ?? 'unknown'}', not at '${step}'`, {
      failed_step: failedAt ?? null,
    });
  }
  const steps = await listExecutionSteps(record.execution_id);
  if (steps.some((s) => s.status === 'compensated')) {
    throw new ConflictError(
      'the failure was compensated: the completed steps were undone, so the run cannot continue',
      {
        status: record.status,
      },
    );
  }
  const workflow = await getWorkflow(record.workflow_id);
  const max = workflow?.definition.concurrency?.max_running;
  const gotSlot = max !== undefined && (await acquireSlot(record.workflow_id, max));
  if (max !== undefined && !gotSlot) throw new TooManyRequestsError(`Workflow already runs ${max} executions`);
  const out = await transitionExecution(record.execution_id, ['failed'], 'running', {
    set: { retried_by: request.caller, holds_slot: gotSlot || undefined },
    // The failure is over once the run continues; it is put back below if Step Functions refuses the redrive.
    remove: ['completed_at', 'error_details'],
  });
  if (!out.ok) {
    if (gotSlot) await releaseSlot(record.workflow_id);
    throw illegal('retry', out.current ?? record);
  }
  try {
    await sfn.send(new RedriveExecutionCommand({ executionArn: record.sfn_execution_arn }));
  } catch (error) {
    // Put the record back as it was: the run did not continue.
    await transitionExecution(record.execution_id, ['running'], 'failed', {
      set: { error_details: record.error_details, completed_at: record.completed_at },
    });
    if (gotSlot && (await clearHeldSlot(record.execution_id))) await releaseSlot(record.workflow_id);
    const name = (error as Error)?.name;
    // ExecutionDoesNotExist: Step Functions no longer keeps the run (90 days after it closed), so nothing to redrive.
    if (name === 'ExecutionNotRedrivable' || name === 'ExecutionLimitExceeded' || name === 'ExecutionDoesNotExist') {
      throw new ConflictError(`Step Functions cannot redrive this execution: ${(error as Error).message}`);
    }
    throw error;
  }
  await recordAudit(request.caller, 'execution.retry', `execution/${record.execution_id}`, {
    step,
    reason: (request.body as { reason?: string } | undefined)?.reason,
  });
  return { body: { ...executionView(out.record), retried_step: step } };
}

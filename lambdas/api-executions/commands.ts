import { DescribeExecutionCommand, SendTaskSuccessCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { COMMAND_TRANSITIONS, checkCommand, type ExecutionCommand } from '../../lib/core/execution/status.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { ConflictError, HttpError, NotFoundError } from '../shared/errors.ts';
import { publish } from '../shared/events.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { logger } from '../shared/powertools.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import {
  type ExecutionRecord,
  getExecution,
  type Patch,
  patchExecution,
  transitionExecution,
} from '../shared/repositories/executions.ts';
import { afterEnd, applyFact, workflowEvent } from '../status-handler/lifecycle.ts';
import { executionIdParam, executionView } from './view.ts';

/** Reads the execution a route names, or 404. */
export async function loadExecution(request: ApiRequest): Promise<ExecutionRecord> {
  const id = executionIdParam(request.params);
  const record = await getExecution(id);
  if (!record) throw new NotFoundError('Execution', id);
  return record;
}

/** 409 naming the current status and the statuses the command is allowed from. */
export function illegal(command: ExecutionCommand, record: ExecutionRecord): ConflictError {
  const check = checkCommand(command, record.status);
  const reason = check.ok ? `the execution changed to ${record.status} meanwhile` : check.reason;
  return new ConflictError(reason, {
    status: record.status,
    allowed_from: check.ok ? check.from : check.allowedFrom,
  });
}

/** Express runs have no callbacks, redrive or history: the commands that need them answer 409 saying so. */
export function requireStandard(record: ExecutionRecord, what: string): void {
  if (record.execution_type === 'express') {
    throw new ConflictError(`${what} needs a Standard workflow: this execution runs on an Express state machine`, {
      execution_type: 'express',
    });
  }
}

/** Applies a command's transition or throws 409 with the current status. */
async function command(
  request: ApiRequest,
  name: ExecutionCommand,
  patch: (record: ExecutionRecord, reason: string | undefined) => Patch,
): Promise<{ record: ExecutionRecord; previous: ExecutionRecord }> {
  const record = await loadExecution(request);
  requireStandard(record, name);
  const check = checkCommand(name, record.status);
  if (!check.ok) throw illegal(name, record);
  const reason = (request.body as { reason?: string } | undefined)?.reason;
  const out = await transitionExecution(record.execution_id, check.from, check.to, patch(record, reason));
  if (!out.ok) throw illegal(name, out.current ?? record);
  await recordAudit(request.caller, `execution.${name}`, `execution/${record.execution_id}`, {
    from: out.previous.status,
    to: out.record.status,
    reason,
  });
  return out;
}

const tokenGone = (error: unknown): boolean =>
  ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes((error as Error)?.name);

/** PUT /executions/{id}/pause: Running → Paused; the next step parks before calling its service. */
export async function pauseExecution(request: ApiRequest): Promise<ApiResult> {
  const { record } = await command(request, 'pause', (_r, reason) => ({
    set: { pause_requested_by: request.caller, pause_reason: reason },
  }));
  await publish([workflowEvent('workflow.paused', record, { requested_by: request.caller })]);
  return { body: executionView(record) };
}

/** PUT /executions/{id}/resume: Paused → Running, then the parked run's token is answered (if it parked yet). */
export async function resumeExecution(request: ApiRequest): Promise<ApiResult> {
  const { record, previous } = await command(request, 'resume', () => ({
    remove: ['pause_token', 'pause_requested_by', 'pause_reason'],
  }));
  if (previous.pause_token) {
    try {
      await sfn.send(new SendTaskSuccessCommand({ taskToken: previous.pause_token, output: '{}' }));
    } catch (error) {
      if (!tokenGone(error)) throw error;
      logger.warn('Pause token already closed', { execution_id: record.execution_id });
    }
  }
  await publish([workflowEvent('workflow.resumed', record, { requested_by: request.caller })]);
  return { body: executionView(record) };
}

/**
 * PUT /executions/{id}/cancel: {Created, Running, Paused, Failed} → Cancelled.
 *
 * A run that is live in Step Functions is stopped FIRST and recorded `cancelled` only once Step Functions reports it
 * aborted, so the record and the history always tell the same story. If the run ended on its own before the stop
 * landed (a wait that succeeded a moment earlier), that fact is applied and the answer is 409 with the real status;
 * a run that ended `failed` can then be cancelled (withdrawn from retry) by sending the command again.
 */
export async function cancelExecution(request: ApiRequest): Promise<ApiResult> {
  const record = await loadExecution(request);
  requireStandard(record, 'cancel');
  if (!checkCommand('cancel', record.status).ok) throw illegal('cancel', record);
  const reason = (request.body as { reason?: string } | undefined)?.reason ?? 'cancelled over the API';
  const live = record.sfn_execution_arn !== undefined && record.status !== 'failed';
  const stoppedAt = live ? await stopInStepFunctions(record, reason) : new Date().toISOString();
  const out = await transitionExecution(record.execution_id, COMMAND_TRANSITIONS.cancel.from, 'cancelled', {
    set: { cancel_reason: reason, cancelled_by: request.caller, cancelled_at: stoppedAt },
    remove: ['pause_token'],
  });
  const audit = (from: string): Promise<unknown> =>
    recordAudit(request.caller, 'execution.cancel', `execution/${record.execution_id}`, {
      from,
      to: 'cancelled',
      reason,
    });
  if (!out.ok) {
    const current = out.current;
    // The status handler applied the ABORTED fact first (and did what the end implies): the same story, told by the
    // other writer; only who cancelled is left to add. If another cancel named itself already, this one is late.
    if (live && current?.status === 'cancelled' && current.cancelled_by === undefined) {
      const named = await patchExecution(record.execution_id, current.seq, { set: { cancelled_by: request.caller } });
      if (named.ok) {
        await audit(record.status);
        return { body: executionView(named.record) };
      }
    }
    throw illegal('cancel', (await getExecution(record.execution_id)) ?? current ?? record);
  }
  await audit(out.previous.status);
  await afterEnd(out.record);
  return { body: executionView(out.record) };
}

/**
 * Stops the run in Step Functions and reads back how it ended. ABORTED → the stop time. Anything else means the run
 * ended on its own first: that fact is applied to the record and the caller gets a 409 naming the real status.
 */
async function stopInStepFunctions(record: ExecutionRecord, reason: string): Promise<string> {
  const executionArn = record.sfn_execution_arn!;
  try {
    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Steward.Cancelled', cause: reason.slice(0, 32_000) }),
    );
  } catch (error) {
    // Step Functions never had it (the start failed after the record was written): nothing to stop.
    if ((error as Error)?.name === 'ExecutionDoesNotExist') return new Date().toISOString();
    throw error;
  }
  const ended = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const at = ended.stopDate ?? new Date();
  if (ended.status === 'ABORTED') return at.toISOString();
  if (ended.status === 'RUNNING' || ended.status === 'PENDING_REDRIVE' || ended.status === undefined) {
    // StopExecution returned but the run still runs: leave the record as it is; the caller may send cancel again.
    throw new HttpError(503, 'Step Functions has not stopped the execution yet: send cancel again', 'stop_pending', {
      status: record.status,
    });
  }
  const current = await applyFact(record.execution_id, {
    status: ended.status,
    at: at.getTime(),
    executionArn,
    output: ended.output,
    error: ended.error,
    cause: ended.cause,
  });
  const status = current?.status ?? record.status;
  throw new ConflictError(`the execution ended (${status}) before it could be cancelled`, {
    status,
    allowed_from: COMMAND_TRANSITIONS.cancel.from,
  });
}

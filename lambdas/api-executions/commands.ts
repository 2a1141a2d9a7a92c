import { SendTaskSuccessCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { checkCommand, type ExecutionCommand } from '../../lib/core/execution/status.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { ConflictError, NotFoundError } from '../shared/errors.ts';
import { publish } from '../shared/events.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { logger } from '../shared/powertools.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import {
  type ExecutionRecord,
  getExecution,
  type Patch,
  transitionExecution,
} from '../shared/repositories/executions.ts';
import { afterEnd, workflowEvent } from '../status-handler/lifecycle.ts';
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

/** PUT /executions/{id}/cancel: {Created, Running, Paused, Failed} → Cancelled, then StopExecution. */
export async function cancelExecution(request: ApiRequest): Promise<ApiResult> {
  const { record, previous } = await command(request, 'cancel', (_r, reason) => ({
    set: {
      cancel_reason: reason ?? 'cancelled over the API',
      cancelled_by: request.caller,
      completed_at: new Date().toISOString(),
    },
    remove: ['pause_token'],
  }));
  if (record.sfn_execution_arn && (previous.status === 'running' || previous.status === 'paused')) {
    try {
      await sfn.send(
        new StopExecutionCommand({
          executionArn: record.sfn_execution_arn,
          error: 'Steward.Cancelled',
          cause: (record.cancel_reason ?? '').slice(0, 32_000),
        }),
      );
    } catch (error) {
      // Already ended in Step Functions: the status handler sees that fact, and cancelled stays (terminal).
      if ((error as Error)?.name !== 'ExecutionDoesNotExist') throw error;
    }
  }
  await afterEnd(record);
  return { body: executionView(record) };
}

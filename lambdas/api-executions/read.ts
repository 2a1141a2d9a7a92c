import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { mergeHistory, type SfnHistoryEvent } from '../../lib/core/execution/history.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { ApiRequest, ApiResult } from '../shared/http.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import { listAudit } from '../shared/repositories/audit.ts';
import {
  type ExecutionFilter,
  listAllExecutions,
  listExecutions as listRecords,
} from '../shared/repositories/executions.ts';
import {
  getExecutionStep,
  getStepById,
  listExecutionAttempts,
  listExecutionSteps,
  listStepAttempts,
  listSteps as listStepRecords,
} from '../shared/repositories/step-queries.ts';
import { loadExecution, requireStandard } from './commands.ts';
import { executionView, pageBody, pageOf, stepParam } from './view.ts';

/** GET /executions/{id} */
export async function getExecution(request: ApiRequest): Promise<ApiResult> {
  return { body: executionView(await loadExecution(request)) };
}

/**
 * GET /executions: by workflow, correlation id or status through their indexes. With none of these, every run in
 * the time range newest first, merged from the status partitions of the start-time index; the token holds the
 * start key the page ended at.
 */
export async function listExecutions(request: ApiRequest): Promise<ApiResult> {
  const q = request.query as ExecutionFilter & { limit?: string; next_token?: string };
  const filter: ExecutionFilter = {
    workflow_id: q.workflow_id,
    status: q.status,
    correlation_id: q.correlation_id,
    from: q.from,
    to: q.to,
  };
  const limit = parseLimit(q.limit);
  if (filter.workflow_id || filter.correlation_id || filter.status) {
    const startKey = decodeNextToken(q.next_token);
    if (startKey !== undefined && 'b' in startKey) {
      throw new ValidationError([{ field: 'query.next_token', message: 'is a token of the unfiltered listing' }]);
    }
    const page = await listRecords(filter, limit, startKey);
    return { body: pageBody('executions', page.items.map(executionView), page.lastKey) };
  }
  const token = decodeNextToken(q.next_token) as { b?: unknown } | undefined;
  if (token !== undefined && typeof token.b !== 'string') {
    throw new ValidationError([{ field: 'query.next_token', message: 'is not a token of this listing' }]);
  }
  const page = await listAllExecutions(filter, limit, token?.b as string | undefined);
  return {
    body: {
      executions: page.items.map(executionView),
      count: page.items.length,
      next_token: encodeNextToken(page.next === undefined ? undefined : { b: page.next }) ?? null,
    },
  };
}

/** GET /executions/{id}/state: status, current step, per-step states, context and step outputs. */
export async function getExecutionState(request: ApiRequest): Promise<ApiResult> {
  const record = await loadExecution(request);
  const steps = await listExecutionSteps(record.execution_id);
  const outputs: Record<string, unknown> = {};
  for (const s of steps) if (s.status === 'completed' || s.status === 'failed_continued') outputs[s.step] = s.output;
  return {
    body: {
      execution_id: record.execution_id,
      status: record.status,
      current_step: record.current_step ?? null,
      context: record.context,
      steps: steps.map((s) => ({
        step: s.step,
        step_id: s.step_id,
        status: s.status,
        attempts: s.attempts ?? 0,
        started_at: s.started_at,
        completed_at: s.completed_at,
      })),
      outputs,
      result: record.result,
      error_details: record.error_details,
      updated_at: record.updated_at,
    },
  };
}

/**
 * GET /executions/{id}/history: Step Functions' history, mapped, merged with Steward's step attempts. Each page
 * holds up to `limit` entries of each source; the token carries both positions.
 */
export async function getExecutionHistory(request: ApiRequest): Promise<ApiResult> {
  const record = await loadExecution(request);
  requireStandard(record, 'history');
  const limit = parseLimit(request.query.limit);
  const token = decodeNextToken(request.query.next_token) as { s?: string; a?: number; sd?: boolean } | undefined;
  let sfnEvents: SfnHistoryEvent[] = [];
  let sfnNext: string | undefined;
  const sfnDone = token?.sd === true || !record.sfn_execution_arn;
  if (!sfnDone && record.sfn_execution_arn) {
    const out = await sfn
      .send(
        new GetExecutionHistoryCommand({
          executionArn: record.sfn_execution_arn,
          maxResults: limit,
          nextToken: token?.s,
        }),
      )
      .catch((error: Error) => {
        // A token that passed our checksum but not Step Functions' (e.g. one from another execution).
        if (error?.name === 'InvalidToken') {
          throw new ValidationError([{ field: 'query.next_token', message: 'is not a token this API issued' }]);
        }
        // Step Functions keeps a closed run's history 90 days; a record kept longer has its step attempts only.
        if (error?.name === 'ExecutionDoesNotExist') return { events: [], nextToken: undefined };
        throw error;
      });
    sfnEvents = (out.events ?? []) as SfnHistoryEvent[];
    sfnNext = out.nextToken;
  }
  const offset = typeof token?.a === 'number' && token.a >= 0 ? token.a : 0;
  const attempts = await listExecutionAttempts(record.execution_id);
  const slice = attempts.slice(offset, offset + limit);
  const moreAttempts = offset + limit < attempts.length;
  const next =
    sfnNext || moreAttempts ? { ...(sfnNext ? { s: sfnNext } : { sd: true }), a: offset + slice.length } : undefined;
  return {
    body: {
      execution_id: record.execution_id,
      entries: mergeHistory(sfnEvents, slice),
      next_token: encodeNextToken(next) ?? null,
    },
  };
}

/** GET /executions/{id}/steps */
export async function listStepsOfExecution(request: ApiRequest): Promise<ApiResult> {
  const record = await loadExecution(request);
  const steps = await listExecutionSteps(record.execution_id);
  return { body: { execution_id: record.execution_id, steps, count: steps.length } };
}

/** GET /executions/{id}/steps/{step}/retries: the step's attempts, in order. */
export async function listStepRetries(request: ApiRequest): Promise<ApiResult> {
  const record = await loadExecution(request);
  const step = stepParam(request.params);
  const [item, attempts] = await Promise.all([
    getExecutionStep(record.execution_id, step),
    listStepAttempts(record.execution_id, step),
  ]);
  if (!item && !attempts.length) throw new NotFoundError(`Step of execution ${record.execution_id}`, step);
  return {
    body: { execution_id: record.execution_id, step, status: item?.status ?? null, attempts, count: attempts.length },
  };
}

/** GET /steps */
export async function listSteps(request: ApiRequest): Promise<ApiResult> {
  const { limit, startKey } = pageOf(request.query);
  const q = request.query;
  const page = await listStepRecords(
    { workflow_id: q.workflow_id, status: q.status, from: q.from, to: q.to },
    limit,
    startKey,
  );
  return { body: pageBody('steps', page.items, page.lastKey) };
}

/** GET /steps/{step_id} */
export async function getStep(request: ApiRequest): Promise<ApiResult> {
  const id = stepParam(request.params);
  const step = await getStepById(id);
  if (!step) throw new NotFoundError('Step', id);
  return { body: step };
}

/** GET /audit */
export async function listAuditRecords(request: ApiRequest): Promise<ApiResult> {
  const { limit, startKey } = pageOf(request.query);
  const q = request.query;
  const page = await listAudit({ target: q.target, from: q.from, to: q.to }, limit, startKey);
  return { body: pageBody('records', page.items, page.lastKey) };
}

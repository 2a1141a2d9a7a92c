import { isUuid } from '../../lib/core/execution/ids.ts';
import { ValidationError } from '../shared/errors.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../shared/pagination.ts';
import type { ExecutionRecord } from '../shared/repositories/executions.ts';

/** The API's view of an execution (the seed's shape plus lifecycle details); internal attributes stay inside. */
export function executionView(r: ExecutionRecord): Record<string, unknown> {
  return {
    execution_id: r.execution_id,
    workflow_id: r.workflow_id,
    workflow_name: r.workflow_name,
    workflow_version: r.workflow_version,
    correlation_id: r.correlation_id,
    status: r.status,
    queued: r.status === 'created' && r.queued_at !== undefined,
    started_at: r.started_at,
    updated_at: r.updated_at,
    completed_at: r.completed_at,
    cancelled_at: r.cancelled_at,
    current_step: r.current_step ?? null,
    context: r.context,
    result: r.result,
    error_details: r.error_details,
    pause_requested_by: r.pause_requested_by,
    cancel_reason: r.cancel_reason,
    cancelled_by: r.cancelled_by,
    parent: r.parent ? { execution_id: r.parent.execution_id, step: r.parent.step } : undefined,
    execution_type: r.execution_type,
    seq: r.seq,
  };
}

/** Checks an execution id path parameter (ids are UUIDs). */
export function executionIdParam(params: Record<string, string>): string {
  const id = params.execution_id ?? '';
  if (!isUuid(id)) throw new ValidationError([{ field: 'path.execution_id', message: 'must be a UUID' }]);
  return id.toLowerCase();
}

/** Checks a step name path parameter. */
export function stepParam(params: Record<string, string>, field = 'step_id'): string {
  const step = params[field] ?? '';
  if (step.length < 1 || step.length > 128) {
    throw new ValidationError([{ field: `path.${field}`, message: 'must be a step name of 1 to 128 characters' }]);
  }
  return step;
}

/** Limit and start key of a paginated request. */
export function pageOf(query: Record<string, string | undefined>): {
  limit: number;
  startKey?: Record<string, unknown>;
} {
  return { limit: parseLimit(query.limit), startKey: decodeNextToken(query.next_token) };
}

/** A page in the API's shape. */
export function pageBody<T>(name: string, items: T[], lastKey?: Record<string, unknown>): Record<string, unknown> {
  return { [name]: items, count: items.length, next_token: encodeNextToken(lastKey) ?? null };
}

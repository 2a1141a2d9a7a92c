/** Response schemas of the execution, step and audit routes. */
import * as z from 'zod';
import { EXECUTION_STATUSES } from '../../../execution/status.ts';
import { anyJson, nextToken, openObject, timestamp } from './common.ts';

/** A run: the seed's shape plus lifecycle details. */
export const executionView = z.object({
  execution_id: z.string().min(1),
  workflow_id: z.string().min(1),
  workflow_name: z.string(),
  workflow_version: z.string(),
  correlation_id: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  /** Created and waiting for a slot of the workflow's concurrency limit. */
  queued: z.boolean(),
  started_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.optional(),
  cancelled_at: timestamp.optional(),
  current_step: z.string().nullable(),
  context: openObject,
  result: anyJson.optional(),
  error_details: z.looseObject({ error: z.string().optional(), cause: z.string().optional() }).optional(),
  pause_requested_by: z.string().optional(),
  cancel_reason: z.string().optional(),
  cancelled_by: z.string().optional(),
  parent: z.object({ execution_id: z.string(), step: z.string() }).optional(),
  execution_type: z.enum(['standard', 'express']),
  seq: z.number().int(),
});
export type ExecutionView = z.infer<typeof executionView>;

/** `POST /executions/{execution_id}/steps/{step_id}/retry`: the run, continued, and the step that runs again. */
export const retryStepResponse = executionView.extend({ retried_step: z.string() });
export type RetryStepResponse = z.infer<typeof retryStepResponse>;

/** `GET /executions`. */
export const executionPage = z.object({
  executions: z.array(executionView),
  count: z.number().int(),
  next_token: nextToken,
});
export type ExecutionPage = z.infer<typeof executionPage>;

/** `GET /executions/{execution_id}/state`. */
export const executionStateResponse = z.object({
  execution_id: z.string().min(1),
  status: z.enum(EXECUTION_STATUSES),
  current_step: z.string().nullable(),
  context: openObject,
  steps: z.array(
    z.object({
      step: z.string(),
      step_id: z.string().optional(),
      status: z.string(),
      attempts: z.number().int(),
      started_at: timestamp.optional(),
      completed_at: timestamp.optional(),
    }),
  ),
  outputs: z.record(z.string(), anyJson),
  result: anyJson.optional(),
  error_details: openObject.optional(),
  updated_at: timestamp,
});
export type ExecutionStateResponse = z.infer<typeof executionStateResponse>;

/** One entry of a run's history: a Step Functions event or one of Steward's step attempts. */
export const historyEntry = z.object({
  at: timestamp,
  source: z.enum(['step_functions', 'steward']),
  kind: z.string(),
  state: z.string().optional(),
  event_id: z.number().optional(),
  attempt: z.number().optional(),
  status: z.string().optional(),
  duration_ms: z.number().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

/** `GET /executions/{execution_id}/history`. */
export const executionHistoryResponse = z.object({
  execution_id: z.string().min(1),
  entries: z.array(historyEntry),
  next_token: nextToken,
});
export type ExecutionHistoryResponse = z.infer<typeof executionHistoryResponse>;

/** A step of a run (a map iteration's step has one per item). */
export const stepView = z.looseObject({
  step_id: z.string().min(1),
  execution_id: z.string().min(1),
  workflow_id: z.string().min(1),
  step: z.string(),
  status: z.string(),
  attempts: z.number().int().optional(),
  started_at: timestamp.optional(),
  completed_at: timestamp.optional(),
  input: anyJson.optional(),
  output: anyJson.optional(),
  error_details: anyJson.optional(),
  compensation: anyJson.optional(),
});
export type StepView = z.infer<typeof stepView>;

/** `GET /executions/{execution_id}/steps`. */
export const executionStepsResponse = z.object({
  execution_id: z.string().min(1),
  steps: z.array(stepView),
  count: z.number().int(),
});
export type ExecutionStepsResponse = z.infer<typeof executionStepsResponse>;

/** `GET /steps`. */
export const stepPage = z.object({ steps: z.array(stepView), count: z.number().int(), next_token: nextToken });
export type StepPage = z.infer<typeof stepPage>;

/** One attempt of a step: the request sent, the answer or error, and its duration. */
export const attemptView = z.looseObject({
  attempt: z.number().int(),
  status: z.string(),
  started_at: timestamp,
  completed_at: timestamp.optional(),
  duration_ms: z.number().optional(),
  request: anyJson.optional(),
  response: anyJson.optional(),
  error: anyJson.optional(),
});

/** `GET /executions/{execution_id}/steps/{step_id}/retries`. */
export const stepRetriesResponse = z.object({
  execution_id: z.string().min(1),
  step: z.string(),
  status: z.string().nullable(),
  attempts: z.array(attemptView),
  count: z.number().int(),
});
export type StepRetriesResponse = z.infer<typeof stepRetriesResponse>;

/** One audit record: who did what to which target. */
export const auditRecordView = z.object({
  audit_id: z.string().min(1),
  at: timestamp,
  caller: z.string(),
  action: z.string(),
  target: z.string(),
  details: openObject.optional(),
});

/** `GET /audit`. */
export const auditPage = z.object({
  records: z.array(auditRecordView),
  count: z.number().int(),
  next_token: nextToken,
});
export type AuditPage = z.infer<typeof auditPage>;

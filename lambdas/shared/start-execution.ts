import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { decideStart } from '../../lib/core/execution/concurrency.ts';
import { requestHash, uuidv5 } from '../../lib/core/execution/ids.ts';
import type { ExecutionInput } from '../../lib/core/runtime-contract.ts';
import { sfn } from './clients/sfn.ts';
import {
  NotFoundError,
  StartFailedError,
  TooManyRequestsError,
  UnprocessableError,
  ValidationError,
} from './errors.ts';
import { logger } from './powertools.ts';
import { acquireSlot, claimQueued, enqueue, peekQueue, releaseSlot } from './repositories/concurrency.ts';
import {
  clearHeldSlot,
  createExecution,
  type ExecutionRecord,
  getExecution,
  type ParentRef,
  transitionExecution,
} from './repositories/executions.ts';
import {
  getVersion,
  getWorkflow,
  getWorkflowByName,
  type VersionRecord,
  versionOf,
  versionSeqOfLabel,
  type WorkflowRecord,
} from './repositories/workflows.ts';

/**
 * The one path every run takes (API, schedules, event rules, queued starts, sub-workflows): put the record
 * (created), take a concurrency slot or queue, StartExecution with name = execution id, created → running.
 */

/** Largest context a run may start with (Step Functions input limit 256 KB, less the envelope). */
export const MAX_CONTEXT_BYTES = 200_000;

/** A request to start a run. */
export interface StartRequest {
  workflow_id?: string;
  workflow_name?: string;
  /** Version label (`1.0.0`) or number; the latest when absent. */
  version?: string;
  correlation_id?: string;
  context?: Record<string, unknown>;
  /** Makes the start idempotent: the execution id is UUIDv5(workflow id, key). */
  idempotency_key?: string;
  parent?: ParentRef;
  /** Who asked (audit; `initiated_by` of workflow.started). */
  caller: string;
}

/** What a start did. */
export interface StartOutcome {
  record: ExecutionRecord;
  /** False when an earlier start with the same idempotency key and request is returned. */
  created: boolean;
  /** True when the run waits for a concurrency slot. */
  queued: boolean;
}

async function resolveWorkflow(request: StartRequest): Promise<WorkflowRecord> {
  const workflow = request.workflow_id
    ? await getWorkflow(request.workflow_id)
    : request.workflow_name
      ? await getWorkflowByName(request.workflow_name)
      : undefined;
  if (!workflow) {
    if (!request.workflow_id && !request.workflow_name) {
      throw new ValidationError([{ field: 'body.workflow_id', message: 'workflow_id or workflow_name is required' }]);
    }
    throw new NotFoundError('Workflow', request.workflow_id ?? request.workflow_name ?? '');
  }
  // Both given: they must name the same workflow, or the caller's intent is unknown.
  if (request.workflow_id && request.workflow_name !== undefined && request.workflow_name !== workflow.name) {
    throw new ValidationError([
      {
        field: 'body.workflow_name',
        message: `names another workflow than workflow_id, which is '${workflow.name}'`,
      },
    ]);
  }
  return workflow;
}

async function resolveVersion(workflow: WorkflowRecord, label: string | undefined): Promise<VersionRecord> {
  if (label === undefined) return versionOf(workflow, 'unknown');
  let seq = await versionSeqOfLabel(workflow.id, label);
  if (seq === undefined && /^\d+$/.test(label)) seq = Number(label);
  const version = seq === undefined ? undefined : await getVersion(workflow.id, seq);
  if (!version) throw new NotFoundError(`Version of workflow ${workflow.id}`, label);
  return version;
}

function duplicateOutcome(existing: ExecutionRecord, hash: string): StartOutcome {
  if (existing.request_hash !== hash) {
    throw new UnprocessableError(
      'idempotency_key was already used for a different request: same workflow, version, correlation_id and context expected',
      { field: 'idempotency_key', execution_id: existing.execution_id },
    );
  }
  return {
    record: existing,
    created: false,
    queued: existing.status === 'created' && existing.queued_at !== undefined,
  };
}

/** Starts a run (see the module comment). Throws 4xx errors for an unknown workflow, a reused key, a full limit. */
export async function startExecution(request: StartRequest): Promise<StartOutcome> {
  // Step Functions refuses inputs over 256 KB and DynamoDB items over 400 KB: refuse a context that cannot fit.
  if (Buffer.byteLength(JSON.stringify(request.context ?? {})) > MAX_CONTEXT_BYTES) {
    throw new ValidationError([
      { field: 'body.context', message: `must be at most ${MAX_CONTEXT_BYTES} bytes of JSON` },
    ]);
  }
  const workflow = await resolveWorkflow(request);
  if (!workflow.active) throw new UnprocessableError(`Workflow ${workflow.id} is not active`, { field: 'workflow_id' });
  const version = await resolveVersion(workflow, request.version);
  const hash = requestHash({
    workflow_id: workflow.id,
    version: request.version ?? null,
    correlation_id: request.correlation_id ?? null,
    context: request.context ?? {},
    parent: request.parent?.execution_id ?? null,
  });
  const id = request.idempotency_key ? uuidv5(workflow.id, request.idempotency_key) : randomUUID();
  if (request.idempotency_key) {
    const existing = await getExecution(id);
    if (existing) return duplicateOutcome(existing, hash);
  }

  const policy = version.definition.concurrency;
  const gotSlot = policy ? await acquireSlot(workflow.id, policy.max_running) : false;
  const decision = decideStart(policy, gotSlot);
  if (decision === 'reject') {
    throw new TooManyRequestsError(`Workflow ${workflow.name} already runs ${policy?.max_running} executions`, {
      max_running: policy?.max_running,
    });
  }
  const now = Date.now();
  const record: Parameters<typeof createExecution>[0] = {
    execution_id: id,
    workflow_id: workflow.id,
    workflow_name: workflow.name,
    workflow_version: version.version,
    state_machine_arn: version.version_arn ?? version.alias_arn ?? version.state_machine_arn,
    execution_type: version.execution_type,
    correlation_id: request.correlation_id ?? randomUUID(),
    status: 'created',
    context: request.context ?? {},
    started_at: new Date(now).toISOString(),
    idempotency_key: request.idempotency_key,
    request_hash: hash,
    parent: request.parent,
    holds_slot: gotSlot ? true : undefined,
    queued_at: decision === 'queue' ? now : undefined,
  };
  const stored = await createExecution(record);
  if (!stored) {
    if (gotSlot) await releaseSlot(workflow.id);
    const existing = await getExecution(id);
    if (!existing) throw new Error(`Execution ${id} exists but cannot be read`);
    return duplicateOutcome(existing, hash);
  }
  if (decision === 'queue') {
    await enqueue(workflow.id, id, now);
    // A slot may have freed between our failed acquire and the enqueue: drain so the run is not stranded.
    await drainQueue(workflow.id, policy?.max_running ?? 1);
    const current = await getExecution(id);
    return { record: current ?? (record as ExecutionRecord), created: true, queued: current?.status === 'created' };
  }
  // Launched from the record as written, not read back: the start path is latency-critical and the read would say
  // nothing new (the fields StartExecution needs never change; created → running is conditional anyway).
  const started = await launchExecution(stored);
  return { record: started, created: true, queued: false };
}

/** The input a run starts with (runtime contract). */
export function executionInput(record: ExecutionRecord): ExecutionInput {
  return {
    execution: {
      id: record.execution_id,
      workflow_id: record.workflow_id,
      workflow_name: record.workflow_name,
      workflow_version: record.workflow_version,
      correlation_id: record.correlation_id,
      started_at: record.started_at,
    },
    context: record.context,
    steps: {},
  };
}

/**
 * StartExecution for a created record (name = execution id, so a repeated call cannot start a second run), then
 * created → running. A refused start marks the record failed with the refusal (never an empty error), gives its slot
 * back and throws {@link StartFailedError}, which names the run.
 */
export async function launchExecution(record: ExecutionRecord): Promise<ExecutionRecord> {
  let executionArn: string | undefined;
  try {
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: record.state_machine_arn,
        name: record.execution_id,
        input: JSON.stringify(executionInput(record)),
        traceHeader: record.correlation_id,
      }),
    );
    executionArn = out.executionArn;
  } catch (error) {
    const err = error as Error;
    const details = { error: err?.name || 'Error', cause: err?.message || String(error) };
    const failed = await transitionExecution(record.execution_id, ['created'], 'failed', {
      set: { error_details: details },
    });
    if (failed.ok) await freeSlot(failed.record);
    throw new StartFailedError(record.execution_id, details, { cause: error });
  }
  // Also from running: the status handler may have recorded the run's start first (Step Functions' event can beat
  // this write). Writing over that changes no status and answers with the record as it is, where a refused write
  // would cost a read on the start's critical path. Any other status (cancelled, paused, ended meanwhile) refuses.
  const out = await transitionExecution(record.execution_id, ['created', 'running'], 'running', {
    set: { sfn_execution_arn: executionArn },
    remove: ['queued_at'],
  });
  if (out.ok) return out.record;
  return out.current ?? record;
}

/** Gives back the slot a run held, once, and starts the next queued run of its workflow. */
export async function freeSlot(record: ExecutionRecord): Promise<void> {
  if (!record.holds_slot) return;
  if (!(await clearHeldSlot(record.execution_id))) return;
  await releaseSlot(record.workflow_id);
  const workflow = await getWorkflow(record.workflow_id);
  const max = workflow?.definition.concurrency?.max_running;
  if (max !== undefined) await drainQueue(record.workflow_id, max);
}

/** Starts queued runs while slots are free; each queue item is claimed by exactly one drainer. */
export async function drainQueue(workflowId: string, max: number): Promise<number> {
  let started = 0;
  for (;;) {
    const entries = await peekQueue(workflowId, 5);
    if (!entries.length) return started;
    for (const entry of entries) {
      if (!(await acquireSlot(workflowId, max))) return started;
      if (!(await claimQueued(entry))) {
        await releaseSlot(workflowId);
        continue;
      }
      const reserved = await transitionExecution(entry.execution_id, ['created'], 'created', {
        set: { holds_slot: true },
      });
      if (!reserved.ok) {
        await releaseSlot(workflowId); // cancelled while queued
        continue;
      }
      try {
        await launchExecution(reserved.record);
        started++;
      } catch (error) {
        logger.error('Queued start failed', { execution_id: entry.execution_id, error: error as Error });
      }
    }
  }
}

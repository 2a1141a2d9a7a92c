import { GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { StewardEvent } from '../../lib/core/events/types.ts';
import { failedStepFromHistory, type SfnHistoryEvent } from '../../lib/core/execution/history.ts';
import { endStatusOf, eventForStatus, factEffect, type ObservedFact } from '../../lib/core/execution/status.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { publish, stewardEvent } from '../shared/events.ts';
import { logger } from '../shared/powertools.ts';
import {
  claimOnce,
  type ExecutionRecord,
  getExecution,
  observeRunning,
  type ParentRef,
  type Patch,
  transitionExecution,
  type WriteResult,
} from '../shared/repositories/executions.ts';
import { closeRunningSteps, finishStep } from '../shared/repositories/steps.ts';
import { freeSlot } from '../shared/start-execution.ts';

/**
 * Applies facts observed from Step Functions to execution records (status-change events, DescribeExecution) and
 * does what a run's end implies: the `workflow.*` event, the parent's task token, the concurrency slot.
 */

/** A fact with what Step Functions said alongside it. */
export interface Fact extends ObservedFact {
  executionArn?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** The `workflow.*` event of a record. */
export function workflowEvent(
  type: string,
  record: ExecutionRecord,
  extra: Record<string, unknown> = {},
): StewardEvent {
  return stewardEvent(
    type,
    {
      execution_id: record.execution_id,
      workflow_id: record.workflow_id,
      workflow_type: record.workflow_name,
      workflow_version: record.workflow_version,
      status: record.status,
      context: record.context,
      ...extra,
    },
    record.correlation_id,
  );
}

const parseOutput = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

async function failedStep(record: ExecutionRecord, executionArn: string | undefined): Promise<string | undefined> {
  if (!executionArn) return record.current_step;
  try {
    const events: SfnHistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
      events.push(...((page.events ?? []) as SfnHistoryEvent[]));
      nextToken = page.nextToken;
    } while (nextToken && events.length < 5000);
    return failedStepFromHistory(events) ?? record.current_step;
  } catch (error) {
    logger.warn('History unavailable; using the current step', { executionArn, error: error as Error });
    return record.current_step;
  }
}

async function patchFor(record: ExecutionRecord, fact: Fact, to: string): Promise<Patch> {
  const at = new Date(fact.at).toISOString();
  switch (to) {
    case 'completed':
      // A run retried after a failure completes without the failure's error (a redrive's RUNNING fact may not come first).
      return { set: { result: parseOutput(fact.output), completed_at: at }, remove: ['pause_token', 'error_details'] };
    case 'failed': {
      // The run stands at the step that failed: a retry starts there. The step runner records a step as current
      // when it starts it, so a step that failed before its function ran (Lambda throttled or unreachable, local
      // mode stopped while the call was in flight) would otherwise leave the previous step as current.
      const step = await failedStep(record, fact.executionArn);
      return {
        set: {
          error_details: { error: fact.error, cause: fact.cause, step },
          ...(step ? { current_step: step } : {}),
          completed_at: at,
        },
        remove: ['pause_token'],
      };
    }
    case 'cancelled':
      // A cancelled run did not complete: it carries `cancelled_at`, never `completed_at`.
      return {
        set: { cancelled_at: at, cancel_reason: record.cancel_reason ?? fact.cause ?? 'aborted in Step Functions' },
        remove: ['pause_token'],
      };
    default:
      return { set: { sfn_execution_arn: fact.executionArn ?? record.sfn_execution_arn }, remove: ['error_details'] };
  }
}

/**
 * The write made before any read, for the facts nearly every run delivers: RUNNING (the run is created or running:
 * {@link observeRunning}) and SUCCEEDED (a transition from every status a success may end; the condition checks what
 * {@link factEffect} would, the status and the fact's time). A refused write returns the current record for the
 * general path. Other facts (failures, aborts, redrives) are rarer and usually find the record changed already (a
 * cancel stopped the run), so they read first.
 */
async function writeFirst(executionId: string, fact: Fact): Promise<WriteResult | undefined> {
  if (fact.status === 'RUNNING') {
    // The start path records the ARN Step Functions answered; a run it has not recorded yet takes the fact's.
    return observeRunning(executionId, fact.at, {
      setIfAbsent: { sfn_execution_arn: fact.executionArn },
      remove: ['error_details'],
    });
  }
  if (fact.status === 'SUCCEEDED') {
    const effect = factEffect('running', fact);
    if (!effect.apply) return undefined;
    const patch: Patch = {
      set: { result: parseOutput(fact.output), completed_at: new Date(fact.at).toISOString() },
      remove: ['pause_token', 'error_details'],
    };
    return transitionExecution(executionId, effect.from, effect.to, patch, {
      factAt: fact.at,
      factStatus: fact.status,
    });
  }
  return undefined;
}

/** What a successful transition implies: `workflow.started` for a run now running, the end's work otherwise. */
async function afterTransition(out: WriteResult & { ok: true }): Promise<void> {
  if (out.record.status !== 'running') return afterEnd(out.record);
  // The transition claimed `started_event_at` where it was unset: the old record says whether this write did.
  if (out.previous.started_event_at === undefined) await publishStarted(out.record);
}

/**
 * Applies a fact to the record of `executionId` (time-ordered, terminal never changes); returns the new record.
 * Usually one conditional write ({@link writeFirst}); when it is refused, or for other facts, the record is read
 * and {@link factEffect} decides, and a write refused because the record changed meanwhile decides again on the
 * record that refusal returned.
 */
export async function applyFact(executionId: string, fact: Fact): Promise<ExecutionRecord | undefined> {
  const first = await writeFirst(executionId, fact);
  if (first?.ok) {
    await afterTransition(first);
    return first.record;
  }
  let record = first ? first.current : await getExecution(executionId);
  for (let tries = 0; tries < 5; tries++) {
    if (!record) {
      logger.warn('Status change for an execution Steward has no record of', { executionId });
      return undefined;
    }
    const effect = factEffect(record.status, fact, record.fact_at, record.fact_status);
    if (!effect.apply) {
      if (fact.status === 'RUNNING') await announceStart(record);
      // A redelivered end (or one the cancel path recorded first): closes what the first delivery may not have.
      if (endStatusOf(fact.status) === record.status) await closeSteps(record);
      return record;
    }
    const patch = await patchFor(record, fact, effect.to);
    if (effect.to === 'running') patch.setIfAbsent = { started_event_at: new Date().toISOString() };
    const out = await transitionExecution(executionId, effect.from, effect.to, patch, {
      factAt: fact.at,
      factStatus: fact.status,
    });
    if (!out.ok) {
      record = out.current; // changed under us: decide again on the record as it is now
      continue;
    }
    await afterTransition(out);
    return out.record;
  }
  throw new Error(`Execution ${executionId} kept changing while a status fact was applied`);
}

const publishStarted = (record: ExecutionRecord): Promise<void> =>
  publish([workflowEvent('workflow.started', record, { initiated_by: record.parent?.execution_id ?? 'api' })]);

/** Publishes `workflow.started` once per run, whichever path saw it running first. */
async function announceStart(record: ExecutionRecord): Promise<void> {
  if (record.status !== 'running' && record.status !== 'paused') return;
  if (record.started_event_at !== undefined) return; // claimed already: the claim would be refused
  if (!(await claimOnce(record.execution_id, 'started_event_at'))) return;
  await publishStarted(record);
}

/**
 * Closes the parent's `sub_workflow` step record with the child's outcome, before the parent is told (so its steps
 * agree with it the moment it moves on). A record already closed, or re-opened by a later attempt, is left alone.
 */
async function closeParentStep(record: ExecutionRecord, parent: ParentRef): Promise<void> {
  if (!parent.step_key || parent.attempt === undefined) return;
  const completed = record.status === 'completed';
  await finishStep({
    executionId: parent.execution_id,
    stepKey: parent.step_key,
    attempt: parent.attempt,
    status: completed ? 'completed' : 'failed',
    ...(completed
      ? { output: { execution_id: record.execution_id, result: record.result ?? null } }
      : {
          error: {
            error:
              record.status === 'cancelled'
                ? 'Steward.Cancelled'
                : (record.error_details?.error ?? 'Steward.SubWorkflowFailed'),
            cause: `Sub-workflow ${record.execution_id} ${record.status}`,
            execution_id: record.execution_id,
          },
        }),
    now: new Date(),
  });
}

/**
 * Closes the steps a cancelled or failed run left `running` (a call in flight, an event wait): Step Functions stopped
 * the run, so nothing else will. `cancelled` for a cancelled run, `failed` with the run's error for a failed one;
 * conditional and repeatable ({@link closeRunningSteps}).
 */
async function closeSteps(record: ExecutionRecord): Promise<void> {
  if (record.status !== 'cancelled' && record.status !== 'failed') return;
  const closed = await closeRunningSteps({
    executionId: record.execution_id,
    status: record.status,
    error:
      record.status === 'cancelled'
        ? { error: 'Steward.Cancelled', cause: record.cancel_reason ?? 'execution cancelled' }
        : {
            error: record.error_details?.error ?? 'States.Runtime',
            cause: record.error_details?.cause ?? 'execution failed',
          },
    now: new Date(),
  });
  if (closed.length > 0) {
    logger.info('Closed the steps the run left running', { execution_id: record.execution_id, steps: closed });
  }
}

const tokenGone = (error: unknown): boolean =>
  ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes((error as Error)?.name);

/**
 * What the end of a run implies, done by whoever made the terminal (or failed) transition: the steps it left running
 * closed, its event, the answer to a parent's task token (sub-workflows), and its concurrency slot.
 */
export async function afterEnd(record: ExecutionRecord, options: { publishEvent?: boolean } = {}): Promise<void> {
  // Before the event: a reader it sends to the run's steps finds none still running.
  await closeSteps(record);
  const type = eventForStatus(record.status);
  if (type && options.publishEvent !== false) {
    await publish([
      workflowEvent(type, record, {
        result: record.result,
        error_details: record.error_details,
        cancel_reason: record.cancel_reason,
      }),
    ]);
  }
  if (record.parent) {
    await closeParentStep(record, record.parent);
    try {
      if (record.status === 'completed') {
        await sfn.send(
          new SendTaskSuccessCommand({
            taskToken: record.parent.task_token,
            output: JSON.stringify({
              status: 'completed',
              output: { execution_id: record.execution_id, result: record.result ?? null },
            }),
          }),
        );
      } else {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: record.parent.task_token,
            error:
              record.status === 'cancelled'
                ? 'Steward.Cancelled'
                : (record.error_details?.error ?? 'Steward.SubWorkflowFailed'),
            cause:
              `Sub-workflow ${record.execution_id} ${record.status}: ${record.error_details?.cause ?? record.cancel_reason ?? ''}`.slice(
                0,
                32_000,
              ),
          }),
        );
      }
    } catch (error) {
      if (!tokenGone(error)) throw error;
      logger.warn('Parent task token already closed', { execution_id: record.execution_id });
    }
  }
  await freeSlot(record);
}

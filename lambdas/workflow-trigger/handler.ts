import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HttpError, ValidationError } from '../shared/errors.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { recordAudit } from '../shared/repositories/audit.ts';
import { startExecution } from '../shared/start-execution.ts';
import { checkTriggerInput, publishedByTarget, resolveContext, triggerKey } from './input.ts';

/** What a trigger did. */
export interface TriggerResult {
  outcome: 'started' | 'queued' | 'duplicate' | 'refused' | 'skipped';
  execution_id?: string;
  reason?: string;
}

/**
 * Starts runs for schedules and event rules through the same path as the API (record, concurrency, idempotency).
 * The idempotency key comes from the event id or the scheduled time, so a redelivered trigger starts nothing new.
 * A refusal (unknown workflow, concurrency limit) is logged and returned, not retried. An event a run of the same
 * workflow published starts nothing (it would start runs without end): it is skipped, logged and counted
 * (`TriggerSelfEventsSkipped`), not thrown, so EventBridge does not retry it.
 */
export const handler = lambdaHandler(async (raw: unknown): Promise<TriggerResult> => {
  const checked = checkTriggerInput(raw);
  // A malformed input is a wiring error: throw, so the delivery lands in the DLQ where it can be seen.
  if (!checked.ok) throw new ValidationError(checked.problems);
  const input = checked.input;
  if (publishedByTarget(input)) {
    const reason = 'the event was published by a run of the workflow it would start: a run would start another run';
    metrics.addMetric('TriggerSelfEventsSkipped', MetricUnit.Count, 1);
    logger.warn('Trigger skipped', {
      reason,
      workflow_id: input.workflow_id,
      workflow_name: input.workflow_name,
      event_id: input.event?.id,
      detail_type: input.event?.['detail-type'],
    });
    return { outcome: 'skipped', reason };
  }
  const key = triggerKey(input);
  if (!key) logger.warn('Trigger without an event id or scheduled time: the start is not idempotent');
  try {
    const outcome = await startExecution({
      workflow_id: input.workflow_id,
      workflow_name: input.workflow_name,
      version: input.version,
      context: resolveContext(input.context ?? {}, input.event),
      idempotency_key: key,
      correlation_id: typeof input.event?.id === 'string' ? input.event.id : undefined,
      caller: `${input.source}-trigger`,
    });
    const execution_id = outcome.record.execution_id;
    if (!outcome.created) return { outcome: 'duplicate', execution_id };
    await recordAudit(`${input.source}-trigger`, 'execution.start', `execution/${execution_id}`, {
      workflow_id: outcome.record.workflow_id,
      trigger_key: key,
      queued: outcome.queued,
    });
    return { outcome: outcome.queued ? 'queued' : 'started', execution_id };
  } catch (error) {
    if (error instanceof HttpError && error.statusCode < 500) {
      logger.error('Trigger refused', { code: error.code, message: error.message });
      return { outcome: 'refused', reason: error.message };
    }
    throw error;
  }
});

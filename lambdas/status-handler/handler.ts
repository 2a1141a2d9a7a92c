import type { EventBridgeEvent } from 'aws-lambda';
import type { SfnStatus } from '../../lib/core/execution/status.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import { expressFacts, isLogsSubscriptionEvent, type LogsSubscriptionEvent } from './express-logs.ts';
import { applyFact } from './lifecycle.ts';

/** Detail of Step Functions' "Step Functions Execution Status Change" event (default bus). */
interface StatusChangeDetail {
  executionArn: string;
  stateMachineArn?: string;
  name: string;
  status: SfnStatus;
  startDate?: number | null;
  stopDate?: number | null;
  redriveDate?: number | null;
  output?: string | null;
  error?: string | null;
  cause?: string | null;
}

/**
 * Turns Step Functions status changes into execution records and `workflow.*` events: status-change events (Standard
 * executions, from the default bus) and the execution logs of Express executions (a CloudWatch Logs subscription;
 * Step Functions sends no events for those). The execution name is the Steward execution id. Errors propagate so the
 * delivery is retried (the DLQ keeps what never applies).
 */
export const handler = lambdaHandler(
  async (
    event: EventBridgeEvent<'Step Functions Execution Status Change', StatusChangeDetail> | LogsSubscriptionEvent,
  ): Promise<void> => {
    if (isLogsSubscriptionEvent(event)) {
      // In time order: a run's start before its end, so each record moves as it did.
      for (const { name, fact } of expressFacts(event)) await applyFact(name, fact);
      return;
    }
    const d = event.detail;
    if (!d?.name || !d.status) {
      logger.warn('Ignoring a status change without a name or status', { id: event.id });
      return;
    }
    const terminal = d.status !== 'RUNNING' && d.status !== 'PENDING_REDRIVE';
    const at = (terminal ? d.stopDate : (d.redriveDate ?? d.startDate)) ?? Date.parse(event.time);
    await applyFact(d.name, {
      status: d.status,
      at: Number.isFinite(at) ? at : Date.now(),
      executionArn: d.executionArn,
      output: d.output ?? undefined,
      error: d.error ?? undefined,
      cause: d.cause ?? undefined,
    });
  },
);

import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { SfnStatus } from '../../lib/core/execution/status.ts';
import { sfn } from '../shared/clients/sfn.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import { type ExecutionRecord, listQuiet } from '../shared/repositories/executions.ts';
import { launchExecution } from '../shared/start-execution.ts';
import { applyFact } from '../status-handler/lifecycle.ts';

/** Records quiet for longer than this are checked against Step Functions (status events normally arrive in seconds). */
const QUIET_MINUTES = 15;
/** Records per page, and pages per status per run, so one run stays well inside its timeout. */
const BATCH = 100;
const MAX_PAGES = 10;

async function reconcile(record: ExecutionRecord): Promise<string> {
  if (record.status === 'created') {
    // A start that stopped between the record and StartExecution: the execution name is the id, so starting
    // again cannot create a second run. Queued runs wait for a slot instead.
    if (record.queued_at !== undefined || record.sfn_execution_arn) return 'skipped';
    await launchExecution(record);
    return 'launched';
  }
  if (!record.sfn_execution_arn || record.execution_type === 'express') return 'skipped';
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn: record.sfn_execution_arn }));
  const status = d.status as SfnStatus | undefined;
  if (!status || status === 'RUNNING') return 'unchanged';
  await applyFact(record.execution_id, {
    status,
    at: (d.stopDate ?? d.redriveDate ?? d.startDate ?? new Date()).getTime(),
    executionArn: record.sfn_execution_arn,
    output: d.output,
    error: d.error,
    cause: d.cause,
  });
  return 'applied';
}

/** Scheduled: applies Step Functions' facts to running/paused records that have gone quiet (missed events). */
export const handler = lambdaHandler<void, Record<string, number>>(async () => {
  const before = new Date(Date.now() - QUIET_MINUTES * 60_000).toISOString();
  const counts: Record<string, number> = {};
  for (const status of ['created', 'running', 'paused'] as const) {
    let startKey: Record<string, unknown> | undefined;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const page = await listQuiet(status, before, BATCH, startKey);
      for (const record of page.items) {
        try {
          const outcome = await reconcile(record);
          counts[outcome] = (counts[outcome] ?? 0) + 1;
        } catch (error) {
          counts.errors = (counts.errors ?? 0) + 1;
          logger.error('Reconcile failed', { execution_id: record.execution_id, error: error as Error });
        }
      }
      startKey = page.lastKey;
      if (!startKey) break;
    }
  }
  logger.info('Reconciled', counts);
  return counts;
});

import { gunzipSync } from 'node:zlib';
import type { SfnStatus } from '../../lib/core/execution/status.ts';
import type { Fact } from './lifecycle.ts';

/** A CloudWatch Logs subscription delivery: `awslogs.data` is base64 of gzipped JSON. */
export interface LogsSubscriptionEvent {
  awslogs: { data: string };
}

/** The decoded delivery (`DATA_MESSAGE`, or the `CONTROL_MESSAGE` CloudWatch sends to test a subscription). */
interface LogsData {
  messageType: string;
  logGroup?: string;
  logEvents?: Array<{ id: string; timestamp: number; message: string }>;
}

/** One line of an Express state machine's execution log (Step Functions' log format). */
interface ExecutionLogRecord {
  type?: string;
  execution_arn?: string;
  event_timestamp?: string;
  details?: { output?: string; error?: string; cause?: string };
}

/** Execution log event types that are status facts, and the status each stands for. */
const STATUS_OF: Readonly<Record<string, SfnStatus>> = {
  ExecutionStarted: 'RUNNING',
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

export const isLogsSubscriptionEvent = (event: unknown): event is LogsSubscriptionEvent =>
  typeof (event as LogsSubscriptionEvent | undefined)?.awslogs?.data === 'string';

/** The execution name of an execution ARN: `…:express:<machine>:<name>:<run id>` or `…:execution:<machine>:<name>`. */
export function executionName(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[5] === 'express' || parts[5] === 'execution' ? parts[7] : undefined;
}

/**
 * The status facts in a subscription delivery, oldest first: `{ name, fact }` per start and end event of an Express
 * execution. Other log lines (state transitions, a control message) carry none.
 */
export function expressFacts(event: LogsSubscriptionEvent): Array<{ name: string; fact: Fact }> {
  const data = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as LogsData;
  if (data.messageType !== 'DATA_MESSAGE') return [];
  const out: Array<{ name: string; fact: Fact }> = [];
  for (const entry of data.logEvents ?? []) {
    let record: ExecutionLogRecord;
    try {
      record = JSON.parse(entry.message) as ExecutionLogRecord;
    } catch {
      continue;
    }
    const status = record.type ? STATUS_OF[record.type] : undefined;
    const name = record.execution_arn ? executionName(record.execution_arn) : undefined;
    if (!status || !name) continue;
    const at = Number(record.event_timestamp ?? entry.timestamp);
    out.push({
      name,
      fact: {
        status,
        at: Number.isFinite(at) ? at : entry.timestamp,
        executionArn: record.execution_arn,
        output: record.details?.output,
        error: record.details?.error,
        cause: record.details?.cause,
      },
    });
  }
  return out.sort((a, b) => a.fact.at - b.fact.at);
}

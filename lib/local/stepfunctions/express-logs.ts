/**
 * Express executions' logs, as Step Functions writes them: Step Functions sends no status-change events for Express
 * executions, it logs their start and end to the state machine's log group (when logging is configured). Local mode
 * reproduces exactly that, so what tracks Express runs in AWS (a log subscription) tracks them here too.
 */
import type { ExecutionRecord } from './execution.ts';
import { CLOSING_EVENT } from './history.ts';

/** A state machine's `loggingConfiguration` (the parts that decide what is logged where). */
export interface MachineLogging {
  level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF';
  includeExecutionData: boolean;
  logGroupArn?: string;
}

/** Reads a CreateStateMachine/UpdateStateMachine `loggingConfiguration`; undefined when absent. */
export function parseLogging(value: unknown): MachineLogging | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as {
    level?: string;
    includeExecutionData?: boolean;
    destinations?: Array<{ cloudWatchLogsLogGroup?: { logGroupArn?: string } }>;
  };
  const level = (['ALL', 'ERROR', 'FATAL', 'OFF'] as const).find((l) => l === v.level) ?? 'OFF';
  return {
    level,
    includeExecutionData: v.includeExecutionData === true,
    logGroupArn: v.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn,
  };
}

const TYPE_OF: Record<ExecutionRecord['status'], string> = { RUNNING: 'ExecutionStarted', ...CLOSING_EVENT };

/**
 * The log record of an Express execution's status (`ExecutionStarted` … `ExecutionTimedOut`), or undefined when the
 * logging level leaves it out (ERROR and FATAL log only the failed ends, OFF nothing).
 */
export function executionLogRecord(
  r: ExecutionRecord,
  logging: MachineLogging,
  id: number,
): Record<string, unknown> | undefined {
  const type = TYPE_OF[r.status];
  if (logging.level === 'OFF') return undefined;
  if (logging.level !== 'ALL' && (r.status === 'RUNNING' || r.status === 'SUCCEEDED')) return undefined;
  const data = logging.includeExecutionData;
  const details: Record<string, unknown> =
    r.status === 'RUNNING'
      ? { roleArn: r.roleArn, ...(data ? { input: r.input, inputDetails: { truncated: false } } : {}) }
      : r.status === 'SUCCEEDED'
        ? data
          ? { output: r.output ?? 'null', outputDetails: { truncated: false } }
          : {}
        : { error: r.error ?? '', cause: r.cause ?? '' };
  const at = r.status === 'RUNNING' ? r.startDate : (r.stopDate ?? new Date());
  return {
    id: String(id),
    type,
    details,
    previous_event_id: String(Math.max(0, id - 1)),
    event_timestamp: String(at.getTime()),
    execution_arn: r.executionArn,
    redrive_count: String(r.redriveCount),
  };
}

/**
 * The execution state machine of the `004_…` seed ("State Machine"):
 *
 *   Created → Running; Running ⇄ Paused; Running → Failed → Running (retry); Running → Completed;
 *   {Running, Paused, Failed} → Cancelled (a queued, still-Created run may be cancelled too).
 *
 * Two kinds of change exist. User commands (pause, resume, cancel, retry) are checked against the diagram and an
 * illegal one is refused (409). Facts observed from Step Functions (a run succeeded, failed, timed out, was aborted)
 * are applied whatever Steward believed, in time order, except that a terminal status never changes.
 */

/** Every status an execution record can have. */
export const EXECUTION_STATUSES = ['created', 'running', 'paused', 'failed', 'completed', 'cancelled'] as const;

/** Status of an execution record. */
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Statuses that never change again. `failed` is not among them: a failed run may be retried. */
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'cancelled'];

/** Statuses of a run that still occupies Step Functions (or is about to). */
export const ACTIVE_STATUSES: readonly ExecutionStatus[] = ['created', 'running', 'paused'];

/** Whether `status` is terminal. */
export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Commands a caller (API, trigger, start path) may issue. */
export type ExecutionCommand = 'start' | 'pause' | 'resume' | 'cancel' | 'retry';

/** For each command: the statuses it may be issued from, and the status it leads to. */
export const COMMAND_TRANSITIONS: Readonly<
  Record<ExecutionCommand, { readonly from: readonly ExecutionStatus[]; readonly to: ExecutionStatus }>
> = {
  start: { from: ['created'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  // The seed lets Running, Paused and Failed runs be cancelled; a queued run (still Created) may be too, since
  // otherwise it could never be withdrawn.
  cancel: { from: ['created', 'running', 'paused', 'failed'], to: 'cancelled' },
  retry: { from: ['failed'], to: 'running' },
};

/** The outcome of checking a command against the current status. */
export type CommandCheck =
  | { ok: true; from: readonly ExecutionStatus[]; to: ExecutionStatus }
  | { ok: false; reason: string; allowedFrom: readonly ExecutionStatus[] };

/** Checks a user command against the current status (the seed's diagram). */
export function checkCommand(command: ExecutionCommand, current: ExecutionStatus): CommandCheck {
  const rule = COMMAND_TRANSITIONS[command];
  if (rule.from.includes(current)) return { ok: true, from: rule.from, to: rule.to };
  return {
    ok: false,
    reason: `cannot ${command} an execution that is ${current}: ${command} is allowed only when it is ${rule.from.join(' or ')}`,
    allowedFrom: rule.from,
  };
}

/** Execution statuses Step Functions reports (the status-change event and DescribeExecution). */
export type SfnStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** A fact observed from Step Functions, with the time it happened (epoch ms). */
export interface ObservedFact {
  status: SfnStatus;
  at: number;
}

/** How a fact changes a record: the statuses it may apply from and the status it sets; none = no change. */
export type FactEffect =
  | { apply: false; reason: string }
  | { apply: true; from: ExecutionStatus[]; to: ExecutionStatus };

/**
 * Whether a fact ends the run. An end observed at the same millisecond as the RUNNING fact applied before it (an
 * Express run that starts and succeeds within one, its log lines delivered apart) still applies; an end of the same
 * time as another end (a redelivery, after a retry perhaps) does not.
 */
export const endsRun = (status: SfnStatus): boolean => endStatusOf(status) !== undefined;

/** The status a fact that ends the run leaves its record in, or undefined for a fact that does not end it. */
export function endStatusOf(status: SfnStatus): 'completed' | 'failed' | 'cancelled' | undefined {
  switch (status) {
    case 'SUCCEEDED':
      return 'completed';
    case 'FAILED':
    case 'TIMED_OUT':
      return 'failed';
    case 'ABORTED':
      return 'cancelled';
    default:
      return undefined;
  }
}

/**
 * What an observed fact does to a record in `current` status whose last applied fact happened at `lastFactAt`.
 * RUNNING only moves a Created record on (Paused is Steward's notion; Step Functions still says RUNNING), or a Failed
 * one whose redrive started after the failure. Terminal facts win over Created/Running/Paused/Failed.
 */
export function factEffect(
  current: ExecutionStatus,
  fact: ObservedFact,
  lastFactAt?: number,
  lastFactStatus?: SfnStatus,
): FactEffect {
  if (isTerminal(current)) return { apply: false, reason: `the execution is already ${current}` };
  const sameTimeEnd = fact.at === lastFactAt && endsRun(fact.status) && lastFactStatus === 'RUNNING';
  if (lastFactAt !== undefined && fact.at <= lastFactAt && !sameTimeEnd) {
    return { apply: false, reason: 'not newer than the fact already applied' };
  }
  switch (fact.status) {
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      if (current === 'created') return { apply: true, from: ['created'], to: 'running' };
      if (current === 'failed' && fact.status === 'RUNNING') return { apply: true, from: ['failed'], to: 'running' };
      return { apply: false, reason: `already ${current}` };
    case 'SUCCEEDED':
      return { apply: true, from: ['created', 'running', 'paused', 'failed'], to: 'completed' };
    case 'FAILED':
    case 'TIMED_OUT':
      if (current === 'failed') return { apply: false, reason: 'already failed' };
      return { apply: true, from: ['created', 'running', 'paused'], to: 'failed' };
    case 'ABORTED':
      return { apply: true, from: ['created', 'running', 'paused', 'failed'], to: 'cancelled' };
  }
}

/** The `workflow.*` event a status change publishes from the status handler, if any. */
export function eventForStatus(to: ExecutionStatus): string | undefined {
  switch (to) {
    case 'running':
      return 'workflow.started';
    case 'completed':
      return 'workflow.completed';
    case 'failed':
      return 'workflow.failed';
    case 'cancelled':
      return 'workflow.cancelled';
    default:
      return undefined;
  }
}

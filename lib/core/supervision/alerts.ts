/**
 * The alert state machine: one place decides, for CloudWatch alarms (through SNS) and Steward's own signals alike,
 * whether to notify. Deduplicated by key (one open alert per key), muted during maintenance, escalated once when
 * nobody acknowledges in time, reminded at an interval while open, and closed with a recovery message.
 */

export type Severity = 'critical' | 'warning' | 'info';
export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** One occurrence of an alert (from its opening to its resolution). */
export interface Alert {
  key: string;
  state: AlertState;
  severity: Severity;
  summary: string;
  source: string;
  service_id?: string;
  opened_at: number;
  updated_at: number;
  /** How many signals were folded into this occurrence. */
  count: number;
  last_notified_at?: number;
  escalated_at?: number;
  acknowledged_at?: number;
  acknowledged_by?: string;
  resolved_at?: number;
  /** Opened during maintenance: recorded, never notified. */
  muted: boolean;
}

/** Timing of escalation and reminders (0 disables). */
export interface AlertPolicy {
  escalate_after_seconds: number;
  remind_every_seconds: number;
}

/** An incoming signal: firing (problem) or clearing (recovered). */
export interface AlertSignal {
  key: string;
  firing: boolean;
  severity: Severity;
  summary: string;
  source: string;
  service_id?: string;
  /** The service is in a maintenance window. */
  muted?: boolean;
}

/** A notification to send. */
export type Notification = 'opened' | 'escalated' | 'reminder' | 'recovered';

/** Decision: the alert to store (undefined = nothing to store) and what to notify. */
export interface AlertDecision {
  alert?: Alert;
  notify?: Notification;
  /** True when a new occurrence was opened. */
  opened: boolean;
}

const isOpen = (a: Alert | undefined): a is Alert => a !== undefined && a.state !== 'resolved';

/** Applies a signal to the current occurrence for its key. */
export function onSignal(current: Alert | undefined, signal: AlertSignal, now: number): AlertDecision {
  if (signal.firing) {
    if (isOpen(current)) {
      // Deduplicated: fold in; a worse severity upgrades the alert (and is worth telling).
      const worse = rank(signal.severity) > rank(current.severity);
      const alert: Alert = {
        ...current,
        count: current.count + 1,
        updated_at: now,
        severity: worse ? signal.severity : current.severity,
        summary: worse ? signal.summary : current.summary,
      };
      if (worse && !alert.muted) return { alert: { ...alert, last_notified_at: now }, notify: 'opened', opened: false };
      return { alert, opened: false };
    }
    const muted = signal.muted === true;
    const alert: Alert = {
      key: signal.key,
      state: 'open',
      severity: signal.severity,
      summary: signal.summary,
      source: signal.source,
      service_id: signal.service_id,
      opened_at: now,
      updated_at: now,
      count: 1,
      muted,
      last_notified_at: muted ? undefined : now,
    };
    return muted ? { alert, opened: true } : { alert, notify: 'opened', opened: true };
  }
  if (!isOpen(current)) return { opened: false };
  const alert: Alert = { ...current, state: 'resolved', resolved_at: now, updated_at: now };
  // Tell of the recovery only if the problem was told.
  return current.muted || current.last_notified_at === undefined
    ? { alert, opened: false }
    : { alert, notify: 'recovered', opened: false };
}

/** The periodic tick: escalate an unacknowledged alert once, remind while it stays open. */
export function onTick(current: Alert, policy: AlertPolicy, now: number): AlertDecision {
  if (current.state !== 'open' || current.muted) return { opened: false };
  if (
    policy.escalate_after_seconds > 0 &&
    current.escalated_at === undefined &&
    now - current.opened_at >= policy.escalate_after_seconds * 1_000
  ) {
    return {
      alert: { ...current, escalated_at: now, last_notified_at: now, updated_at: now },
      notify: 'escalated',
      opened: false,
    };
  }
  const last = current.last_notified_at ?? current.opened_at;
  if (policy.remind_every_seconds > 0 && now - last >= policy.remind_every_seconds * 1_000) {
    return { alert: { ...current, last_notified_at: now, updated_at: now }, notify: 'reminder', opened: false };
  }
  return { opened: false };
}

/** Acknowledges an open alert; stops escalation and reminders. Returns undefined when it is not open. */
export function acknowledge(current: Alert, by: string, now: number): Alert | undefined {
  if (current.state !== 'open') return undefined;
  return { ...current, state: 'acknowledged', acknowledged_at: now, acknowledged_by: by, updated_at: now };
}

function rank(s: Severity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}

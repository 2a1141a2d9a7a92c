/**
 * Turns what arrives at the alert handler into alert signals: CloudWatch alarm notifications (through SNS) and
 * Steward's own events. Pure mapping; Steward's own notifications are recognised and skipped, so the handler can
 * share one SNS topic with the alarms without feeding on itself.
 */
import type { AlertSignal, Severity } from '../../lib/core/supervision/alerts.ts';

/** Message attribute marking notifications Steward sent. */
export const OWN_MARK = 'steward_alert';

/** Signals from one SNS record (a CloudWatch alarm state change). */
export function fromSnsRecord(record: {
  Sns: { Message: string; MessageAttributes?: Record<string, unknown> };
}): AlertSignal[] {
  if (record.Sns.MessageAttributes && OWN_MARK in record.Sns.MessageAttributes) return [];
  let alarm: { AlarmName?: string; NewStateValue?: string; NewStateReason?: string; AlarmDescription?: string };
  try {
    alarm = JSON.parse(record.Sns.Message);
  } catch {
    return [];
  }
  if (!alarm.AlarmName || !alarm.NewStateValue || alarm.NewStateValue === 'INSUFFICIENT_DATA') return [];
  const severity: Severity = /warn/i.test(alarm.AlarmDescription ?? '') ? 'warning' : 'critical';
  return [
    {
      key: `alarm:${alarm.AlarmName}`,
      firing: alarm.NewStateValue === 'ALARM',
      severity,
      summary: `${alarm.AlarmName}: ${alarm.NewStateReason ?? alarm.NewStateValue}`,
      source: 'cloudwatch',
    },
  ];
}

/** Signals from a Steward event on the bus. */
export function fromStewardEvent(type: string, data: Record<string, unknown>): AlertSignal[] {
  const id = String(data.service_id ?? '');
  const name = String(data.name ?? id);
  const muted = data.in_maintenance === true;
  const severity = (
    ['critical', 'warning', 'info'].includes(String(data.severity)) ? data.severity : 'critical'
  ) as Severity;
  if (type === 'service.health_changed') {
    const to = String(data.to);
    const unhealthy: AlertSignal = {
      key: `service:${id}:unhealthy`,
      firing: to === 'unhealthy',
      severity,
      summary: `${name} is ${to}`,
      source: 'steward',
      service_id: id,
      muted,
    };
    if (to === 'healthy')
      return [unhealthy, { ...unhealthy, key: `service:${id}:restart_budget_exhausted`, summary: `${name} recovered` }];
    return to === 'unhealthy' ? [unhealthy] : [];
  }
  if (type === 'service.restart_budget_exhausted') {
    return [
      {
        key: `service:${id}:restart_budget_exhausted`,
        firing: true,
        severity: 'critical',
        summary: `${name}: restart budget spent, Steward stopped restarting it`,
        source: 'steward',
        service_id: id,
      },
    ];
  }
  if (type === 'service.crash_looping') {
    return [
      {
        key: `service:${id}:crash_looping`,
        firing: true,
        severity,
        summary: `${name} is crash looping: ${data.restarts_in_window} restarts in ${data.window_seconds} s (budget ${data.max_restarts})`,
        source: 'steward',
        service_id: id,
      },
    ];
  }
  if (type === 'service.restart_budget_reset') {
    // A healthy period or a manual reset gave the service its budget back: both budget alerts are over.
    return ['restart_budget_exhausted', 'crash_looping'].map((k) => ({
      key: `service:${id}:${k}`,
      firing: false,
      severity,
      summary: `${name}: restart budget reset`,
      source: 'steward',
      service_id: id,
    }));
  }
  if (type === 'service.disappeared') {
    return [
      {
        key: `service:${id}:disappeared`,
        firing: true,
        severity: 'warning',
        summary: `${name} disappeared from its scan`,
        source: 'steward',
        service_id: id,
      },
    ];
  }
  return [];
}

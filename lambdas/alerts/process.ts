/** Applies signals and ticks to stored alerts and sends the notifications the state machine asks for. */
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  type Alert,
  type AlertPolicy,
  type AlertSignal,
  type Notification,
  onSignal,
  onTick,
} from '../../lib/core/supervision/alerts.ts';
import { SUPERVISION_DEFAULTS } from '../../lib/core/supervision/defaults.ts';
import { activeMaintenance } from '../../lib/core/supervision/maintenance.ts';
import { sns } from '../shared/clients/sns.ts';
import { currentAlert, listAlerts, openAlert, saveAlert } from '../shared/repositories/alerts.ts';
import { getService } from '../shared/repositories/services.ts';
import { OWN_MARK } from './signals.ts';

const POLICY: AlertPolicy = {
  escalate_after_seconds: SUPERVISION_DEFAULTS.alerts.escalate_after_seconds,
  remind_every_seconds: SUPERVISION_DEFAULTS.alerts.remind_every_seconds,
};

/** Sends one notification to the alert topic, marked as Steward's own. */
export async function notify(topicArn: string, kind: Notification, alert: Alert): Promise<void> {
  const prefix = { opened: 'ALERT', escalated: 'ESCALATED', reminder: 'REMINDER', recovered: 'RECOVERED' }[kind];
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: `[${prefix}] [${alert.severity}] ${alert.summary}`.slice(0, 99),
      Message: JSON.stringify({ kind, ...alert }),
      MessageAttributes: {
        [OWN_MARK]: { DataType: 'String', StringValue: kind },
        severity: { DataType: 'String', StringValue: alert.severity },
      },
    }),
  );
}

/** Applies a signal; retries once on a lost race (another handler changed the same alert). Returns what it sent. */
export async function applySignal(
  topicArn: string,
  signal: AlertSignal,
  now: number,
): Promise<Notification | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { alert: current, pointerVersion } = await currentAlert(signal.key);
    let decision = onSignal(current, signal, now);
    if (decision.opened && signal.service_id) {
      // Muting is decided from the service as it is now, not from the snapshot the event was built from (the
      // prober reads lifecycle once per invocation, so maintenance entered since then is only seen here).
      const muted = await inMaintenanceNow(signal.service_id, now);
      if (muted !== undefined && muted !== signal.muted) decision = onSignal(current, { ...signal, muted }, now);
    }
    if (!decision.alert) return undefined;
    const saved = decision.opened
      ? await openAlert(decision.alert, pointerVersion)
      : await saveAlert(decision.alert, current!);
    if (!saved) continue;
    if (decision.notify) await notify(topicArn, decision.notify, saved);
    return decision.notify;
  }
  return undefined;
}

/** Whether a service is in maintenance at `now` (lifecycle or an active window); undefined when it is unknown. */
async function inMaintenanceNow(serviceId: string, now: number): Promise<boolean | undefined> {
  const record = await getService(serviceId);
  if (!record) return undefined;
  return record.status === 'maintenance' || activeMaintenance(record.spec.maintenance_windows, now) !== undefined;
}

/** The periodic tick over open alerts: escalations and reminders. */
export async function tick(topicArn: string, now: number): Promise<number> {
  let sent = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await listAlerts({ limit: 100, state: 'open', startKey });
    for (const current of page.items) {
      const decision = onTick(current, POLICY, now);
      if (!decision.alert || !decision.notify) continue;
      const saved = await saveAlert(decision.alert, current);
      if (saved) {
        await notify(topicArn, decision.notify, saved);
        sent++;
      }
    }
    startKey = page.lastKey;
  } while (startKey);
  return sent;
}

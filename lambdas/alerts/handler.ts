import { ENV } from '../../lib/core/env.ts';
import { requireEnv } from '../shared/config.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { applySignal, tick } from './process.ts';
import { fromSnsRecord, fromStewardEvent } from './signals.ts';

const TOPIC = requireEnv(ENV.alertTopicArn);

/** SNS (alarms), a bus rule (Steward events) or the schedule (escalation and reminder tick). */
export type AlertsEvent =
  | { Records: Array<{ Sns: { Message: string; MessageAttributes?: Record<string, unknown> } }> }
  | { 'detail-type': string; detail?: { data?: Record<string, unknown> } };

/** One handler for every alert: dedup, escalation, reminders, recovery. */
export const handler = lambdaHandler(async (event: AlertsEvent): Promise<Record<string, unknown>> => {
  const now = Date.now();
  if ('Records' in event) {
    const sent = [];
    for (const r of event.Records) for (const s of fromSnsRecord(r)) sent.push(await applySignal(TOPIC, s, now));
    return { sent: sent.filter(Boolean) };
  }
  if (event['detail-type'] === 'Scheduled Event') return { sent: await tick(TOPIC, now) };
  const sent = [];
  for (const s of fromStewardEvent(event['detail-type'], event.detail?.data ?? {}))
    sent.push(await applySignal(TOPIC, s, now));
  return { sent: sent.filter(Boolean) };
});

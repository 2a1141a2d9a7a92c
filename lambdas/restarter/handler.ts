import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ENV } from '../../lib/core/env.ts';
import { requireEnv } from '../shared/config.ts';
import { publish } from '../shared/events.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { type RestartRequest, supervise } from './supervise.ts';

requireEnv(ENV.eventBus);

/** An asynchronous request from the prober, or a bus event whose `detail.data` names the service. */
export type RestarterEvent = RestartRequest | { detail: { data: RestartRequest } };

/** Restarts an unhealthy service within its budget and group strategy. */
export async function handler(event: RestarterEvent): Promise<Record<string, unknown>> {
  const request = 'detail' in event ? event.detail.data : event;
  if (!request || typeof request.service_id !== 'string' || request.service_id === '') {
    logger.warn('Restart request without a service_id', { event });
    return { ignored: true };
  }
  const outcome = await supervise(request, Date.now());
  if (outcome.events.length > 0) await publish(outcome.events);
  // The dashboard's restart graphs and the budget alarm read these (namespace Steward, service=restarter).
  const count = (action: string): number => outcome.actions.filter((a) => a.action === action).length;
  metrics.addMetric('Restarts', MetricUnit.Count, count('restarted'));
  metrics.addMetric('RestartBudgetExhausted', MetricUnit.Count, count('exhausted'));
  metrics.addMetric('Escalations', MetricUnit.Count, count('escalated'));
  metrics.publishStoredMetrics();
  logger.info('Supervision outcome', { service_id: request.service_id, actions: outcome.actions });
  return { actions: outcome.actions };
}

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ENV } from '../../lib/core/env.ts';
import { requireEnv } from '../shared/config.ts';
import { publish } from '../shared/events.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { type RestartRequest, supervise } from './supervise.ts';
import { type EcsTaskStateChange, isTaskStateChange, onTaskStateChange } from './task-stops.ts';

requireEnv(ENV.eventBus);

/**
 * An asynchronous request from the prober, a bus event whose `detail.data` names the service, or an ECS task
 * state change from the account's default bus (a stopped task of a supervised service).
 */
export type RestarterEvent = RestartRequest | { detail: { data: RestartRequest } } | EcsTaskStateChange;

/** Restarts an unhealthy service within its budget and group strategy; counts crashed tasks against it. */
export const handler = lambdaHandler(async (event: RestarterEvent): Promise<Record<string, unknown>> => {
  if (isTaskStateChange(event)) {
    const stop = await onTaskStateChange(event, Date.now());
    if (stop.events.length > 0) await publish(stop.events);
    const counted = stop.outcome === 'counted' || stop.outcome === 'crash_looping';
    metrics.addMetric('TaskCrashes', MetricUnit.Count, counted ? 1 : 0);
    metrics.addMetric('CrashLoops', MetricUnit.Count, stop.outcome === 'crash_looping' ? 1 : 0);
    logger.info('Task stop', { task: event.detail.taskArn, ...stop, events: undefined });
    return { outcome: stop.outcome, detail: stop.detail, service: stop.service };
  }
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
  logger.info('Supervision outcome', { service_id: request.service_id, actions: outcome.actions });
  return { actions: outcome.actions };
});

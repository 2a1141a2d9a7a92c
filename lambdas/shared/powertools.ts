import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The Powertools utilities every handler shares. Configured by the standard POWERTOOLS_* variables the stacks set
 * (service name, metrics namespace, log level). Traces come from Lambda's active tracing: the Powertools Tracer
 * would add ~160 KB to every bundle and break the 400 KB budget.
 */
export const logger = new Logger();

/** Metrics in Embedded Metric Format; namespace from POWERTOOLS_METRICS_NAMESPACE (default `Steward`). */
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Steward' });

/**
 * Flushes the invocation's metrics when it ends, returned or threw: Powertools' `logMetrics`, less the warning it
 * prints (one log line every invocation, on AWS billed as ingested logs) when an invocation recorded no metric, which
 * most API requests and status events do not.
 */
export function flushMetrics(): { after: () => void; onError: () => void } {
  const flush = (): void => {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
      return;
    }
    metrics.clearDimensions();
    metrics.clearMetadata();
  };
  return { after: flush, onError: flush };
}

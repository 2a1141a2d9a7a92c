/**
 * A small Embedded Metric Format reader for local mode: the functions' stdout lines that carry `_aws.CloudWatchMetrics`
 * become per-metric counters (count, last value, unit) for the status page.
 */

export interface MetricSummary {
  namespace: string;
  name: string;
  unit?: string;
  count: number;
  last: number;
  sum: number;
  /** Dimensions of the last datapoint. */
  dimensions: Record<string, string>;
  at: string;
}

interface EmfDirective {
  Namespace: string;
  Dimensions?: string[][];
  Metrics: Array<{ Name: string; Unit?: string }>;
}

/** Aggregates EMF log lines. */
export class EmfSink {
  private readonly metrics = new Map<string, MetricSummary>();

  /** Reads one log line; lines that are not EMF are ignored. Returns how many datapoints it held. */
  ingest(line: string): number {
    if (!line.includes('"_aws"')) return 0;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return 0;
    }
    const meta = doc._aws as { CloudWatchMetrics?: EmfDirective[]; Timestamp?: number } | undefined;
    let n = 0;
    for (const directive of meta?.CloudWatchMetrics ?? []) {
      const dimensions: Record<string, string> = {};
      for (const key of (directive.Dimensions ?? []).flat())
        if (doc[key] !== undefined) dimensions[key] = String(doc[key]);
      for (const metric of directive.Metrics ?? []) {
        const raw = doc[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).map(Number).filter((v) => Number.isFinite(v));
        if (values.length === 0) continue;
        const key = `${directive.Namespace}/${metric.Name}`;
        const summary = this.metrics.get(key) ?? {
          namespace: directive.Namespace,
          name: metric.Name,
          unit: metric.Unit,
          count: 0,
          last: 0,
          sum: 0,
          dimensions: {},
          at: '',
        };
        summary.count += values.length;
        summary.sum += values.reduce((a, b) => a + b, 0);
        summary.last = values.at(-1)!;
        summary.dimensions = dimensions;
        summary.at = new Date(meta?.Timestamp ?? Date.now()).toISOString();
        this.metrics.set(key, summary);
        n += values.length;
      }
    }
    return n;
  }

  /** Every metric seen, most recent first. */
  list(): MetricSummary[] {
    return [...this.metrics.values()].sort((a, b) => b.at.localeCompare(a.at));
  }
}

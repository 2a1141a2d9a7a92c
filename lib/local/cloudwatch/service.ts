import { AwsError } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';

/** Aggregates of one metric over one minute. */
export interface MinuteBucket {
  minute: string;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** One metric series: namespace, name, dimensions, its last points and per-minute aggregates. */
export interface MetricSeries {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  unit?: string;
  points: Array<{ timestamp: number; value: number }>;
  minutes: MinuteBucket[];
}

/** Options of {@link CloudWatchService}. */
export interface CloudWatchOptions {
  /** Points kept per series. @default 500 */
  maxPoints?: number;
  /** Minute buckets kept per series. @default 60 */
  maxMinutes?: number;
}

type EmfBlob = {
  _aws?: {
    Timestamp?: number;
    CloudWatchMetrics?: Array<{
      Namespace?: string;
      Dimensions?: string[][];
      Metrics?: Array<{ Name?: string; Unit?: string }>;
    }>;
  };
  [key: string]: unknown;
};

/**
 * Local CloudWatch metrics: PutMetricData (JSON or query protocol) and an Embedded Metric Format sink for function
 * log lines. Keeps each series' last points and per-minute sum/count/min/max in memory; `metrics()` snapshots them.
 */
export class CloudWatchService {
  private readonly series = new Map<string, MetricSeries>();

  constructor(private readonly options: CloudWatchOptions = {}) {}

  /** Records a data point. */
  record(
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    value: number,
    timestamp = Date.now(),
    unit?: string,
  ): void {
    if (!Number.isFinite(value)) return;
    const dims = Object.keys(dimensions)
      .sort()
      .map((k) => `${k}=${dimensions[k]}`)
      .join(',');
    const key = `${namespace}|${name}|${dims}`;
    let s = this.series.get(key);
    if (!s) {
      s = { namespace, name, dimensions, unit, points: [], minutes: [] };
      this.series.set(key, s);
    }
    s.points.push({ timestamp, value });
    if (s.points.length > (this.options.maxPoints ?? 500)) s.points.shift();
    const minute = new Date(Math.floor(timestamp / 60_000) * 60_000).toISOString();
    let bucket = s.minutes.find((b) => b.minute === minute);
    if (!bucket) {
      bucket = { minute, sum: 0, count: 0, min: value, max: value };
      s.minutes.push(bucket);
      s.minutes.sort((a, b) => a.minute.localeCompare(b.minute));
      if (s.minutes.length > (this.options.maxMinutes ?? 60)) s.minutes.shift();
    }
    bucket.sum += value;
    bucket.count++;
    bucket.min = Math.min(bucket.min, value);
    bucket.max = Math.max(bucket.max, value);
  }

  /**
   * Reads one log line; when it is an EMF blob (`_aws.CloudWatchMetrics`), records its metrics for every dimension
   * set it declares. Returns the number of points recorded (0 for ordinary log lines).
   */
  ingestLogLine(line: string): number {
    if (!line.includes('"_aws"')) return 0;
    let blob: EmfBlob;
    try {
      blob = JSON.parse(line) as EmfBlob;
    } catch {
      return 0;
    }
    const meta = blob._aws;
    if (!meta || !Array.isArray(meta.CloudWatchMetrics)) return 0;
    const timestamp = typeof meta.Timestamp === 'number' ? meta.Timestamp : Date.now();
    let recorded = 0;
    for (const directive of meta.CloudWatchMetrics) {
      const sets = directive.Dimensions && directive.Dimensions.length > 0 ? directive.Dimensions : [[]];
      for (const metric of directive.Metrics ?? []) {
        if (!metric.Name) continue;
        const raw = blob[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
        for (const set of sets) {
          const dims = Object.fromEntries(set.map((d) => [d, String(blob[d] ?? '')]));
          for (const v of values) {
            this.record(directive.Namespace ?? 'default', metric.Name, dims, v, timestamp, metric.Unit);
            recorded++;
          }
        }
      }
    }
    return recorded;
  }

  /** A snapshot of every series (copies), for the status page. */
  metrics(): MetricSeries[] {
    return [...this.series.values()].map((s) => ({
      ...s,
      points: [...s.points],
      minutes: s.minutes.map((m) => ({ ...m })),
    }));
  }

  /** PutMetricData (JSON and query protocols), ListMetrics. */
  operations(): JsonOperations {
    return {
      PutMetricData: (i) => {
        if (typeof i.Namespace !== 'string' || i.Namespace.length === 0)
          throw new AwsError('InvalidParameterValue', 'Namespace is required');
        if (!Array.isArray(i.MetricData)) throw new AwsError('MissingParameter', 'MetricData is required');
        for (const d of i.MetricData as Array<Record<string, unknown>>) {
          if (typeof d.MetricName !== 'string')
            throw new AwsError('InvalidParameterValue', 'MetricData.MetricName is required');
          const dims = Object.fromEntries(
            ((Array.isArray(d.Dimensions) ? d.Dimensions : []) as Array<{ Name: string; Value: string }>).map((x) => [
              x.Name,
              x.Value,
            ]),
          );
          const ts =
            d.Timestamp === undefined
              ? Date.now()
              : typeof d.Timestamp === 'number'
                ? d.Timestamp * 1000
                : Date.parse(String(d.Timestamp));
          const values = Array.isArray(d.Values) ? d.Values.map(Number) : [Number(d.Value)];
          const unit = typeof d.Unit === 'string' ? d.Unit : undefined;
          for (const v of values)
            this.record(i.Namespace, d.MetricName, dims, v, Number.isFinite(ts) ? ts : Date.now(), unit);
        }
        return {};
      },
      ListMetrics: (i) => ({
        Metrics: this.metrics()
          .filter((s) => i.Namespace === undefined || s.namespace === i.Namespace)
          .map((s) => ({
            Namespace: s.namespace,
            MetricName: s.name,
            Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })),
          })),
      }),
    };
  }
}

/**
 * Uptime and latency of a service from its recorded check results. The prober records a check's result when its
 * status changes and as a heartbeat every few minutes, so a recorded status holds until the check's next record —
 * but never longer than `maxGapMs`: past that nobody was watching, and that time counts as not observed rather
 * than as up or down. The service is up while every check it has a record of is healthy or degraded (it answers),
 * down while any is unhealthy; `unknown` results are not observed.
 */

/** One recorded check result (the stored health history). */
export interface RecordedResult {
  /** Epoch ms. */
  at: number;
  check: string;
  status: 'unknown' | 'healthy' | 'degraded' | 'unhealthy';
  latency_ms?: number;
}

/** Uptime over one window. */
export interface UptimeSummary {
  from: number;
  to: number;
  /** Up time over observed time, 0..1; null when nothing was observed. */
  ratio: number | null;
  observed_ms: number;
  up_ms: number;
  /** Recorded results inside the window. */
  results: number;
  /** Latency of the recorded results that have one (ms), or null when none. */
  latency: { avg: number; p95: number; max: number } | null;
}

/** Default: three heartbeats (5 min each) without a record means the prober was not running. */
export const DEFAULT_MAX_GAP_MS = 15 * 60_000;

/** Order of severity of a result's status. */
const SEVERITY: Record<RecordedResult['status'], number> = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3 };

/** The p-th percentile (nearest rank) of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Uptime of a service over [from, to) from its results (any order; results outside the window are ignored, except
 * that the last one before `from` of each check gives the state at `from`).
 */
export function uptime(
  results: readonly RecordedResult[],
  from: number,
  to: number,
  maxGapMs = DEFAULT_MAX_GAP_MS,
): UptimeSummary {
  // Two results of one check at the same instant: the more severe is the one that holds (sorted last), whatever
  // order they came in.
  const sorted = [...results]
    .filter((r) => r.at < to)
    .sort((a, b) => a.at - b.at || a.check.localeCompare(b.check) || SEVERITY[a.status] - SEVERITY[b.status]);
  // Segment boundaries: where a record arrives and where one goes stale. Within a segment the set of fresh
  // records, and so the verdict, is constant.
  const cuts = new Set<number>([from, to]);
  for (const r of sorted) {
    if (r.at > from) cuts.add(r.at);
    if (r.at + maxGapMs > from && r.at + maxGapMs < to) cuts.add(r.at + maxGapMs);
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  // Each check's latest record as of the segment's start.
  const latest = new Map<string, RecordedResult>();
  let next = 0;
  let observed = 0;
  let up = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i]!;
    const end = bounds[i + 1]!;
    while (next < sorted.length && sorted[next]!.at <= start) {
      latest.set(sorted[next]!.check, sorted[next]!);
      next++;
    }
    const fresh = [...latest.values()].filter((r) => r.status !== 'unknown' && r.at + maxGapMs > start);
    if (fresh.length === 0) continue;
    observed += end - start;
    if (fresh.every((r) => r.status !== 'unhealthy')) up += end - start;
  }

  const inside = sorted.filter((r) => r.at >= from);
  const latencies = inside
    .map((r) => r.latency_ms)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  return {
    from,
    to,
    ratio: observed > 0 ? up / observed : null,
    observed_ms: observed,
    up_ms: up,
    results: inside.length,
    latency:
      latencies.length === 0
        ? null
        : {
            avg: Math.round((latencies.reduce((s, v) => s + v, 0) / latencies.length) * 10) / 10,
            p95: percentile(latencies, 95),
            max: latencies[latencies.length - 1]!,
          },
  };
}

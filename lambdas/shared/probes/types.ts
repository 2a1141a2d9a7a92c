/** The outcome of one probe. */
export interface ProbeResult {
  ok: boolean;
  latency_ms: number;
  /** HTTP status, when there was one. */
  status_code?: number;
  /** Why it failed (or a short note when it passed). */
  message?: string;
  /** ECS tasks found unhealthy (for the `stop_task` restart action). */
  bad_tasks?: string[];
}

/** Milliseconds since `start` (a `performance.now()` value), rounded to 0.1 ms. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

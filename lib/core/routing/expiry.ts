/**
 * Keep times of history and routing items. DynamoDB TTL deletes expired items up to days late (local mode within
 * minutes), so every read checks `expires_at` itself.
 */

/** How long an event that found no waiter stays claimable by waiters that register later. */
export const DEFAULT_EARLY_EVENT_KEEP_SECONDS = 15 * 60;

/** A waiter without a timeout of its own is kept this long (Step Functions' own maximum is a year). */
export const DEFAULT_WAITER_KEEP_SECONDS = 7 * 24 * 3600;

/**
 * The longest a run stays open: Step Functions ends a Standard execution after a year. History of something still
 * open (a run, a step under way, a waiting join, a queued start) keeps this long beyond its retention, and gets its
 * retention counted from its end when it ends; a redrive reopens it.
 */
export const LONGEST_RUN_SECONDS = 366 * 86_400;

/** Epoch seconds at which history of something still open (see {@link LONGEST_RUN_SECONDS}) expires. */
export function openExpiresAt(nowMs: number, retentionSeconds: number): number {
  return expiresAt(nowMs, retentionSeconds + LONGEST_RUN_SECONDS);
}

/** Epoch seconds (the unit of DynamoDB TTL attributes) of `nowMs + seconds`. */
export function expiresAt(nowMs: number, seconds: number): number {
  return Math.ceil(nowMs / 1000 + seconds);
}

/** Whether an item whose TTL attribute is `expires` (epoch seconds) is still alive at `nowMs`. */
export function isAlive(expires: number | undefined, nowMs: number): boolean {
  return expires === undefined || expires * 1000 > nowMs;
}

/** Parses a keep-time setting (seconds, positive integer); the default when absent or malformed. */
export function keepSeconds(raw: string | undefined, fallback = DEFAULT_EARLY_EVENT_KEEP_SECONDS): number {
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Default days of history before TTL removes it (HISTORY_RETENTION_DAYS). */
export const DEFAULT_RETENTION_DAYS = 30;

/** Parses HISTORY_RETENTION_DAYS; the default when absent or malformed. */
export function retentionDays(raw: string | undefined): number {
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_RETENTION_DAYS;
}

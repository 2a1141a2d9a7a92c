/**
 * Durations written in workflow documents (`accept_events_since: "15m"`): a whole number and a unit, `s`, `m`, `h`
 * or `d`.
 */

const DURATION = /^([0-9]{1,9})(s|m|h|d)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** Longest `accept_events_since`: 30 days (events are kept for less than that anyway; see docs/engine.md). */
export const MAX_ACCEPT_EVENTS_SINCE_SECONDS = 30 * 86_400;

/** Seconds of a duration like `"15m"`, or undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

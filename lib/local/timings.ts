/**
 * Start-up phase timings: with `STEWARD_TIMINGS=1`, `steward local` prints how long each phase of the start took
 * (since the process started), to see where the time to "ready" goes.
 */
const enabled = process.env.STEWARD_TIMINGS === '1';

/** Prints `what` with the ms since the process started (STEWARD_TIMINGS=1 only). */
export function timing(what: string): void {
  if (enabled) process.stderr.write(`steward local [timing] ${Math.round(performance.now())} ms  ${what}\n`);
}

/** Times `work` as one phase (STEWARD_TIMINGS=1 only): prints its end and duration. */
export async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    timing(`${what} (${Math.round(performance.now() - start)} ms)`);
  }
}

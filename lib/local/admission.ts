/**
 * Admission of local DynamoDB's requests to dynalite (dynamo-worker.ts): a few at once, callers that wait on an
 * answer first.
 */
/** Requests dynalite works on at once by default; the others wait in {@link Admission}'s queues. */
export const IN_FLIGHT = 8;
/** Queued priority requests admitted in a row before one other request: others wait, but never for ever. */
const PRIORITY_RUN = 8;

/**
 * The order requests reach dynalite in. This thread is the busiest of local mode under load, and requests queued
 * first-come first-served: a burst of starts over the API waited behind every run's step and event records, its
 * callers timing out. Callers that wait on an answer go first (a run's records can wait a little; independent
 * callers' requests have no order on DynamoDB either), at most {@link PRIORITY_RUN} in a row.
 */
export class Admission {
  private running = 0;
  private inARow = 0;
  private readonly first: Array<() => void> = [];
  private readonly rest: Array<() => void> = [];

  constructor(private readonly limit = IN_FLIGHT) {}

  /** Runs `start` now or once there is room; `start` must call the `done` it is given exactly once. */
  admit(priority: boolean, start: (done: () => void) => void): void {
    const run = (): void => {
      this.running++;
      let called = false;
      start(() => {
        if (called) return;
        called = true;
        this.running--;
        this.next();
      });
    };
    if (this.running < this.limit && this.first.length + this.rest.length === 0) run();
    else (priority ? this.first : this.rest).push(run);
  }

  /** Requests waiting for room. */
  get queued(): number {
    return this.first.length + this.rest.length;
  }

  private next(): void {
    while (this.running < this.limit && this.first.length + this.rest.length > 0) {
      const takeFirst = this.first.length > 0 && (this.inARow < PRIORITY_RUN || this.rest.length === 0);
      this.inARow = takeFirst ? this.inARow + 1 : 0;
      (takeFirst ? this.first.shift() : this.rest.shift())?.();
    }
  }
}

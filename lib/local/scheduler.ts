/**
 * Runs schedules on a clock that may run faster than real time: at speed 60 a `rate(1 minute)` schedule fires every
 * second. Expressions are parsed by lib/core/schedule.ts, the parser validation and the constructs use, so every
 * expression that validates runs here as EventBridge Scheduler would run it (`L`, `W`, `#`, time zones, `at()`).
 */
import { parseScheduleExpression } from '../core/schedule.ts';

export interface ScheduleHandle {
  name: string;
  expression: string;
  /** Virtual time of the next fire, for the status page. */
  next: Date | undefined;
  stop(): void;
}

/** Longest single timer Node keeps (about 24.8 days); longer waits are re-armed in steps, never fired early. */
const MAX_TIMER_MS = 2_147_483_647;

/** "Next fire time after t" of an expression in a time zone; throws naming what is wrong. */
export function parseSchedule(expression: string, timezone = 'UTC'): (after: Date) => Date | undefined {
  const schedule = parseScheduleExpression(expression, timezone);
  return (after) => schedule.next(after);
}

/** What EventBridge Scheduler knows about one invocation of a schedule's target. */
export interface ScheduleInvocation {
  scheduleArn: string;
  /** The occurrence's time (EventBridge Scheduler's scheduled time, whole seconds). */
  scheduledTime: Date;
  /** Unique per attempted invocation. */
  executionId: string;
  /** 1 for the first attempt of an occurrence. */
  attemptNumber: number;
}

/**
 * Replaces the context attributes EventBridge Scheduler substitutes in a target's input
 * (`<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`,
 * `<aws.scheduler.attempt-number>`) with this invocation's values. Like the real service it works on the input's
 * text, before the target parses it; none of the values holds a character JSON would need escaped.
 */
export function withContextAttributes(input: string, invocation: ScheduleInvocation): string {
  const values: Record<string, string> = {
    'schedule-arn': invocation.scheduleArn,
    'scheduled-time': invocation.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'execution-id': invocation.executionId,
    'attempt-number': String(invocation.attemptNumber),
  };
  return input.replace(/<aws\.scheduler\.([a-z-]+)>/g, (whole, name: string) => values[name] ?? whole);
}

/** Runs schedules on a (possibly accelerated) clock. */
export class LocalScheduler {
  private readonly handles = new Set<ScheduleHandle>();
  /** How to fire each schedule out of turn (see {@link fireRateSchedulesNow}). */
  private readonly fireNow = new Map<ScheduleHandle, () => void>();
  private readonly origin = Date.now();

  /** @param speed how many times faster than real time the schedules run. @default 1 */
  constructor(private readonly speed = 1) {}

  /** The scheduler's virtual now. */
  now(): Date {
    return new Date(this.origin + (Date.now() - this.origin) * this.speed);
  }

  /**
   * Fires `onFire(input, time)` at every occurrence of `expression` (wall-clock times in `timezone`) until stopped.
   * Throws on a bad expression.
   */
  add(
    name: string,
    expression: string,
    input: unknown,
    onFire: (input: unknown, time: Date) => void,
    timezone = 'UTC',
  ): ScheduleHandle {
    const next = parseSchedule(expression, timezone);
    let timer: NodeJS.Timeout | undefined;
    const handle: ScheduleHandle = {
      name,
      expression,
      next: undefined,
      stop: () => {
        clearTimeout(timer);
        this.handles.delete(handle);
        this.fireNow.delete(handle);
      },
    };
    const wait = (at: Date): void => {
      const delay = Math.max(0, (at.getTime() - this.now().getTime()) / this.speed);
      timer = setTimeout(
        () => {
          if (delay > MAX_TIMER_MS) return wait(at);
          onFire(input, at);
          arm(at);
        },
        Math.min(delay, MAX_TIMER_MS),
      );
      timer.unref?.();
    };
    const arm = (after: Date): void => {
      const at = next(after);
      handle.next = at;
      if (at) wait(at);
    };
    arm(this.now());
    this.handles.add(handle);
    this.fireNow.set(handle, () => onFire(input, this.now()));
    return handle;
  }

  /**
   * Fires every `rate()` schedule once, now, leaving its regular occurrences as they are. Local mode calls it when
   * everything is registered, the moment a deployment's schedules would have just been created, so probes, the
   * reconciler and discovery start at once instead of a whole period later. `cron()` schedules keep their times.
   */
  fireRateSchedulesNow(): number {
    let fired = 0;
    for (const [handle, fire] of this.fireNow) {
      if (!handle.expression.trim().startsWith('rate(')) continue;
      fire();
      fired++;
    }
    return fired;
  }

  /** Active schedules. */
  list(): ScheduleHandle[] {
    return [...this.handles];
  }

  /** Stops every schedule. */
  close(): void {
    for (const h of [...this.handles]) h.stop();
  }
}

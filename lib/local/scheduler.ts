/**
 * A clock for schedule expressions: `rate(n minute|minutes|hour|hours|day|days)` and AWS's six-field
 * `cron(minutes hours day-of-month month day-of-week year)` (with `*`, `?`, lists, ranges, steps, month and day
 * names, day-of-week 1–7 = SUN–SAT), in UTC. `speed` makes time pass faster: at speed 60 a `rate(1 minute)`
 * schedule fires every second.
 */
export interface ScheduleHandle {
  name: string;
  expression: string;
  /** Virtual time of the next fire, for the status page. */
  next: Date | undefined;
  stop(): void;
}

type Matcher = (value: number) => boolean;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Parses a schedule expression into "next fire time after t"; throws naming what is wrong. */
export function parseSchedule(expression: string): (after: Date) => Date | undefined {
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) throw new Error(`rate must be at least 1: ${expression}`);
    if ((value === 1) !== !rate[2]?.endsWith('s'))
      throw new Error(`use the singular unit for 1 and the plural otherwise: ${expression}`);
    const every = value * (UNITS[rate[2] ?? ''] ?? 60_000);
    return (after) => new Date(after.getTime() + every);
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) throw new Error(`not a rate() or cron() expression: ${expression}`);
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6)
    throw new Error(`cron() needs 6 fields (minutes hours day-of-month month day-of-week year): ${expression}`);
  const [min, hour, dom, mon, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?'))
    throw new Error(`exactly one of day-of-month and day-of-week must be '?': ${expression}`);
  const m = field(min, 0, 59);
  const h = field(hour, 0, 23);
  const d = field(dom, 1, 31);
  const mo = field(mon, 1, 12, MONTHS, 1);
  const wd = field(dow, 1, 7, DAYS, 1);
  const y = field(year, 1970, 2199);
  return (after) => {
    const t = new Date(after.getTime());
    t.setUTCSeconds(0, 0);
    t.setUTCMinutes(t.getUTCMinutes() + 1);
    // Minute steps over at most ~5 years: simple and fast enough for schedules that fire at all.
    for (let i = 0; i < 60 * 24 * 366 * 5; i++) {
      if (
        y(t.getUTCFullYear()) &&
        mo(t.getUTCMonth() + 1) &&
        (dom === '?' || d(t.getUTCDate())) &&
        (dow === '?' || wd(t.getUTCDay() + 1)) &&
        h(t.getUTCHours()) &&
        m(t.getUTCMinutes())
      ) {
        return t;
      }
      t.setUTCMinutes(t.getUTCMinutes() + 1);
    }
    return undefined;
  };
}

function field(text: string, lo: number, hi: number, names: string[] = [], base = 0): Matcher {
  if (text === '*' || text === '?') return () => true;
  const value = (s: string): number => {
    const idx = names.indexOf(s.toUpperCase());
    const n = idx >= 0 ? idx + base : Number(s);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`'${s}' is out of range ${lo}-${hi}`);
    return n;
  };
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in '${part}'`);
    const [a = '', b] = range === '*' ? [String(lo), String(hi)] : range.split('-');
    const start = value(a);
    const end = b === undefined ? (stepText === undefined ? start : hi) : value(b);
    for (let v = start; v <= end; v += step) allowed.add(v);
  }
  return (v) => allowed.has(v);
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

  /** Fires `onFire(input, time)` at every occurrence of `expression` until stopped. Throws on a bad expression. */
  add(name: string, expression: string, input: unknown, onFire: (input: unknown, time: Date) => void): ScheduleHandle {
    const next = parseSchedule(expression);
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
    const arm = (after: Date): void => {
      const at = next(after);
      handle.next = at;
      if (!at) return;
      const delay = Math.max(0, (at.getTime() - this.now().getTime()) / this.speed);
      timer = setTimeout(
        () => {
          onFire(input, at);
          arm(at);
        },
        Math.min(delay, 2_000_000_000),
      );
      timer.unref?.();
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

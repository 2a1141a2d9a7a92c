/**
 * Schedule expressions as EventBridge Scheduler and EventBridge rules read them, in one place: workflow validation,
 * the constructs and local mode all parse with {@link parseScheduleExpression}, so an expression that validates is
 * one that local mode can run and AWS accepts.
 *
 * - `rate(value unit)`: a positive whole value; `minute`/`hour`/`day` for 1, `minutes`/`hours`/`days` otherwise.
 * - `cron(minutes hours day-of-month month day-of-week year)`: `*`, `,`, `-`, `/` in every field; `?` in exactly one
 *   of day-of-month and day-of-week; `L` (last day of the month), `LW` (last weekday of the month) and `nW` (the
 *   weekday nearest day n, within the month) in day-of-month; `L` (Saturday, the last day of the week), `nL` (the
 *   last day n of the month) and `n#k` (the k-th day n of the month) in day-of-week; JAN–DEC and SUN–SAT names
 *   (day-of-week 1–7 = SUN–SAT); years 1970–2199.
 * - `at(yyyy-mm-ddThh:mm:ss)`: one time (EventBridge Scheduler only).
 *
 * Times are wall-clock times in the schedule's IANA time zone (default UTC), as `ScheduleExpressionTimezone` makes
 * them on AWS.
 */

/** A schedule expression that does not parse; the message says what is wrong and what would be right. */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

/** A parsed schedule: `next(after)` is its first occurrence strictly after `after`, or undefined if none is left. */
export interface Schedule {
  readonly kind: 'rate' | 'cron' | 'at';
  readonly expression: string;
  readonly timezone: string;
  next(after: Date): Date | undefined;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTE = 60_000;
const UNITS: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: 1_440 * MINUTE };

/** Parses `expression` (and checks `timezone`, an IANA name); throws {@link ScheduleExpressionError}. */
export function parseScheduleExpression(expression: string, timezone = 'UTC'): Schedule {
  const text = expression.trim();
  const zone = checkTimezone(timezone);
  const rate = /^rate\((.*)\)$/.exec(text);
  if (rate) return { kind: 'rate', expression: text, timezone, next: parseRate(rate[1] ?? '', text) };
  const at = /^at\((.*)\)$/.exec(text);
  if (at) return { kind: 'at', expression: text, timezone, next: parseAt(at[1] ?? '', text, zone) };
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', expression: text, timezone, next: parseCron(cron[1] ?? '', text, zone) };
  throw new ScheduleExpressionError(
    `'${expression}' is not a schedule expression: use rate(5 minutes), cron(0 12 * * ? *) or at(2030-01-01T09:00:00)`,
  );
}

/** True when `expression` parses; for schema refinements. */
export function isScheduleExpression(expression: string, timezone = 'UTC'): boolean {
  try {
    parseScheduleExpression(expression, timezone);
    return true;
  } catch {
    return false;
  }
}

function parseRate(body: string, text: string): Schedule['next'] {
  const m = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/.exec(body);
  if (!m) throw new ScheduleExpressionError(`${text}: a rate is 'value unit', e.g. rate(5 minutes) or rate(1 hour)`);
  const value = Number(m[1]);
  const unit = m[2] ?? '';
  if (value < 1) throw new ScheduleExpressionError(`${text}: the rate value must be at least 1`);
  if ((value === 1) !== !unit.endsWith('s')) {
    throw new ScheduleExpressionError(`${text}: use the singular unit for 1 (rate(1 hour)) and the plural otherwise`);
  }
  const every = value * (UNITS[unit.replace(/s$/, '')] ?? MINUTE);
  return (after) => new Date(after.getTime() + every);
}

function parseAt(body: string, text: string, zone: Zone): Schedule['next'] {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
  if (!m) throw new ScheduleExpressionError(`${text}: a one-time schedule is at(yyyy-mm-ddThh:mm:ss)`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const when = zone.toInstant(y, mo, d, h, mi, s);
  const check = zone.fields(when);
  if (check.year !== y || check.month !== mo || check.day !== d || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) {
    throw new ScheduleExpressionError(`${text}: ${body} is not a valid date and time`);
  }
  return (after) => (when.getTime() > after.getTime() ? when : undefined);
}

type Matcher = (value: number) => boolean;

/** A day-of-month or day-of-week rule, which may depend on the month it is checked in. */
type DayRule = (year: number, month: number, day: number, weekday: number) => boolean;

function parseCron(body: string, text: string, zone: Zone): Schedule['next'] {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `${text}: cron() has six fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [min, hour, dom, mon, dow, yr] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError(`${text}: exactly one of day-of-month and day-of-week must be '?'`);
  }
  const at = (name: string, f: () => Matcher | DayRule) => {
    try {
      return f();
    } catch (e) {
      throw new ScheduleExpressionError(`${text}: ${name} ${(e as Error).message}`);
    }
  };
  const minutes = at('minutes', () => plainField(min, 0, 59)) as Matcher;
  const hours = at('hours', () => plainField(hour, 0, 23)) as Matcher;
  const months = at('month', () => plainField(mon, 1, 12, MONTHS)) as Matcher;
  const years = at('year', () => plainField(yr, 1970, 2199)) as Matcher;
  const days: DayRule =
    dom === '?'
      ? (at('day-of-week', () => weekdayRule(dow)) as DayRule)
      : (at('day-of-month', () => monthDayRule(dom)) as DayRule);

  return (after) => {
    // Walk wall-clock time forward, skipping whole days, then hours, that cannot match: a few thousand steps at most
    // for schedules that fire at all, whatever the time zone's offsets do in between.
    let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
    for (let guard = 0; guard < 400_000; guard++) {
      const f = zone.fields(new Date(t));
      if (f.year > 2199) return undefined;
      if (!years(f.year) || !months(f.month) || !days(f.year, f.month, f.day, f.weekday)) {
        t += (1_440 - (f.hour * 60 + f.minute)) * MINUTE;
        continue;
      }
      if (!hours(f.hour)) {
        t += (60 - f.minute) * MINUTE;
        continue;
      }
      if (!minutes(f.minute)) {
        t += MINUTE;
        continue;
      }
      return new Date(t);
    }
    return undefined;
  };
}

/** `*`, lists, ranges and steps, with optional names (JAN…, SUN…) counted from `lo`. */
function plainField(text: string, lo: number, hi: number, names: readonly string[] = []): Matcher {
  if (text === '*') return () => true;
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new Error(`'${part}' is not a value, range or step`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!/^\d+$/.test(stepText ?? '1') || step < 1) throw new Error(`'${part}' has a bad step`);
    const [a = '', b, more] = range === '*' ? [String(lo), String(hi)] : range.split('-');
    if (more !== undefined) throw new Error(`'${part}' is not a range`);
    const start = fieldValue(a, lo, hi, names);
    const end = b === undefined ? (stepText === undefined ? start : hi) : fieldValue(b, lo, hi, names);
    if (end < start) throw new Error(`'${part}' runs backwards`);
    for (let v = start; v <= end; v += step) allowed.add(v);
  }
  return (v) => allowed.has(v);
}

function fieldValue(s: string, lo: number, hi: number, names: readonly string[]): number {
  const named = names.indexOf(s.toUpperCase());
  const n = named >= 0 ? named + lo : /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`'${s}' is not in ${lo}-${hi}`);
  return n;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The weekday (0 = Sunday) of a date. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday (Mon–Fri) nearest `day` without leaving the month, as `nW` picks it. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const d = Math.min(day, last);
  const w = weekdayOf(year, month, d);
  if (w === 6) return d === 1 ? 3 : d - 1;
  if (w === 0) return d === last ? d - 2 : d + 1;
  return d;
}

function monthDayRule(text: string): DayRule {
  if (text === 'L') return (y, m, d) => d === daysIn(y, m);
  if (text === 'LW') return (y, m, d) => d === nearestWeekday(y, m, daysIn(y, m));
  const w = /^(\d{1,2})W$/.exec(text);
  if (w) {
    const target = fieldValue(w[1] ?? '', 1, 31, []);
    return (y, m, d) => d === nearestWeekday(y, m, target);
  }
  if (/[LW#]/.test(text)) throw new Error(`'${text}': use L, LW or nW (e.g. 15W) on their own`);
  const plain = plainField(text, 1, 31);
  return (_y, _m, d) => plain(d);
}

function weekdayRule(text: string): DayRule {
  if (text === 'L') return (_y, _m, _d, w) => w === 6;
  const last = /^(\w{1,3})L$/.exec(text);
  if (last) {
    const wanted = fieldValue(last[1] ?? '', 1, 7, DAYS) - 1;
    return (y, m, d, w) => w === wanted && d + 7 > daysIn(y, m);
  }
  const nth = /^(\w{1,3})#(\d)$/.exec(text);
  if (nth) {
    const wanted = fieldValue(nth[1] ?? '', 1, 7, DAYS) - 1;
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw new Error(`'${text}': the week in n#k is 1-5`);
    return (_y, _m, d, w) => w === wanted && Math.ceil(d / 7) === k;
  }
  if (/[LW#]/.test(text)) throw new Error(`'${text}': use L, nL (e.g. 6L) or n#k (e.g. MON#1) on their own`);
  const plain = plainField(text, 1, 7, DAYS);
  return (_y, _m, _d, w) => plain(w + 1);
}

/** Wall-clock fields of an instant in a time zone, and the instant of a wall-clock time. */
interface Zone {
  fields(t: Date): { year: number; month: number; day: number; hour: number; minute: number; weekday: number };
  toInstant(year: number, month: number, day: number, hour: number, minute: number, second: number): Date;
}

const UTC_ZONE: Zone = {
  fields: (t) => ({
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    weekday: t.getUTCDay(),
  }),
  toInstant: (y, mo, d, h, mi, s) => new Date(Date.UTC(y, mo - 1, d, h, mi, s)),
};

function checkTimezone(timezone: string): Zone {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return UTC_ZONE;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
  } catch {
    throw new ScheduleExpressionError(`'${timezone}' is not an IANA time zone (e.g. Europe/Paris, America/New_York)`);
  }
  const fields: Zone['fields'] = (t) => {
    const parts: Record<string, string> = {};
    for (const p of format.formatToParts(t)) parts[p.type] = p.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      weekday: DAYS.indexOf((parts.weekday ?? '').toUpperCase()),
    };
  };
  return {
    fields,
    toInstant: (y, mo, d, h, mi, s) => {
      // Guess with the offset at the UTC reading of the wall time, then correct once for the offset there.
      const wall = Date.UTC(y, mo - 1, d, h, mi, s);
      const offsetAt = (t: number): number => {
        const f = fields(new Date(t));
        return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute) - Math.floor(t / MINUTE) * MINUTE;
      };
      const first = wall - offsetAt(wall);
      return new Date(wall - offsetAt(first));
    },
  };
}

/**
 * CloudWatch Logs subscription filters, locally: log events written to a subscribed group that match the filter
 * pattern are delivered to the destination function as CloudWatch Logs delivers them (`{ awslogs: { data } }`, base64
 * of gzipped JSON), in the order they were written.
 */
import { gzipSync } from 'node:zlib';
import type { LocalLogSubscription } from '../wiring.ts';

type Term = { path: string[]; value: string };

/**
 * A matcher for the JSON filter patterns local mode needs: `{ ($.a = "x") || ($.a = "y") }`, `&&` likewise, or an
 * empty pattern (everything). Anything else throws naming the pattern: a pattern local mode would get wrong must
 * not pass silently.
 */
export function filterPatternMatcher(pattern: string): (message: string) => boolean {
  const text = pattern.trim();
  if (text === '') return () => true;
  const body = /^\{(.*)\}$/s.exec(text)?.[1];
  const ops = body?.match(/\|\||&&/g) ?? [];
  const or = ops.every((o) => o === '||');
  const and = ops.every((o) => o === '&&');
  const terms: Term[] | undefined =
    body === undefined || !(or || and)
      ? undefined
      : body.split(/\|\||&&/).map((raw) => {
          const m = /^\s*\(?\s*\$\.([\w.]+)\s*=\s*"?([^"()]*?)"?\s*\)?\s*$/.exec(raw);
          return m ? { path: m[1]!.split('.'), value: m[2]! } : { path: [], value: '' };
        });
  if (!terms || terms.some((t) => t.path.length === 0)) {
    throw new Error(
      `filter pattern ${JSON.stringify(pattern)} is not one local mode supports ({ $.field = "value" || … })`,
    );
  }
  return (message) => {
    let json: unknown;
    try {
      json = JSON.parse(message);
    } catch {
      return false;
    }
    const test = (t: Term): boolean => {
      let v: unknown = json;
      for (const key of t.path)
        v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
      return v !== undefined && String(v) === t.value;
    };
    return or ? terms.some(test) : terms.every(test);
  };
}

/** The group name of a log group ARN (`arn:aws:logs:<region>:<account>:log-group:<name>:*`). */
export function logGroupName(arn: string): string {
  const i = arn.indexOf(':log-group:');
  return (i < 0 ? arn : arn.slice(i + ':log-group:'.length)).replace(/:\*$/, '');
}

/** Delivers log events of subscribed groups to their destination functions. */
export class LogSubscriptions {
  private readonly subscriptions: Array<LocalLogSubscription & { matches: (message: string) => boolean }>;
  private tail: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(
    subscriptions: readonly LocalLogSubscription[],
    private readonly invoke: (functionArn: string, payload: unknown) => Promise<unknown>,
    private readonly onError: (subscription: string, error: unknown) => void,
    private readonly account = '000000000000',
  ) {
    this.subscriptions = subscriptions.map((s) => ({ ...s, matches: filterPatternMatcher(s.filterPattern) }));
  }

  /** Writes one log event (a JSON record) to `logGroupArn`; subscriptions whose pattern matches receive it. */
  put(logGroupArn: string, record: Record<string, unknown>, timestamp = Date.now()): void {
    const group = logGroupName(logGroupArn);
    const message = JSON.stringify(record);
    for (const sub of this.subscriptions) {
      if (sub.logGroupName !== group || !sub.matches(message)) continue;
      const data = gzipSync(
        JSON.stringify({
          messageType: 'DATA_MESSAGE',
          owner: this.account,
          logGroup: group,
          logStream: 'states/local',
          subscriptionFilters: [sub.logicalId],
          logEvents: [{ id: String(++this.sequence), timestamp, message }],
        }),
      ).toString('base64');
      // One delivery at a time, in write order: a run's start reaches the function before its end.
      this.tail = this.tail
        .then(() => this.invoke(sub.destinationArn, { awslogs: { data } }))
        .then(
          () => undefined,
          (error: unknown) => this.onError(sub.logicalId, error),
        );
    }
  }

  /** Resolves when every delivery so far has been made. */
  async idle(): Promise<void> {
    await this.tail;
  }
}

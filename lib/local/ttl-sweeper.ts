/**
 * DynamoDB's Time to Live for local mode: dynalite has none, so DynamoDB's thread deletes expired items itself.
 *
 * DynamoDB deletes an item once the number of seconds in its TTL attribute is before now (an attribute that is not a
 * number, or a value more than five years past, is left alone), in the background, "typically within two days";
 * until then the item still shows up in reads, which is why every reader of Steward's tables checks `expires_at`
 * itself. Locally a pass runs every {@link TTL_SWEEP_MS}: the readers' checks are exercised all the same, and a local
 * mode left running (or a `--data` folder used for weeks) holds what has not expired rather than everything it wrote.
 *
 * A pass reads each table a page at a time (a filtered Scan for the keys of expired items) and deletes each item on
 * the same condition, so an item whose expiry was pushed back meanwhile stays. It runs in DynamoDB's thread and calls
 * dynalite's handler directly (no HTTP, no SDK), and pauses between pages three times as long as the page took, so a
 * pass over a large table takes at most a quarter of the thread from the functions' requests.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** How often expired items are deleted (DynamoDB: in the background, typically within two days). */
export const TTL_SWEEP_MS = 5 * 60_000;

/** DynamoDB leaves an item whose TTL value is more than five years past (a number that is not an expiry). */
const OLDEST_SECONDS = 5 * 365 * 86_400;

/** Items a pass reads a page. */
const PAGE = 500;
const PAUSE_MS = 20;
const PAUSE_FACTOR = 3;

/** A table with TTL: its name, its TTL attribute and its key attributes. */
export interface ExpiringTable {
  name: string;
  attribute: string;
  keys: string[];
}

type Item = Record<string, unknown>;

/** One DynamoDB operation, answered with its status and JSON body. */
export type DynamoCall = (operation: string, input: Item) => Promise<{ status: number; body: Item }>;

/** What dynalite's handler reads of a request besides its body. */
type RequestHead = Pick<IncomingMessage, 'headers' | 'method' | 'url'>;

/**
 * Hands dynalite's handler a request in this thread: a stand-in with the request's headers, method and url emits the
 * body (`data`, `end`) once the handler listens, as dynalite reads it. The guarded front replays callers' requests
 * with it (the guard has consumed the real one); {@link directCall} makes its own.
 */
export function replay(handler: RequestListener, head: RequestHead, body: Buffer, res: ServerResponse): void {
  const copy = Object.assign(new EventEmitter(), { headers: head.headers, method: head.method, url: head.url });
  handler(copy as unknown as IncomingMessage, res);
  if (body.length > 0) copy.emit('data', body);
  copy.emit('end');
}

/**
 * Calls dynalite's request handler in this thread, as an HTTP request would reach it: dynalite only checks that an
 * Authorization header is there (the guard in front of it, which checks signatures, is for callers, not for this).
 */
export function directCall(handler: RequestListener): DynamoCall {
  const head = (operation: string): RequestHead => ({
    method: 'POST',
    url: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20200101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=steward-local/20200101/us-east-1/dynamodb/aws4_request, ' +
        'SignedHeaders=host, Signature=0',
    },
  });
  return (operation, input) =>
    new Promise((resolve, reject) => {
      const res = {
        statusCode: 200,
        contentType: '',
        setHeader: () => undefined,
        end: (body?: string) => {
          try {
            resolve({ status: res.statusCode, body: body ? (JSON.parse(body) as Item) : {} });
          } catch (error) {
            reject(error);
          }
        },
      };
      replay(handler, head(operation), Buffer.from(JSON.stringify(input)), res as unknown as ServerResponse);
    });
}

/** Thrown when dynalite refuses an operation of a pass. */
class SweepError extends Error {
  override readonly name = 'SweepError';
}

/** Deletes expired items of the tables it is given, on a timer and on demand; see the module comment. */
export class TtlSweeper {
  private readonly tables = new Map<string, ExpiringTable>();
  private pass: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly call: DynamoCall,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds (or replaces) a table to sweep. */
  add(table: ExpiringTable): void {
    this.tables.set(table.name, table);
  }

  /** Sweeps every `ms` from now on (0: never on its own); a failed pass is reported to `onError`. */
  every(ms: number, onError: (error: Error) => void): void {
    clearInterval(this.timer);
    if (ms <= 0) return;
    this.timer = setInterval(() => {
      if (this.tables.size > 0) this.sweep().catch(onError);
    }, ms).unref();
  }

  /** One pass over every table; resolves with the number of items deleted. Passes run one after the other. */
  sweep(): Promise<number> {
    const previous = this.pass ?? Promise.resolve(0);
    const pass = previous
      .catch(() => 0)
      .then(async () => {
        let deleted = 0;
        for (const table of this.tables.values()) {
          if (this.stopped) break;
          deleted += await this.sweepTable(table);
        }
        return deleted;
      });
    this.pass = pass;
    return pass;
  }

  /** Stops the timer; a pass under way ends after its current page. Resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pass?.catch(() => undefined);
  }

  private async sweepTable({ name, attribute, keys }: ExpiringTable): Promise<number> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const expired = {
      ConditionExpression: '#ttl < :now AND #ttl >= :oldest',
      ExpressionAttributeNames: { '#ttl': attribute },
      ExpressionAttributeValues: {
        ':now': { N: String(nowSeconds) },
        ':oldest': { N: String(nowSeconds - OLDEST_SECONDS) },
      },
    };
    let deleted = 0;
    let start: Item | undefined;
    do {
      const pageStarted = performance.now();
      const page = await this.ok('Scan', {
        TableName: name,
        Limit: PAGE,
        ...(start ? { ExclusiveStartKey: start } : {}),
        FilterExpression: expired.ConditionExpression,
        ProjectionExpression: keys.map((_, i) => `#k${i}`).join(', '),
        ExpressionAttributeNames: {
          ...expired.ExpressionAttributeNames,
          ...Object.fromEntries(keys.map((key, i) => [`#k${i}`, key])),
        },
        ExpressionAttributeValues: expired.ExpressionAttributeValues,
      });
      for (const Key of (page.Items ?? []) as Item[]) {
        const out = await this.call('DeleteItem', { TableName: name, Key, ...expired });
        if (out.status === 200) deleted++;
        else if (!String(out.body.__type).endsWith('ConditionalCheckFailedException'))
          throw this.refused('DeleteItem', out);
      }
      start = page.LastEvaluatedKey as Item | undefined;
      const pause = Math.max(PAUSE_MS, (performance.now() - pageStarted) * PAUSE_FACTOR);
      if (start && !this.stopped) await new Promise((resolve) => setTimeout(resolve, pause));
    } while (start && !this.stopped);
    return deleted;
  }

  private async ok(operation: string, input: Item): Promise<Item> {
    const out = await this.call(operation, input);
    if (out.status !== 200) throw this.refused(operation, out);
    return out.body;
  }

  private refused(operation: string, out: { status: number; body: Item }): SweepError {
    const type = String(out.body.__type ?? '')
      .split('#')
      .pop();
    return new SweepError(`${operation} answered ${out.status} ${type}: ${String(out.body.message ?? '')}`);
  }
}

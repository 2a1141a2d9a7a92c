/**
 * Remembers how dynalite parsed each DynamoDB expression. dynalite parses every ConditionExpression,
 * UpdateExpression, KeyConditionExpression, FilterExpression and ProjectionExpression with a PEG parser on every
 * request, and under load that was the largest single cost of local mode's DynamoDB thread (about a seventh of it),
 * although Steward's handlers send the same few expressions again and again.
 *
 * A parse depends on the expression's text and on the attribute names and values it reads from the request's
 * `ExpressionAttributeNames` / `ExpressionAttributeValues`. The first parse of a text records which of those entries
 * the parser read (through proxies) and which of them it marked used; a later request with the same text whose read
 * entries are equal gets a copy of the remembered result and the same entries marked used, exactly as a parse would
 * leave them. Only successful parses are remembered: an invalid expression is parsed, and refused, every time.
 */
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';

/** The context dynalite's validation hands its parsers (see dynalite/validations/index.js). */
interface ParseContext {
  attrNames?: Record<string, unknown>;
  attrVals?: Record<string, unknown>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  [other: string]: unknown;
}

interface Parser {
  parse: (input: string, options?: { context?: ParseContext }) => unknown;
}

/** What one text's first successful parse read, and the results remembered for it. */
interface Remembered {
  names: string[];
  values: string[];
  /** By the JSON of the read entries: the result, and the names and values it marked used. */
  results: Map<string, { result: unknown; usedNames: string[]; usedValues: string[] }>;
}

/** Texts remembered per parser at most (Steward's handlers use a few dozen). */
const MAX_TEXTS = 2_000;
/** Results per text at most (one per distinct set of read entries). */
const MAX_RESULTS = 64;
const PARSERS = ['conditionParser', 'updateParser', 'projectionParser'] as const;
const installed = Symbol.for('steward.expressionCache');

/** A deep copy that keeps null-prototype objects as dynalite creates them (`Object.create(null)` path maps). */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value === null || typeof value !== 'object') return value;
  const out = Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = copy(v);
  return out as T;
}

/** A record that notes every key read from it. */
function watched(record: Record<string, unknown> | undefined, reads: Set<string>): Record<string, unknown> | undefined {
  if (record === undefined) return undefined;
  return new Proxy(record, {
    get(target, key, receiver) {
      if (typeof key === 'string') reads.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
}

const entriesKey = (record: Record<string, unknown> | undefined, keys: readonly string[]): unknown[] =>
  keys.map((k) => (record && Object.hasOwn(record, k) ? record[k] : null));

/** Wraps one parser's `parse` (see the module comment). */
export function rememberParses(parser: Parser): void {
  const parse = parser.parse.bind(parser);
  const texts = new Map<string, Remembered>();
  parser.parse = (input, options) => {
    const context = options?.context;
    if (!context) return parse(input, options);
    const known = texts.get(input);
    const key = known
      ? JSON.stringify([entriesKey(context.attrNames, known.names), entriesKey(context.attrVals, known.values)])
      : '';
    const hit = known?.results.get(key);
    if (hit) {
      for (const n of hit.usedNames) delete context.unusedAttrNames?.[n];
      for (const v of hit.usedValues) delete context.unusedAttrVals?.[v];
      return copy(hit.result);
    }
    const nameReads = new Set<string>();
    const valueReads = new Set<string>();
    const unusedNames = { ...context.unusedAttrNames };
    const unusedValues = { ...context.unusedAttrVals };
    const result = parse(input, {
      ...options,
      context: {
        ...context,
        attrNames: watched(context.attrNames, nameReads),
        attrVals: watched(context.attrVals, valueReads),
      },
    });
    // A string is dynalite's error message: not remembered.
    if (typeof result === 'string') return result;
    const names = [...nameReads].sort();
    const values = [...valueReads].sort();
    const entry =
      known && isDeepStrictEqual(known.names, names) && isDeepStrictEqual(known.values, values) ? known : undefined;
    const target = entry ?? { names, values, results: new Map() };
    if (!entry) {
      if (texts.size >= MAX_TEXTS) texts.clear();
      texts.set(input, target);
    }
    if (target.results.size >= MAX_RESULTS) target.results.clear();
    target.results.set(JSON.stringify([entriesKey(context.attrNames, names), entriesKey(context.attrVals, values)]), {
      result: copy(result),
      usedNames: Object.keys(unusedNames).filter((n) => !Object.hasOwn(context.unusedAttrNames ?? {}, n)),
      usedValues: Object.keys(unusedValues).filter((v) => !Object.hasOwn(context.unusedAttrVals ?? {}, v)),
    });
    return result;
  };
}

/** Installs {@link rememberParses} on dynalite's three expression parsers, once per thread. */
export function rememberDynaliteParses(): void {
  const require = createRequire(import.meta.url);
  for (const name of PARSERS) {
    const parser = require(`dynalite/db/${name}.js`) as Parser & { [installed]?: true };
    if (parser[installed]) continue;
    rememberParses(parser);
    parser[installed] = true;
  }
}

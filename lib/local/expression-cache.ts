/**
 * Remembers how dynalite parsed each DynamoDB expression. dynalite parses every ConditionExpression,
 * UpdateExpression, KeyConditionExpression, FilterExpression and ProjectionExpression with a PEG parser on every
 * request, and under load that was the largest single cost of local mode's DynamoDB thread (about a seventh of it),
 * although Steward's handlers send the same few expressions again and again.
 *
 * A parse depends on the expression's text and on the attribute names and values it reads from the request's
 * `ExpressionAttributeNames` / `ExpressionAttributeValues`: of a value, only its type (`S`, `N`…), except where a
 * text compares values (BETWEEN) or reads a type name (`attribute_type`). The first parse of a text records which of
 * those entries the parser read (through proxies) and which of them it marked used, and remembers the result with
 * each value it placed replaced by a slot; a later request with the same text, the same names and values of the same
 * types gets a copy with its own values in the slots and the same entries marked used, exactly as a parse would
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

/** Where a request's attribute value goes in a remembered result (see {@link toTemplate}). */
const SLOT = Symbol('value slot');
type Slot = { [SLOT]: string };

/**
 * The result with each attribute value the parser put in it (by identity: the parser places `attrVals[name]` itself)
 * replaced by a slot naming it, so that a later request's own values can be put back in ({@link fromTemplate}). A
 * deep copy otherwise, keeping null-prototype objects as dynalite creates them (`Object.create(null)` path maps).
 */
function toTemplate(value: unknown, slots: ReadonlyMap<object, string>): unknown {
  if (value !== null && typeof value === 'object') {
    const slot = slots.get(value);
    if (slot !== undefined) return { [SLOT]: slot } satisfies Slot;
  }
  if (Array.isArray(value)) return value.map((v) => toTemplate(v, slots));
  if (value === null || typeof value !== 'object') return value;
  const out = Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = toTemplate(v, slots);
  return out;
}

/** A copy of a template with the request's attribute values in its slots. */
function fromTemplate(value: unknown, values: Record<string, unknown> | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => fromTemplate(v, values));
  if (value === null || typeof value !== 'object') return value;
  const slot = (value as Partial<Slot>)[SLOT];
  if (slot !== undefined) return values?.[slot];
  const out = Object.create(Object.getPrototypeOf(value) === null ? null : Object.prototype) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = fromTemplate(v, values);
  return out;
}

/**
 * The one thing dynalite's parsers check of an attribute value, except in the two places listed in
 * {@link readsContents}: its type (`S`, `N`, `L`…), the first of those keys it has, as the parsers' `getImmediateType`.
 */
const TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'] as const;
function typeOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return TYPES.find((t) => (value as Record<string, unknown>)[t] != null) ?? null;
}

/**
 * Texts whose parse reads an attribute value's contents, not only its type: BETWEEN compares its bounds and
 * `attribute_type` checks the type name it is given. Their results are remembered per value, not per type.
 */
const readsContents = (text: string): boolean => /between|attribute_type/i.test(text);

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

const entriesKey = (
  record: Record<string, unknown> | undefined,
  keys: readonly string[],
  map: (value: unknown) => unknown = (v) => v,
): unknown[] => keys.map((k) => (record && Object.hasOwn(record, k) ? map(record[k]) : null));

/** The key of a request's read entries: names as they are, values by type unless the text reads their contents. */
function readKey(context: ParseContext, names: readonly string[], values: readonly string[], byType: boolean): string {
  return JSON.stringify([
    entriesKey(context.attrNames, names),
    entriesKey(context.attrVals, values, byType ? typeOf : undefined),
  ]);
}

/** Wraps one parser's `parse` (see the module comment). */
export function rememberParses(parser: Parser): void {
  const parse = parser.parse.bind(parser);
  const texts = new Map<string, Remembered>();
  parser.parse = (input, options) => {
    const context = options?.context;
    if (!context) return parse(input, options);
    const byType = !readsContents(input);
    const known = texts.get(input);
    const hit = known?.results.get(readKey(context, known.names, known.values, byType));
    if (hit) {
      for (const n of hit.usedNames) delete context.unusedAttrNames?.[n];
      for (const v of hit.usedValues) delete context.unusedAttrVals?.[v];
      return fromTemplate(hit.result, context.attrVals);
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
    const slots = new Map<object, string>();
    for (const v of values) {
      const value = context.attrVals?.[v];
      if (value !== null && typeof value === 'object') slots.set(value, v);
    }
    target.results.set(readKey(context, names, values, byType), {
      result: toTemplate(result, slots),
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

import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rememberParses } from '../../../lib/local/expression-cache.ts';

/**
 * The remembered parses of local mode's DynamoDB thread must be indistinguishable from dynalite's own: same result
 * (prototypes included), same error, same attribute names and values marked used, for any names and values, on the
 * first parse of a text and on every later one.
 */

type Parse = (input: string, options: unknown) => unknown;
type Field = 'ConditionExpression' | 'UpdateExpression' | 'ProjectionExpression';
const require = createRequire(import.meta.url);
/** dynalite's own validation of a request's expressions: builds the context, parses, checks unused names/values. */
const { validateExpressions } = require('dynalite/validations/index.js') as {
  validateExpressions: (data: Record<string, unknown>) => string | undefined;
};
const modules = {
  ConditionExpression: require('dynalite/db/conditionParser.js') as { parse: Parse },
  UpdateExpression: require('dynalite/db/updateParser.js') as { parse: Parse },
  ProjectionExpression: require('dynalite/db/projectionParser.js') as { parse: Parse },
};
const originals = Object.fromEntries(Object.entries(modules).map(([k, m]) => [k, m.parse])) as Record<Field, Parse>;

/** dynalite's validation of the request with the parser `parse` in place of the field's. */
function validate(field: Field, parse: Parse, data: Record<string, unknown>) {
  const copy = structuredClone(data);
  modules[field].parse = parse;
  try {
    const message = validateExpressions(copy);
    return { message, parsed: copy._condition ?? copy._updates ?? copy._projection };
  } catch (error) {
    return { thrown: `${(error as Error).name}: ${(error as Error).message}` };
  } finally {
    modules[field].parse = originals[field];
  }
}

function remembered(field: Field): Parse {
  const wrapper = { parse: originals[field] };
  rememberParses(wrapper as never);
  return wrapper.parse;
}

const TEXTS: Record<Field, string[]> = {
  ConditionExpression: [
    'attribute_not_exists(pk)',
    'attribute_exists(pk) AND (#st IN (:from0, :from1))',
    '#status = :running AND attempts = :attempt',
    'attribute_not_exists(pk) OR #status <> :compensated',
    'begins_with(#a, :x) AND size(#b) > :y',
    '#a BETWEEN :x AND :y',
    'NOT #a = :x OR contains(#b, :y)',
    'pk = :pk AND sk BETWEEN :x AND :y',
    '#a = = :x',
    '#a = :x AND',
    'status = :x',
    'attribute_type(#a, :x)',
    '#a IN (:x, :y, :x) AND size(#b) <= :y',
    'contains(#a, :x) OR begins_with(#b, :y)',
    '#a < :x AND #b >= :y AND #c <> :now',
  ],
  UpdateExpression: [
    'SET #updated_at = :now, #a = :x ADD #seq :one',
    'SET #a = if_not_exists(#a, :x), #b = list_append(#b, :y) REMOVE #c',
    'SET #a = #a + :x',
    'ADD #a :x DELETE #b :y',
    'SET #a = :x, #a = :y',
    'SET #a = list_append(:x, #b), #c = :y - :one',
    'SET #a.#b[1] = :x REMOVE #c[0]',
    'SET = :x',
  ],
  ProjectionExpression: ['#a, #b.c[0], pk', '#a, #a', 'pk,, sk'],
};

// Few contents per type, so that many requests share types but not contents (the remembered parse's slots).
const attributeValue = fc.oneof(
  fc.constantFrom('a', 'b', 'S', 'N', 'SS', 'nope', '').map((S) => ({ S })),
  fc.integer({ min: -5, max: 5 }).map((n) => ({ N: String(n) })),
  fc.constantFrom('AAE=', 'AQI=').map((B) => ({ B })),
  fc.constantFrom([{ S: 'x' }], [{ N: '1' }, { S: 'y' }]).map((L) => ({ L })),
  fc.constantFrom(['a', 'b'], ['c']).map((SS) => ({ SS })),
  fc.constant({ NS: ['1', '2'] }),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true }),
  fc.constant({ M: { a: { S: 'x' } } }),
);
const names = fc.record(
  {
    '#a': fc.constantFrom('a', 'status', 'constructor', 'pk'),
    '#b': fc.constantFrom('b', 'size'),
    '#c': fc.constant('c'),
  },
  { requiredKeys: [] },
);
const extraNames = fc.record(
  {
    '#st': fc.constant('status'),
    '#status': fc.constant('status'),
    '#updated_at': fc.constant('updated_at'),
    '#seq': fc.constant('seq'),
  },
  { requiredKeys: [] },
);
const values = fc.dictionary(
  fc.constantFrom(':x', ':y', ':now', ':one', ':from0', ':from1', ':running', ':attempt', ':compensated', ':pk'),
  attributeValue,
  { maxKeys: 10 },
);

describe('remembered dynalite expression parses', () => {
  for (const [field, texts] of Object.entries(TEXTS) as Array<[Field, string[]]>) {
    it(`${field}: equal to dynalite's own parse, first time and every time after`, () => {
      const parse = remembered(field);
      fc.assert(
        fc.property(fc.constantFrom(...texts), names, extraNames, values, (text, n, extra, v) => {
          const data: Record<string, unknown> = { [field]: text };
          if (Object.keys({ ...n, ...extra }).length) data.ExpressionAttributeNames = { ...n, ...extra };
          if (Object.keys(v).length) data.ExpressionAttributeValues = v;
          const expected = validate(field, originals[field], data);
          for (let i = 0; i < 3; i++) {
            const actual = validate(field, parse, data);
            if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
          }
        }),
        { numRuns: 600 },
      );
    });
  }

  it('remembers a valid expression: dynalite parses it once', () => {
    let parses = 0;
    const wrapper = {
      parse: (input: string, options: unknown) => {
        parses++;
        return originals.UpdateExpression(input, options);
      },
    };
    rememberParses(wrapper as never);
    const data = {
      UpdateExpression: 'SET #a = :x',
      ExpressionAttributeNames: { '#a': 'a' },
      ExpressionAttributeValues: { ':x': { S: 'one' } },
    };
    for (let i = 0; i < 3; i++) expect(validate('UpdateExpression', wrapper.parse, data).message).toBeUndefined();
    expect(parses).toBe(1);
    // Another value of the same type is the same parse, with the request's own value in it.
    const two = validate('UpdateExpression', wrapper.parse, {
      ...data,
      ExpressionAttributeValues: { ':x': { S: 'two' } },
    });
    expect(parses).toBe(1);
    expect(JSON.stringify(two.parsed)).toContain('"two"');
    expect(JSON.stringify(two.parsed)).not.toContain('"one"');
    // A value of another type is another parse; an invalid text is parsed (and refused) every time.
    validate('UpdateExpression', wrapper.parse, { ...data, ExpressionAttributeValues: { ':x': { N: '2' } } });
    expect(parses).toBe(2);
    const bad = { ...data, UpdateExpression: 'SET #a = :x,' };
    expect(validate('UpdateExpression', wrapper.parse, bad).message).toMatch(/Invalid UpdateExpression/);
    expect(validate('UpdateExpression', wrapper.parse, bad).message).toMatch(/Invalid UpdateExpression/);
    expect(parses).toBe(4);
  });

  it('remembers BETWEEN and attribute_type per value: their parse reads the contents, not only the type', () => {
    const parse = remembered('ConditionExpression');
    const between = (lo: string, hi: string) =>
      validate('ConditionExpression', parse, {
        ConditionExpression: '#a BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#a': 'a' },
        ExpressionAttributeValues: { ':lo': { N: lo }, ':hi': { N: hi } },
      }).message;
    expect(between('1', '2')).toBeUndefined();
    expect(between('3', '2')).toMatch(/requires upper bound to be greater than or equal to lower bound/);
    const typed = (name: string) =>
      validate('ConditionExpression', parse, {
        ConditionExpression: 'attribute_type(#a, :t)',
        ExpressionAttributeNames: { '#a': 'a' },
        ExpressionAttributeValues: { ':t': { S: name } },
      }).message;
    expect(typed('SS')).toBeUndefined();
    expect(typed('nope')).toMatch(/Invalid attribute type name found; type: nope/);
  });

  it('gives each caller its own copy: changing one result does not change the next', () => {
    const parse = remembered('UpdateExpression');
    const data = {
      UpdateExpression: 'SET #a = :x',
      ExpressionAttributeNames: { '#a': 'a' },
      ExpressionAttributeValues: { ':x': { L: [{ S: 'one' }] } },
    };
    const before = structuredClone(validate('UpdateExpression', parse, data).parsed);
    // The first call parsed; this one is remembered, and its caller empties it.
    (validate('UpdateExpression', parse, data).parsed as { sections: unknown[] }).sections.length = 0;
    expect(validate('UpdateExpression', parse, data).parsed).toEqual(before);
  });
});

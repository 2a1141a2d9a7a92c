import fc from 'fast-check';

/** A JSON Schema / OpenAPI 3.0 Schema Object as the OpenAPI document holds it. */
type Schema = Record<string, unknown>;

const MAX_DEPTH = 4;

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = Math.min(typeof s.maxLength === 'number' ? s.maxLength : 40, Math.max(min, 40));
  if (typeof s.pattern === 'string') {
    try {
      const re = new RegExp(s.pattern);
      return fc
        .stringMatching(re)
        .filter((v) => v.length >= min && v.length <= ((s.maxLength as number | undefined) ?? 1e9));
    } catch {
      // A pattern fast-check cannot generate from: plain strings (the handler's validation decides).
    }
  }
  if (s.format === 'uri')
    return fc.oneof(fc.webUrl(), fc.constantFrom('http://169.254.169.254/', 'http://127.0.0.1:1/'));
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === 'uuid') return fc.uuid();
  return fc.string({ minLength: min, maxLength: max });
}

/**
 * A fast-check arbitrary of values that follow a JSON schema (type, enum, properties, required, items, oneOf/anyOf,
 * `$ref` into `definitions`/`$defs`, string patterns and bounds), used to fuzz the API with bodies shaped like real
 * requests rather than only random JSON. Unknown constructs fall back to any JSON value.
 */
export function arbitraryFor(schema: unknown, root: unknown = schema, depth = 0): fc.Arbitrary<unknown> {
  const s = (schema ?? {}) as Schema;
  if (depth > MAX_DEPTH) return fc.jsonValue({ maxDepth: 1 });
  if (typeof s.$ref === 'string') {
    const path = s.$ref.replace(/^#\//, '').split('/');
    let target: unknown = root;
    for (const p of path) target = (target as Record<string, unknown> | undefined)?.[p];
    return arbitraryFor(target, root, depth + 1);
  }
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((a) => arbitraryFor(a, root, depth + 1)));
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) return arbitraryFor(s.allOf[0], root, depth + 1);
  const nullable = s.nullable === true;
  const base = ((): fc.Arbitrary<unknown> => {
    switch (s.type) {
      case 'object': {
        const props = (s.properties ?? {}) as Record<string, unknown>;
        const keys = Object.keys(props);
        if (keys.length === 0) {
          const additional = s.additionalProperties;
          const value =
            additional && typeof additional === 'object' ? arbitraryFor(additional, root, depth + 1) : fc.jsonValue();
          return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { maxKeys: 3 });
        }
        const model: Record<string, fc.Arbitrary<unknown>> = {};
        for (const k of keys) model[k] = arbitraryFor(props[k], root, depth + 1);
        return fc.record(model, {
          requiredKeys: ((s.required as string[] | undefined) ?? []).filter((k) => k in props),
        });
      }
      case 'array': {
        const min = typeof s.minItems === 'number' ? s.minItems : 0;
        const max = Math.max(min, Math.min(typeof s.maxItems === 'number' ? s.maxItems : 4, 4));
        return fc.array(arbitraryFor(s.items, root, depth + 1), { minLength: min, maxLength: max });
      }
      case 'string':
        return stringArb(s);
      case 'integer':
        return fc.integer({
          min: typeof s.minimum === 'number' ? s.minimum : -1e6,
          max: typeof s.maximum === 'number' ? s.maximum : 1e6,
        });
      case 'number':
        return fc.double({
          min: typeof s.minimum === 'number' ? s.minimum : -1e6,
          max: typeof s.maximum === 'number' ? s.maximum : 1e6,
          noNaN: true,
        });
      case 'boolean':
        return fc.boolean();
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  })();
  return nullable ? fc.option(base, { nil: null }) : base;
}

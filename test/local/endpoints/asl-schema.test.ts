import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aslValidatorEntry,
  schemaCheckModule,
  shareAslSchema,
  sharedSchemaCheck,
} from '../../../lib/local/stepfunctions/asl-schema.ts';

type Validate = (
  definition: unknown,
  options: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[] };

/**
 * A copy of the asl-validator aws-local-stepfunctions loads, loaded afresh (another test file of this worker may have
 * shared the schema in the cached one); with `shared`, its schema check is the shared one.
 */
function freshValidator(shared: boolean): Validate {
  const entry = aslValidatorEntry();
  const req = createRequire(entry);
  const dir = dirname(dirname(entry));
  const saved = Object.entries(req.cache).filter(([path]) => path.startsWith(dir));
  for (const [path] of saved) delete req.cache[path];
  try {
    const validate = req(entry) as Validate;
    if (shared) {
      schemaCheckModule(entry).jsonSchemaErrors = sharedSchemaCheck();
    }
    return validate;
  } finally {
    for (const [path] of Object.entries(req.cache)) if (path.startsWith(dir)) delete req.cache[path];
    for (const [path, mod] of saved) req.cache[path] = mod;
  }
}

const GOLDEN = join(import.meta.dirname, '../../core/workflow/golden');
const definitions: Array<[string, Record<string, unknown>]> = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.asl.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(GOLDEN, f), 'utf8')) as Record<string, unknown>]);

/** Definitions asl-validator refuses, one mistake each. */
const broken: Array<[string, unknown]> = [
  ['no StartAt', { States: { A: { Type: 'Succeed' } } }],
  ['unknown state type', { StartAt: 'A', States: { A: { Type: 'Sleep', End: true } } }],
  ['task without Resource', { StartAt: 'A', States: { A: { Type: 'Task', End: true } } }],
  ['wait without a duration', { StartAt: 'A', States: { A: { Type: 'Wait', End: true } } }],
  ['bad path', { StartAt: 'A', States: { A: { Type: 'Pass', InputPath: 'no-dollar', End: true } } }],
  ['bad ARN', { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'not-an-arn', End: true } } }],
  [
    'bad JSONata',
    { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $$$( %}', End: true } } },
  ],
  ['choice without Choices', { StartAt: 'A', States: { A: { Type: 'Choice', Default: 'B' }, B: { Type: 'Succeed' } } }],
  ['States not an object', { StartAt: 'A', States: [] }],
];

const OPTION_SETS = [
  { checkPaths: false, checkArn: false },
  { checkPaths: true, checkArn: true },
  { checkPaths: true, checkArn: false },
];

/** Replaces the value at a random path of a JSON value: the kind of mistake a hand-written definition has. */
function mutate(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[(path[0] as number) % entries.length] as [string, unknown];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] = mutate(child, path.slice(1), replacement);
  return copy;
}

describe('the shared ASL schema', () => {
  const originalValidate = freshValidator(false);
  const sharedValidate = freshValidator(true);
  // What a validation answers: its errors, or what it threw (asl-validator throws on some malformed input). It
  // writes into the definition, so it gets a copy.
  const outcome = (validate: Validate, definition: unknown, options: Parameters<Validate>[1]): unknown => {
    try {
      return validate(structuredClone(definition), options).errors;
    } catch (error) {
      return { threw: (error as Error).message };
    }
  };
  const original = (definition: unknown, options: Parameters<Validate>[1]) =>
    outcome(originalValidate, definition, options);
  const shared = (definition: unknown, options: Parameters<Validate>[1]) =>
    outcome(sharedValidate, definition, options);

  it.each(definitions)('accepts %s as asl-validator does', (_name, definition) => {
    for (const options of OPTION_SETS) {
      expect(original(definition, options)).toEqual([]);
      expect(shared(definition, options)).toEqual([]);
    }
  });

  it.each(broken)('refuses a definition with %s with the errors asl-validator gives', (_name, definition) => {
    for (const options of OPTION_SETS) {
      const expected = original(definition, options);
      expect(shared(definition, options)).toEqual(expected);
    }
    expect(original(definition, { checkPaths: true, checkArn: true })).not.toEqual([]);
  });

  // asl-validator's own check compiles its schema on every call (the cost the shared one removes): 0.1–0.5 s a run.
  it('answers as asl-validator on random mistakes in real definitions', { timeout: 180_000 }, () => {
    const replacement = fc.oneof(
      fc.constantFrom('', '$', 'no-dollar', 'arn:aws:lambda:x', '{% 1 + %}', 'Succeed', 'Pass', 'Task', 'Wait'),
      fc.integer({ min: -2, max: 3 }),
      fc.boolean(),
      fc.constant(null),
      fc.constant({}),
      fc.constant([]),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...definitions.map(([, d]) => d)),
        fc.array(fc.nat(40), { minLength: 1, maxLength: 7 }),
        replacement,
        fc.constantFrom(...OPTION_SETS),
        (definition, path, value, options) => {
          const changed = mutate(definition, path, value);
          expect(shared(changed, options)).toEqual(original(changed, options));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is what aws-local-stepfunctions validates with once shared, and still refuses a broken definition', () => {
    shareAslSchema();
    expect(schemaCheckModule().jsonSchemaErrors.name).not.toBe('jsonSchemaErrors');
    const [, definition] = definitions[0] as [string, Record<string, unknown>];
    expect(() => new StateMachine(structuredClone(definition) as never)).not.toThrow();
    expect(
      () =>
        new StateMachine({ StartAt: 'A', States: { A: { Type: 'Task', End: true } } } as never, {
          validationOptions: { checkPaths: false, checkArn: false },
        }),
    ).toThrow(/State machine definition is invalid/);
  });
});

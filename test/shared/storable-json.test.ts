import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableJsonProblems } from '../../lambdas/shared/validation.ts';

/** Keys that are plain identifiers, so the field path is easy to predict. */
const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
/** Well-formed text of any plane: graphemes, emoji (surrogate pairs) included. */
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const loneSurrogate = fc
  .oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff }))
  .map((code) => String.fromCharCode(code));

describe('storable JSON: text must be valid Unicode', () => {
  it('accepts any well-formed text, at any depth', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 6 }), text, text, (path, value, k) => {
        let body: unknown = { [k]: value };
        for (const name of [...path].reverse()) body = { [name]: body };
        expect(storableJsonProblems(body)).toEqual([]);
      }),
    );
  });

  it('names the field of a string holding a lone surrogate, wherever in the string and the body it is', () => {
    fc.assert(
      fc.property(
        fc.array(key, { minLength: 1, maxLength: 6 }),
        text,
        text,
        loneSurrogate,
        fc.boolean(),
        (path, before, after, lone, inArray) => {
          // A lone surrogate before a low or after a high one would pair up: keep the neighbours ASCII.
          const value = `${before}a${lone}b${after}`;
          let body: unknown = inArray ? ['ok', value] : value;
          for (const name of [...path].reverse()) body = { [name]: body };

          const field = `body.${path.join('.')}${inArray ? '[1]' : ''}`;
          expect(storableJsonProblems(body)).toEqual([
            { field, message: expect.stringContaining('not valid Unicode') },
          ]);
        },
      ),
    );
  });

  it('names the object whose key holds a lone surrogate', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 6 }), loneSurrogate, (path, lone) => {
        let body: unknown = { [`k${lone}`]: 1 };
        for (const name of [...path].reverse()) body = { [name]: body };

        const field = ['body', ...path].join('.');
        expect(storableJsonProblems(body)).toEqual([{ field, message: expect.stringContaining('has a key that') }]);
      }),
    );
  });
});

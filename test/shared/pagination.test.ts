import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/shared/errors.ts';
import { decodeNextToken, encodeNextToken, parseLimit } from '../../lambdas/shared/pagination.ts';

describe('pagination tokens', () => {
  it('round-trips any DynamoDB key', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.oneof(fc.string(), fc.integer())), (key) => {
        expect(decodeNextToken(encodeNextToken(key))).toEqual(key);
      }),
    );
  });

  it('refuses tampered, truncated and foreign tokens with a 400 naming the field', () => {
    const token = encodeNextToken({ pk: 'EXEC#1', sk: 'META' })!;
    const [body, sum] = token.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ pk: 'EXEC#2', sk: 'META' })).toString('base64url')}.${sum}`;
    const refusal = {
      statusCode: 400,
      problems: [{ field: 'query.next_token', message: 'is not a token this API issued' }],
    };
    for (const bad of [tampered, body!, `${token}x`, 'not-a-token', `${token}.extra`, 'garbage']) {
      expect(() => decodeNextToken(bad)).toThrow(ValidationError);
      expect(() => decodeNextToken(bad)).toThrow(expect.objectContaining(refusal));
    }
    expect(() => decodeNextToken('garbage', 'query.cursor')).toThrow(
      expect.objectContaining({ problems: [{ field: 'query.cursor', message: 'is not a token this API issued' }] }),
    );
  });

  it('refuses a genuine token whose key is not an object', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.jsonValue(), { maxLength: 3 }),
          fc.string({ minLength: 1 }),
          fc.integer().filter((n) => n !== 0),
          fc.constant(true),
        ),
        (notAKey) => {
          const token = encodeNextToken(notAKey as never)!;
          expect(token).toMatch(/^[\w-]+\.[\w-]{12}$/);
          expect(() => decodeNextToken(token)).toThrow(ValidationError);
        },
      ),
    );
  });

  it('never throws anything but a ValidationError for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeNextToken(s);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
    );
  });

  it.each([
    [undefined, 50],
    ['', 50],
    ['1', 1],
    ['100', 100],
  ])('parses limit %s as %d', (raw, expected) => {
    expect(parseLimit(raw)).toBe(expected);
  });

  it.each(['0', '101', '1.5', 'ten', '-3'])('refuses limit %s', (raw) => {
    expect(() => parseLimit(raw)).toThrow(/query.limit: must be a whole number from 1 to 100/);
  });
});

import { createHash } from 'node:crypto';
import { ValidationError } from './errors.ts';

type Key = Record<string, unknown>;

const checksum = (body: string): string =>
  createHash('sha256').update(`steward:${body}`).digest('base64url').slice(0, 12);

/**
 * Opaque pagination tokens: DynamoDB's LastEvaluatedKey as base64url JSON with a checksum, so a token that was
 * tampered with or truncated is refused with a 400 instead of reaching DynamoDB.
 */
export function encodeNextToken(key: Key | undefined): string | undefined {
  if (!key) return undefined;
  const body = Buffer.from(JSON.stringify(key)).toString('base64url');
  return `${body}.${checksum(body)}`;
}

/** Decodes a token made by {@link encodeNextToken}; `field` names the query parameter in the error. */
export function decodeNextToken(token: string | undefined, field = 'query.next_token'): Key | undefined {
  if (token === undefined || token === '') return undefined;
  const [body, sum, extra] = token.split('.');
  if (!body || !sum || extra !== undefined || checksum(body) !== sum) {
    throw new ValidationError([{ field, message: 'is not a token this API issued' }]);
  }
  try {
    const key = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key)) return key as Key;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError([{ field, message: 'is not a token this API issued' }]);
}

/** Parses a `limit` query value: 1..max, default `fallback`. */
export function parseLimit(raw: string | undefined, fallback = 50, max = 100, field = 'query.limit'): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ValidationError([{ field, message: `must be a whole number from 1 to ${max}` }]);
  }
  return n;
}

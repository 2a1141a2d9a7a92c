/**
 * JSON text from a file a person wrote (workflows, services.json, test cases, `@file` arguments). Editors on
 * Windows save UTF-8 with a byte order mark, which `JSON.parse` refuses as an unexpected token; RFC 8259 lets a
 * parser ignore it, and Steward does, so such a file reads like any other.
 */

const BOM = '\uFEFF';

/** Parses JSON text, ignoring one leading byte order mark; throws `JSON.parse`'s SyntaxError otherwise. */
export function parseJsonFile(text: string): unknown {
  return JSON.parse(text.startsWith(BOM) ? text.slice(BOM.length) : text) as unknown;
}

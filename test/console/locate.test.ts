import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineColumn, locate, parsePath } from '../../console/src/workflows/locate.ts';

const doc = `{
  "name": "Orders",
  "definition": {
    "steps": [
      { "name": "a", "step_type": "service_call" },
      {
        "name": "b",
        "depends_on": ["a", "missing"]
      }
    ]
  }
}`;

describe('locate', () => {
  it('parses API paths', () => {
    expect(parsePath('definition.steps[2].depends_on[0]')).toEqual(['definition', 'steps', 2, 'depends_on', 0]);
    expect(parsePath('')).toEqual([]);
  });

  it('finds a field with its key, an array element, and the line of each', () => {
    const field = locate(doc, 'definition.steps[1].depends_on');
    const item = locate(doc, 'definition.steps[1].depends_on[1]');
    const step = locate(doc, 'definition.steps[0]');

    expect(field).toMatchObject({ line: 8 });
    expect(doc.slice(field!.start, field!.end)).toBe('"depends_on": ["a", "missing"]');
    expect(doc.slice(item!.start, item!.end)).toBe('"missing"');
    expect(step).toMatchObject({ line: 5, column: 7 });
  });

  it('points a missing field at the nearest node that exists, and gives up on text that is not JSON', () => {
    const missing = locate(doc, 'definition.steps[0].endpoint');

    expect(doc.slice(missing!.start, missing!.end)).toBe('{ "name": "a", "step_type": "service_call" }');
    expect(locate('{"a": ', 'a')).toBeUndefined();
  });

  it('finds every leaf of any JSON value at the offset of its text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : 0);
        const leaves: Array<[string, unknown]> = [];
        const walk = (v: unknown, path: string): void => {
          if (Array.isArray(v)) {
            v.forEach((x, i) => {
              walk(x, `${path}[${i}]`);
            });
          } else if (v !== null && typeof v === 'object') {
            for (const [k, x] of Object.entries(v)) if (/^[A-Za-z_]\w*$/.test(k)) walk(x, path ? `${path}.${k}` : k);
          } else if (path) leaves.push([path, v]);
        };
        walk(value, '');
        for (const [path, v] of leaves) {
          const range = locate(text, path)!;
          const slice = text.slice(range.start, range.end);
          expect(slice.endsWith(JSON.stringify(v))).toBe(true);
          expect(lineColumn(text, range.start).line).toBe(range.line);
        }
      }),
      { numRuns: 200 },
    );
  });
});

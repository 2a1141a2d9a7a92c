/**
 * Finds where a validation problem's path (`definition.steps[2].depends_on[0]`, the API's `path`) sits in the JSON
 * text a user pasted, so the editor can mark the line and the field. A small position-keeping JSON reader: the
 * browser's JSON.parse keeps no positions.
 */

/** A place in the text: offsets (UTF-16, as the textarea counts) and the 1-based line and column of its start. */
export interface TextRange {
  start: number;
  end: number;
  line: number;
  column: number;
}

type Segment = string | number;

/** Splits `definition.steps[2].depends_on[0]` into `['definition', 'steps', 2, 'depends_on', 0]`. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  for (const m of path.matchAll(re)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

interface Located {
  /** Range of the value. */
  value: [number, number];
  /** Range of the member's key (objects only). */
  key?: [number, number];
}

class Reader {
  private i = 0;
  constructor(private readonly text: string) {}

  /** Reads the value at the current position; records the range of the node at `path` when it passes it. */
  find(path: readonly Segment[]): Located | undefined {
    // The deepest node of the path that exists: the node itself, or where a missing field would go.
    let best: { depth: number; at: Located } | undefined;
    const visit = (depth: number, onPath: boolean, key?: [number, number]): void => {
      this.ws();
      const start = this.i;
      const c = this.text[this.i];
      if (c === '{') {
        this.i++;
        this.ws();
        if (this.text[this.i] === '}') this.i++;
        else {
          for (;;) {
            this.ws();
            const keyStart = this.i;
            const name = this.string();
            const keyRange: [number, number] = [keyStart, this.i];
            this.ws();
            this.expect(':');
            const next = onPath && depth < path.length && path[depth] === name;
            visit(depth + 1, next, keyRange);
            this.ws();
            if (this.text[this.i] === ',') {
              this.i++;
              continue;
            }
            this.expect('}');
            break;
          }
        }
      } else if (c === '[') {
        this.i++;
        this.ws();
        if (this.text[this.i] === ']') this.i++;
        else {
          for (let index = 0; ; index++) {
            const next = onPath && depth < path.length && path[depth] === index;
            visit(depth + 1, next);
            this.ws();
            if (this.text[this.i] === ',') {
              this.i++;
              continue;
            }
            this.expect(']');
            break;
          }
        }
      } else if (c === '"') this.string();
      else this.scalar();
      if (onPath && (!best || depth > best.depth))
        best = { depth, at: { value: [start, this.i], ...(key ? { key } : {}) } };
    };
    visit(0, true);
    return best?.at;
  }

  private ws(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  private expect(c: string): void {
    if (this.text[this.i] !== c) throw new SyntaxError(`expected ${c}`);
    this.i++;
  }

  private string(): string {
    this.expect('"');
    let out = '';
    while (this.i < this.text.length && this.text[this.i] !== '"') {
      if (this.text[this.i] === '\\') {
        const esc = this.text[this.i + 1];
        if (esc === 'u') {
          out += String.fromCharCode(Number.parseInt(this.text.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
          continue;
        }
        out +=
          esc === 'n' ? '\n' : esc === 't' ? '\t' : esc === 'r' ? '\r' : esc === 'b' ? '\b' : esc === 'f' ? '\f' : esc;
        this.i += 2;
        continue;
      }
      out += this.text[this.i];
      this.i++;
    }
    this.expect('"');
    return out;
  }

  private scalar(): void {
    const start = this.i;
    while (this.i < this.text.length && !/[\s,\]}]/.test(this.text[this.i]!)) this.i++;
    if (this.i === start) throw new SyntaxError('expected a value');
  }
}

/** Line and column (1-based) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where `path` is in `text`: the member (key and value) when the path ends on an object field, the element when on
 * an array item; the nearest existing ancestor when the node is missing (a required field). Undefined when the text
 * is not JSON.
 */
export function locate(text: string, path: string): TextRange | undefined {
  let found: Located | undefined;
  try {
    found = new Reader(text).find(parsePath(path));
  } catch {
    return undefined;
  }
  if (!found) return undefined;
  const start = found.key ? found.key[0] : found.value[0];
  return { start, end: found.value[1], ...lineColumn(text, start) };
}

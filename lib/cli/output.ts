/**
 * How resource commands print: aligned tables for people, JSON for scripts (`--json`), and `--watch`, which redraws
 * (or, with `--json`, prints one JSON document per change) until the state is final or the user stops it.
 */
import type { Io } from './workflow-file.ts';

/** A column: its heading and how to read it from a row. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Renders rows as an aligned, plain-text table (no colour, so it reads the same in a pipe). */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r)).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const body = cells.length === 0 ? ['(none)'] : cells.map(line);
  return `${[line(columns.map((c) => c.header)), ...body].join('\n')}\n`;
}

/** Renders one object as `key  value` lines. */
export function details(record: Record<string, unknown>, keys?: readonly string[]): string {
  const shown = (keys ?? Object.keys(record)).filter((k) => record[k] !== undefined);
  const width = Math.max(0, ...shown.map((k) => k.length));
  return `${shown.map((k) => `${k.padEnd(width)}  ${cell(record[k])}`).join('\n')}\n`;
}

/** Options of {@link watch}. */
export interface WatchOptions {
  readonly json: boolean;
  readonly intervalMs?: number;
  /** Stops when true for the latest value (e.g. a run reached a final status). */
  readonly done?: (value: unknown) => boolean;
  /** Stops after this many rounds (tests); default: until done or interrupted. */
  readonly rounds?: number;
}

/**
 * Polls `load` and prints `render(value)` whenever the value changed: redrawing the screen on a terminal, appending
 * otherwise; with `json`, one JSON document per line per change (NDJSON), for scripts that follow a run.
 */
export async function watch(
  io: Io,
  load: () => Promise<unknown>,
  render: (value: unknown) => string,
  options: WatchOptions,
): Promise<void> {
  let last = '';
  const tty = process.stdout.isTTY === true && !options.json;
  for (let round = 0; options.rounds === undefined || round < options.rounds; round++) {
    const value = await load();
    const text = options.json ? `${JSON.stringify(value)}\n` : render(value);
    if (text !== last) {
      io.out(tty ? `\x1b[2J\x1b[H${text}` : text);
      last = text;
    }
    if (options.done?.(value)) return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2_000));
  }
}

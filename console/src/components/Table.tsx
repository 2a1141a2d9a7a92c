/**
 * A data table whose rows are keyboard-navigable: Tab reaches the table, ↑/↓ (or j/k) move between rows, Home/End
 * jump, Enter (or a click) opens the row. Each row is a focusable element with a clear focus ring.
 */
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  label: string;
  render: (row: T) => ComponentChildren;
  /** A CSS class for the cells (e.g. `num`, `hide-narrow`). */
  class?: string;
}

export interface TableProps<T> {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Opens a row (Enter or click). */
  onOpen?: (row: T) => void;
  empty?: ComponentChildren;
}

function moveFocus(from: HTMLElement, where: 'next' | 'prev' | 'first' | 'last'): void {
  const body = from.parentElement;
  if (!body) return;
  const rows = [...body.querySelectorAll<HTMLElement>(':scope > tr[tabindex]')];
  const index = rows.indexOf(from);
  const target =
    where === 'first'
      ? rows[0]
      : where === 'last'
        ? rows[rows.length - 1]
        : rows[Math.max(0, Math.min(rows.length - 1, index + (where === 'next' ? 1 : -1)))];
  target?.focus();
}

export function Table<T>(props: TableProps<T>) {
  const onKeyDown = (row: T) => (event: KeyboardEvent) => {
    const tr = event.currentTarget as HTMLElement;
    if (event.target !== tr) return;
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveFocus(tr, 'next'),
      j: () => moveFocus(tr, 'next'),
      ArrowUp: () => moveFocus(tr, 'prev'),
      k: () => moveFocus(tr, 'prev'),
      Home: () => moveFocus(tr, 'first'),
      End: () => moveFocus(tr, 'last'),
      Enter: () => props.onOpen?.(row),
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.label} scope="col" class={c.class}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.length === 0 && (
            <tr>
              <td colSpan={props.columns.length} class="empty">
                {props.empty ?? 'Nothing to show.'}
              </td>
            </tr>
          )}
          {props.rows.map((row) => (
            <tr
              key={props.rowKey(row)}
              data-key={props.rowKey(row)}
              tabIndex={0}
              class={props.onOpen ? 'clickable' : undefined}
              onKeyDown={onKeyDown(row)}
              onClick={(e) => {
                // Links and buttons inside the row do their own thing.
                if ((e.target as HTMLElement).closest('a, button, input, select, textarea, summary')) return;
                props.onOpen?.(row);
              }}
            >
              {props.columns.map((c) => (
                <td key={c.label} class={c.class} data-label={c.label}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Filters bound to the query string: each field reads its value from the URL and writes it back (text fields as
 * you type, replacing the history entry; selects at once), so a filtered view is a link. `/` focuses the first
 * field (the shell's shortcut looks for `[data-filter]`).
 */
import { useEffect, useState } from 'preact/hooks';
import { useQuery } from '../router.ts';

export interface FilterField {
  name: string;
  label: string;
  type?: 'text' | 'select' | 'datetime-local';
  options?: Array<{ value: string; label: string }>;
  placeholder?: string;
}

function TextFilter({ field, value, set }: { field: FilterField; value: string; set: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const timer = setTimeout(() => set(draft), 300);
    return () => clearTimeout(timer);
  }, [draft]);
  return (
    <input
      type={field.type === 'datetime-local' ? 'datetime-local' : ('search' as 'datetime-local')}
      id={`filter-${field.name}`}
      name={field.name}
      value={draft}
      placeholder={field.placeholder}
      onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') set(draft);
      }}
    />
  );
}

export function FilterBar({ fields, label = 'Filters' }: { fields: FilterField[]; label?: string }) {
  const [query, setQuery] = useQuery();
  // A filter change starts from the first page again.
  const set = (name: string, value: string, replace: boolean) =>
    setQuery({ [name]: value, next_token: undefined }, { replace });
  return (
    <form class="filters" aria-label={label} data-filter onSubmit={(e) => e.preventDefault()}>
      {fields.map((field) => (
        <label key={field.name} class="field" htmlFor={`filter-${field.name}`}>
          <span>{field.label}</span>
          {field.type === 'select' ? (
            <select
              id={`filter-${field.name}`}
              name={field.name}
              value={query.get(field.name) ?? ''}
              onChange={(e) => set(field.name, (e.target as HTMLSelectElement).value, false)}
            >
              <option value="">Any</option>
              {field.options?.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          ) : (
            <TextFilter field={field} value={query.get(field.name) ?? ''} set={(v) => set(field.name, v, true)} />
          )}
        </label>
      ))}
    </form>
  );
}

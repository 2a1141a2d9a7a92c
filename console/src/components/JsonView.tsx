/**
 * A JSON value as a collapsible tree (native `<details>`: keyboard and screen-reader friendly), with a copy button
 * for the whole value. Large objects start collapsed below the first level.
 */

function Leaf({ value }: { value: unknown }) {
  if (value === null) return <span class="j-null">null</span>;
  switch (typeof value) {
    case 'string':
      return <span class="j-str">{JSON.stringify(value)}</span>;
    case 'number':
      return <span class="j-num">{String(value)}</span>;
    case 'boolean':
      return <span class="j-bool">{String(value)}</span>;
    default:
      return <span class="j-null">{String(value)}</span>;
  }
}

function Node({ name, value, depth }: { name?: string; value: unknown; depth: number }) {
  const label = name !== undefined ? <span class="j-key">{name}: </span> : null;
  if (value === null || typeof value !== 'object') {
    return (
      <div class="j-row">
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div class="j-row">
        {label}
        {open}
        {close}
      </div>
    );
  }
  return (
    <details class="j-node" open={depth < 2 || entries.length <= 3}>
      <summary>
        {label}
        {open}
        <span class="muted">
          {' '}
          {entries.length} {Array.isArray(value) ? 'items' : 'keys'}{' '}
        </span>
        {close}
      </summary>
      <div class="j-children">
        {entries.map(([k, v]) => (
          <Node key={k} name={k} value={v} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

export function JsonView({ value, label }: { value: unknown; label?: string }) {
  const copy = () => void navigator.clipboard?.writeText(JSON.stringify(value, null, 2));
  return (
    <div class="json" data-label={label}>
      <button type="button" class="link small json-copy" onClick={copy} aria-label={`Copy ${label ?? 'JSON'}`}>
        Copy
      </button>
      {value === undefined ? <span class="muted">(none)</span> : <Node value={value} depth={0} />}
    </div>
  );
}

import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.ts';
import { useQuery } from '../router.ts';

/** An API failure as the user sees it: the API's message, the field it named, the HTTP status. */
export function ErrorNote({ error, what }: { error: ApiError; what?: string }) {
  return (
    <p class="error" role="alert" data-code={error.code}>
      {what ? `Could not load ${what}: ` : ''}
      {error.describe()}
      {error.status ? <span class="muted"> (HTTP {error.status})</span> : null}
    </p>
  );
}

/** The loading line (polite live region, so screen readers hear it once). */
export function Loading({ children }: { children?: ComponentChildren }) {
  return (
    <p class="muted" aria-live="polite">
      {children ?? 'Loading…'}
    </p>
  );
}

/**
 * Pagination by the API's `next_token`: the token is in the query string (deep-linkable); "First page" drops it.
 */
export function Pager({ nextToken }: { nextToken: string | null | undefined }) {
  const [query, setQuery] = useQuery();
  const current = query.get('next_token');
  if (!nextToken && !current) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {current && (
        <button type="button" onClick={() => setQuery({ next_token: undefined })}>
          ⏮ First page
        </button>
      )}
      {nextToken && (
        <button type="button" onClick={() => setQuery({ next_token: nextToken })}>
          Next page ▶
        </button>
      )}
    </nav>
  );
}

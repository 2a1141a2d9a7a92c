/**
 * History routing under `/console/`: the path picks the page, the query string holds every filter, tab and
 * selection, so any view can be bookmarked or shared. Navigation goes through `navigate`, which notifies the hooks.
 */
import { useEffect, useState } from 'preact/hooks';

/** Where the console is mounted. */
export const BASE = '/console';

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};
window.addEventListener('popstate', notify);

/** The console path (without the base) and query of the current location. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const { pathname, search } = window.location;
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const path = `/${rest.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return { path, query: new URLSearchParams(search) };
}

/** The URL of a console path (`/runs` → `/console/runs`), with an optional query. */
export function href(path: string, query?: Record<string, string | undefined> | URLSearchParams): string {
  const params =
    query instanceof URLSearchParams
      ? query
      : new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => !!e[1]));
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

/** Goes to a console URL (as made by {@link href}); `replace` keeps the history entry (filter typing). */
export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (url === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  notify();
}

/** The current location; re-renders on every navigation. */
export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return location;
}

/**
 * The query string as state: `[query, set]`, where `set({ status: 'failed', page: undefined })` changes the given
 * keys (undefined or '' removes one). Typing-driven changes pass `replace` so Back skips the keystrokes.
 */
export function useQuery(): [
  URLSearchParams,
  (changes: Record<string, string | undefined>, options?: { replace?: boolean }) => void,
] {
  const { path, query } = useLocation();
  const set = (changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, value);
    }
    navigate(href(path, next), options);
  };
  return [query, set];
}

/** Matches a console path against a pattern such as `/runs/:id`; returns the decoded parameters or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

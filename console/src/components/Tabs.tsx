/**
 * Tabs kept in the query string (`?tab=timeline`), so a tab is a deep link. Arrow keys move between tabs (WAI-ARIA
 * tabs pattern with manual activation by Enter/Space or click).
 */
import type { ComponentChildren } from 'preact';
import { useQuery } from '../router.ts';

export interface TabSpec {
  id: string;
  label: ComponentChildren;
}

/** The current tab id: the query's `name` when it names one of `tabs`, else the first. */
export function useTab(tabs: readonly TabSpec[], name = 'tab'): string {
  const [query] = useQuery();
  const want = query.get(name);
  return tabs.some((t) => t.id === want) ? want! : tabs[0]!.id;
}

export function Tabs({ tabs, label, name = 'tab' }: { tabs: readonly TabSpec[]; label: string; name?: string }) {
  const [, setQuery] = useQuery();
  const current = useTab(tabs, name);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const buttons = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[role=tab]')];
    const i = buttons.indexOf(event.target as HTMLElement);
    const next = buttons[(i + (event.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length];
    next?.focus();
    event.preventDefault();
  };
  return (
    <div class="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((t, i) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={t.id === current}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === current ? 0 : -1}
          onClick={() => setQuery({ [name]: i === 0 ? undefined : t.id })}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: ComponentChildren }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} class="tabpanel">
      {children}
    </div>
  );
}

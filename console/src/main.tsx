/**
 * The Steward console: one operator UI for runs, workflows and the services they call, on the REST API only, so it
 * works the same in local mode and against a deployed stack through `steward console --url`.
 */
import { type ComponentChild, render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Link } from './components/Link.tsx';
import { AlertsArea } from './pages/alerts/index.tsx';
import { EventsArea } from './pages/events/index.tsx';
import { RunsArea } from './pages/runs/index.tsx';
import { ServicesArea } from './pages/services/index.tsx';
import { WorkflowsArea } from './pages/workflows/index.tsx';
import { href, match, navigate, useLocation } from './router.ts';

const AREAS = [
  { path: '/runs', label: 'Runs' },
  { path: '/workflows', label: 'Workflows' },
  { path: '/services', label: 'Services' },
  { path: '/alerts', label: 'Alerts' },
  { path: '/events', label: 'Events' },
] as const;

function NotFound({ path }: { path: string }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Not found</h1>
      <p>
        The console has no page at <code>{path}</code>. <Link href={href('/runs')}>Go to Runs</Link>.
      </p>
    </section>
  );
}

/** The pages by path pattern; the first match renders. */
const PAGES: Array<[string, (p: Record<string, string>) => ComponentChild]> = [
  ['/runs', () => <RunsArea />],
  ['/runs/:id', (p) => <RunsArea id={p.id} />],
  ['/workflows', () => <WorkflowsArea />],
  ['/workflows/:id', (p) => <WorkflowsArea id={p.id} />],
  ['/services', () => <ServicesArea />],
  ['/services/:id', (p) => <ServicesArea id={p.id} />],
  ['/alerts', () => <AlertsArea />],
  ['/events', () => <EventsArea />],
];

function Page({ path }: { path: string }) {
  if (path === '/') return null;
  for (const [pattern, view] of PAGES) {
    const params = match(pattern, path);
    if (params) return <>{view(params)}</>;
  }
  return <NotFound path={path} />;
}

function App() {
  const { path } = useLocation();
  // The console's root opens Runs.
  useEffect(() => {
    if (path === '/') navigate(href('/runs'), { replace: true });
  }, [path]);
  // Each page names itself in the title, for history and screen readers.
  useEffect(() => {
    const area = AREAS.find((a) => path === a.path || path.startsWith(`${a.path}/`));
    document.title = `${area ? area.label : 'Steward'} · Steward console`;
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  // `/` focuses the page's search or filter, as in most consoles.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest('input, textarea, select, [contenteditable=true]') || document.querySelector('dialog[open]'))
        return;
      const field = document.querySelector<HTMLElement>('[data-filter] input, [data-filter] select');
      if (field) {
        event.preventDefault();
        field.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href={href('/runs')} class="brand">
          Steward
        </Link>
        <nav aria-label="Console areas">
          <ul>
            {AREAS.map((a) => {
              const current = path === a.path || path.startsWith(`${a.path}/`);
              return (
                <li key={a.path}>
                  <Link href={href(a.path)} aria-current={current ? 'page' : undefined}>
                    {a.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

/**
 * The status of every service (GET /services/status): each check's latest result, the check-history bar, uptime,
 * the restart budget and maintenance; as a table or as the supervision tree (`view=tree`).
 */
import type {
  GroupView,
  ServiceStatusPage,
  ServiceStatusView,
} from '../../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../../api.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { NARROW, useMedia } from '../../media.ts';
import { usePoll } from '../../poll.ts';
import { href, navigate, useQuery } from '../../router.ts';
import { budgetText, CheckLine, HistoryBar, UptimeCell } from './shared.tsx';

const LIFECYCLES = ['discovered', 'registered', 'active', 'maintenance', 'retired'];

function Maintenance({ s }: { s: ServiceStatusView }) {
  if (!s.maintenance.active) return <span class="muted">–</span>;
  const w = s.maintenance.window;
  return (
    <span>
      <StatusBadge status="maintenance" label={w?.name ? `window ${w.name}` : 'maintenance'} />
      {w && (
        <span class="muted small">
          {' '}
          until <Time at={w.ends_at} />
        </span>
      )}
    </span>
  );
}

/** The supervision tree: root, its groups (with strategy and intensity) and their services, nested by parent. */
function Tree({ services, groups }: { services: ServiceStatusView[]; groups: GroupView[] }) {
  const byGroup = new Map<string, ServiceStatusView[]>();
  for (const s of services) byGroup.set(s.group ?? 'root', [...(byGroup.get(s.group ?? 'root') ?? []), s]);
  const children = (parent: string) => groups.filter((g) => g.parent === parent && g.name !== parent);
  const render = (name: string, group: GroupView | undefined, depth: number) => (
    <li key={name} data-group={name}>
      <span class="group-name">
        <strong>{name}</strong>{' '}
        <span class="muted small">
          {group
            ? `${group.strategy.replace(/_/g, ' ')}${group.max_restarts !== null ? ` · at most ${group.max_restarts} restarts in ${group.window_seconds ?? '?'} s` : ''}`
            : 'top of the tree'}
        </span>
      </span>
      <ul>
        {(byGroup.get(name) ?? []).map((s) => (
          <li key={s.id} data-service={s.name}>
            <Link href={href(`/services/${seg(s.id)}`)}>{s.name}</Link> <StatusBadge status={s.status} />
            {s.depends_on && s.depends_on.length > 0 && (
              <span class="muted small"> · depends on {s.depends_on.join(', ')}</span>
            )}
          </li>
        ))}
        {depth < 8 && children(name).map((g) => render(g.name, g, depth + 1))}
      </ul>
    </li>
  );
  return (
    <section class="panel" aria-labelledby="tree-title">
      <h2 id="tree-title">Supervision tree</h2>
      <ul class="tree">{render('root', undefined, 0)}</ul>
    </section>
  );
}

export function ServiceList() {
  const [query, setQuery] = useQuery();
  const filters = {
    status: query.get('lifecycle') ?? undefined,
    next_token: query.get('next_token') ?? undefined,
    limit: 100,
  };
  const list = usePoll(
    (signal) => api.get<ServiceStatusPage>('/services/status', filters, signal),
    JSON.stringify(filters),
  );
  const search = (query.get('q') ?? '').toLowerCase();
  const rows = (list.data?.services ?? []).filter(
    (s) => !search || s.name.toLowerCase().includes(search) || (s.description ?? '').toLowerCase().includes(search),
  );
  const view = query.get('view') === 'tree' ? 'tree' : 'table';
  // The phone layout hides the history and uptime columns: do not poll for them there.
  const narrow = useMedia(NARROW);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Services</h1>
      <FilterBar
        label="Filter services"
        fields={[
          { name: 'q', label: 'Name', placeholder: 'search by name' },
          {
            name: 'lifecycle',
            label: 'Lifecycle',
            type: 'select',
            options: LIFECYCLES.map((s) => ({ value: s, label: s })),
          },
        ]}
      />
      <div class="tabs" role="tablist" aria-label="View">
        {(['table', 'tree'] as const).map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            aria-selected={view === v}
            onClick={() => setQuery({ view: v === 'table' ? undefined : v })}
          >
            {v === 'table' ? 'Table' : 'Supervision tree'}
          </button>
        ))}
      </div>
      {list.error && <ErrorNote error={list.error} what="services" />}
      {list.loading && !list.data && <Loading />}
      {list.data && view === 'tree' && <Tree services={rows} groups={list.data.groups ?? []} />}
      {list.data && view === 'table' && (
        <>
          <Table<ServiceStatusView>
            label="Services"
            rows={rows}
            rowKey={(s) => s.id}
            onOpen={(s) => navigate(href(`/services/${seg(s.id)}`))}
            empty="No services match."
            columns={[
              {
                label: 'Service',
                render: (s) => (
                  <>
                    <Link href={href(`/services/${seg(s.id)}`)}>{s.name}</Link>
                    {s.description && <div class="muted small hide-narrow">{s.description}</div>}
                  </>
                ),
              },
              { label: 'Status', render: (s) => <StatusBadge status={s.status} /> },
              {
                label: 'Checks',
                class: 'checks',
                render: (s) =>
                  s.checks && s.checks.length > 0 ? (
                    <ul class="plain">
                      {s.checks.map((c) => (
                        <li key={c.name}>
                          <CheckLine check={c} />
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span class="muted">no checks</span>
                  ),
              },
              {
                label: 'History',
                class: 'hide-narrow',
                render: (s) => (narrow ? null : <HistoryBar id={s.id} name={s.name} />),
              },
              { label: 'Uptime', class: 'hide-narrow', render: (s) => (narrow ? null : <UptimeCell id={s.id} />) },
              { label: 'Restarts', render: (s) => (s.restarts ? budgetText(s.restarts) : '–') },
              { label: 'Maintenance', class: 'hide-narrow', render: (s) => <Maintenance s={s} /> },
            ]}
          />
          <Pager nextToken={list.data.next_token} />
        </>
      )}
    </section>
  );
}

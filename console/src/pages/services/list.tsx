/** The status of every service (GET /services/status), with each check's latest result and the restart budget. */
import type { ServiceStatusPage, ServiceStatusView } from '../../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../../api.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { usePoll } from '../../poll.ts';
import { href, navigate, useQuery } from '../../router.ts';
import { budgetText } from './shared.tsx';

const LIFECYCLES = ['registered', 'active', 'maintenance', 'failed', 'retired'];

export function ServiceList() {
  const [query] = useQuery();
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
      {list.error && <ErrorNote error={list.error} what="services" />}
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <>
          <Table<ServiceStatusView>
            label="Services"
            rows={rows}
            rowKey={(s) => s.id}
            onOpen={(s) => navigate(href(`/services/${seg(s.id)}`))}
            empty="No services match."
            columns={[
              { label: 'Service', render: (s) => <Link href={href(`/services/${seg(s.id)}`)}>{s.name}</Link> },
              { label: 'Status', render: (s) => <StatusBadge status={s.status} /> },
              { label: 'Health', class: 'hide-narrow', render: (s) => <StatusBadge status={s.health} /> },
              { label: 'Restarts', render: (s) => (s.restarts ? budgetText(s.restarts) : '–') },
              { label: 'Since', class: 'hide-narrow', render: (s) => <Time at={s.timestamp} /> },
            ]}
          />
          <Pager nextToken={list.data.next_token} />
        </>
      )}
    </section>
  );
}

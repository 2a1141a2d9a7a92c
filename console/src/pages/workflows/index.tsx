/** Workflows: the list of workflows and a workflow's page. */
import type { WorkflowPage, WorkflowView } from '../../../../lib/core/api/schemas/responses/workflows.ts';
import { api, seg } from '../../api.ts';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { usePoll } from '../../poll.ts';
import { href, navigate, useQuery } from '../../router.ts';
import { WorkflowDetail } from './detail.tsx';

function WorkflowList() {
  const [query] = useQuery();
  const filters = { next_token: query.get('next_token') ?? undefined, limit: 50 };
  const list = usePoll(
    (signal) => api.get<WorkflowPage>('/workflows', filters, signal),
    JSON.stringify(filters),
    10_000,
  );
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Workflows</h1>
      {list.error && <ErrorNote error={list.error} what="workflows" />}
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <>
          <Table<WorkflowView>
            label="Workflows"
            rows={list.data.workflows}
            rowKey={(w) => w.id}
            onOpen={(w) => navigate(href(`/workflows/${seg(w.id)}`))}
            empty="No workflows yet."
            columns={[
              { label: 'Name', render: (w) => <Link href={href(`/workflows/${seg(w.id)}`)}>{w.name}</Link> },
              { label: 'Version', render: (w) => w.version },
              {
                label: 'State',
                render: (w) => (
                  <StatusBadge status={w.active ? 'active' : 'retired'} label={w.active ? 'active' : 'inactive'} />
                ),
              },
              { label: 'Managed by', class: 'hide-narrow', render: (w) => w.managed_by },
              {
                label: 'Runs',
                class: 'hide-narrow',
                render: (w) => <Link href={href('/runs', { workflow_id: w.id })}>runs</Link>,
              },
              { label: 'Updated', class: 'hide-narrow', render: (w) => <Time at={w.updated_at} /> },
            ]}
          />
          <Pager nextToken={list.data.next_token} />
        </>
      )}
    </section>
  );
}

/** `/console/workflows` and `/console/workflows/{workflow_id}`. */
export function WorkflowsArea({ id }: { id?: string }) {
  return id ? <WorkflowDetail id={id} /> : <WorkflowList />;
}

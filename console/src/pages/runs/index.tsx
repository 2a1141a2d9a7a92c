/** Runs: the list of executions (filters in the query string) and a run's page. */
import type { ExecutionPage, ExecutionView } from '../../../../lib/core/api/schemas/responses/executions.ts';
import { api, seg } from '../../api.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { usePoll } from '../../poll.ts';
import { href, navigate, useQuery } from '../../router.ts';

const STATUSES = ['created', 'running', 'paused', 'completed', 'failed', 'cancelled'];

function RunList() {
  const [query] = useQuery();
  const filters = {
    workflow_id: query.get('workflow_id') ?? undefined,
    status: query.get('status') ?? undefined,
    correlation_id: query.get('correlation_id') ?? undefined,
    next_token: query.get('next_token') ?? undefined,
    limit: 50,
  };
  const runs = usePoll((signal) => api.get<ExecutionPage>('/executions', filters, signal), JSON.stringify(filters));
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Runs</h1>
      <FilterBar
        label="Filter runs"
        fields={[
          { name: 'workflow_id', label: 'Workflow id' },
          { name: 'status', label: 'Status', type: 'select', options: STATUSES.map((s) => ({ value: s, label: s })) },
          { name: 'correlation_id', label: 'Correlation id' },
        ]}
      />
      {runs.error && <ErrorNote error={runs.error} what="runs" />}
      {runs.loading && !runs.data && <Loading />}
      {runs.data && (
        <>
          <Table<ExecutionView>
            label="Runs"
            rows={runs.data.executions}
            rowKey={(r) => r.execution_id}
            onOpen={(r) => navigate(href(`/runs/${seg(r.execution_id)}`))}
            empty="No runs match."
            columns={[
              {
                label: 'Run',
                render: (r) => <Link href={href(`/runs/${seg(r.execution_id)}`)}>{r.execution_id.slice(0, 8)}</Link>,
              },
              { label: 'Workflow', render: (r) => r.workflow_name },
              { label: 'Status', render: (r) => <StatusBadge status={r.status} /> },
              { label: 'Started', render: (r) => <Time at={r.started_at} /> },
              { label: 'Correlation id', class: 'hide-narrow', render: (r) => <code>{r.correlation_id}</code> },
            ]}
          />
          <Pager nextToken={runs.data.next_token} />
        </>
      )}
    </section>
  );
}

function RunPage({ id }: { id: string }) {
  const run = usePoll((signal) => api.get<ExecutionView>(`/executions/${seg(id)}`, undefined, signal), id);
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={href('/runs')}>Runs</Link> /
      </p>
      <h1 id="page-title">Run {id}</h1>
      {run.error && <ErrorNote error={run.error} what="the run" />}
      {run.loading && !run.data && <Loading />}
      {run.data && (
        <>
          <p>
            <StatusBadge status={run.data.status} /> {run.data.workflow_name} · started{' '}
            <Time at={run.data.started_at} />
          </p>
          <JsonView value={run.data} label="Run record" />
        </>
      )}
    </section>
  );
}

/** `/console/runs` and `/console/runs/{execution_id}`. */
export function RunsArea({ id }: { id?: string }) {
  return id ? <RunPage id={id} /> : <RunList />;
}

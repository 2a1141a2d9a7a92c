/** Runs: every execution, newest first, filtered by workflow, status, correlation id and time (all in the URL). */
import type { ExecutionPage, ExecutionView } from '../../../../lib/core/api/schemas/responses/executions.ts';
import type { WorkflowPage } from '../../../../lib/core/api/schemas/responses/workflows.ts';
import { api, seg } from '../../api.ts';
import { FilterBar } from '../../components/FilterBar.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { duration, isoFromLocal } from '../../format.ts';
import { usePoll } from '../../poll.ts';
import { href, navigate, useQuery } from '../../router.ts';

const STATUSES = ['created', 'running', 'paused', 'completed', 'failed', 'cancelled'];

function took(r: ExecutionView): string {
  const end = r.completed_at ?? r.cancelled_at;
  if (!end) return '';
  return duration(Date.parse(end) - Date.parse(r.started_at));
}

export function RunList() {
  const [query] = useQuery();
  const filters = {
    workflow_id: query.get('workflow_id') ?? undefined,
    status: query.get('status') ?? undefined,
    correlation_id: query.get('correlation_id') ?? undefined,
    from: isoFromLocal(query.get('from')),
    to: isoFromLocal(query.get('to')),
    next_token: query.get('next_token') ?? undefined,
    limit: 50,
  };
  const runs = usePoll((signal) => api.get<ExecutionPage>('/executions', filters, signal), JSON.stringify(filters));
  const workflows = usePoll((signal) => api.get<WorkflowPage>('/workflows', { limit: 100 }, signal), 'names', 30_000);
  const options = (workflows.data?.workflows ?? []).map((w) => ({ value: w.id, label: w.name }));
  const chosen = filters.workflow_id;
  if (chosen && !options.some((o) => o.value === chosen)) options.push({ value: chosen, label: chosen });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Runs</h1>
      <FilterBar
        label="Filter runs"
        fields={[
          { name: 'workflow_id', label: 'Workflow', type: 'select', options },
          { name: 'status', label: 'Status', type: 'select', options: STATUSES.map((s) => ({ value: s, label: s })) },
          { name: 'correlation_id', label: 'Correlation id' },
          { name: 'from', label: 'Started after', type: 'datetime-local' },
          { name: 'to', label: 'Started before', type: 'datetime-local' },
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
                render: (r) => (
                  <Link href={href(`/runs/${seg(r.execution_id)}`)} aria-label={`Run ${r.execution_id}`}>
                    <code>{r.execution_id.slice(0, 8)}</code>
                  </Link>
                ),
              },
              { label: 'Workflow', render: (r) => `${r.workflow_name} ${r.workflow_version}` },
              { label: 'Status', render: (r) => <StatusBadge status={r.status} /> },
              { label: 'Step', class: 'hide-narrow', render: (r) => r.current_step ?? '' },
              { label: 'Started', render: (r) => <Time at={r.started_at} /> },
              { label: 'Took', class: 'hide-narrow num', render: took },
              { label: 'Correlation id', class: 'hide-narrow', render: (r) => <code>{r.correlation_id}</code> },
            ]}
          />
          <Pager nextToken={runs.data.next_token} />
        </>
      )}
    </section>
  );
}

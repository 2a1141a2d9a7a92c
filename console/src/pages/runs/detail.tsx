/**
 * A run's page: status and actions, then tabs — the compiled graph coloured by step status, the timeline, the
 * history, the audit trail — and the selected step's input, output, attempts, errors and the event it waited for.
 * The tab and the selected step are in the URL (`?tab=timeline&step=charge_payment`).
 */
import { useMemo } from 'preact/hooks';
import type {
  AuditPage,
  ExecutionHistoryResponse,
  ExecutionStepsResponse,
  ExecutionView,
} from '../../../../lib/core/api/schemas/responses/executions.ts';
import type { WorkflowGraphResponse } from '../../../../lib/core/api/schemas/responses/graph.ts';
import { api, seg } from '../../api.ts';
import { JsonView } from '../../components/JsonView.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { TabPanel, Tabs, useTab } from '../../components/Tabs.tsx';
import { Time } from '../../components/Time.tsx';
import { GraphView } from '../../graph/GraphView.tsx';
import { nodeStatuses, statusCounts, statusLook } from '../../graph/status.ts';
import { usePoll } from '../../poll.ts';
import { href, useQuery } from '../../router.ts';
import { Preloads, preloadRun, runPaths } from '../../runs/preload.ts';
import { TimelineView } from '../../runs/TimelineView.tsx';
import { buildTimeline } from '../../runs/timeline.ts';
import { RunActions } from './actions.tsx';
import { StepPanel } from './step.tsx';

const TABS = [
  { id: 'graph', label: 'Graph' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'history', label: 'History' },
  { id: 'audit', label: 'Audit trail' },
] as const;

type Entry = ExecutionHistoryResponse['entries'][number];

/** Every history page (up to `maxPages` of 100): the timeline needs each step's attempts. */
async function loadHistory(
  id: string,
  signal: AbortSignal,
  maxPages = 20,
): Promise<{ entries: Entry[]; more: boolean }> {
  const entries: Entry[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await api.get<ExecutionHistoryResponse>(
      `/executions/${seg(id)}/history`,
      { limit: 100, next_token: token },
      signal,
    );
    entries.push(...res.entries);
    token = res.next_token ?? undefined;
    if (!token) return { entries, more: false };
  }
  return { entries, more: true };
}

const FINISHED = new Set(['completed', 'cancelled', 'failed']);
const NO_STEPS: ExecutionStepsResponse['steps'] = [];
/** The page's first reads, started together when it opens (preload.ts). */
const preloads = new Preloads(api.get);

function RunBody({ run, reload }: { run: ExecutionView; reload: () => void }) {
  const [query, setQuery] = useQuery();
  const tab = useTab(TABS);
  const selected = query.get('step') ?? undefined;
  const detail = query.get('detail') === 'full' ? 'full' : 'steps';
  const id = run.execution_id;
  const live = !FINISHED.has(run.status);
  const steps = usePoll(
    (signal) =>
      preloads.take(runPaths.steps(id), undefined, () =>
        api.get<ExecutionStepsResponse>(runPaths.steps(id), undefined, signal),
      ),
    id,
    live ? 3000 : 0,
  );
  const graph = usePoll(
    (signal) => {
      const [path, query] = runPaths.graph(run);
      return preloads.take(path, query, () => api.get<WorkflowGraphResponse>(path, query, signal));
    },
    `${run.workflow_id}@${run.workflow_version}`,
    0,
  );
  const standard = run.execution_type === 'standard';
  // The history (every page of it) is read only for the tabs that show it: the graph's first paint needs none.
  const wantHistory = standard && (tab === 'timeline' || tab === 'history');
  const history = usePoll(
    (signal) => (wantHistory ? loadHistory(id, signal) : Promise.resolve({ entries: [], more: false })),
    `${id}:${wantHistory}`,
    live && wantHistory ? 5000 : 0,
  );
  // Like the history, the audit trail is read only while its tab is open.
  const audit = usePoll(
    (signal) =>
      tab === 'audit'
        ? api.get<AuditPage>('/audit', { target: `execution/${id}`, limit: 100 }, signal)
        : Promise.resolve(undefined),
    `audit:${id}:${tab === 'audit'}`,
    tab === 'audit' ? 5000 : 0,
  );
  const stepRecords = steps.data?.steps ?? NO_STEPS;
  const statuses = useMemo(
    () => (graph.data ? nodeStatuses(graph.data.graph, run, stepRecords) : new Map()),
    [graph.data, run, stepRecords],
  );
  const timeline = useMemo(() => {
    const attempts = (history.data?.entries ?? [])
      .filter((e) => e.kind === 'step_attempt' && e.state !== undefined)
      .map((e) => ({
        step: e.state!,
        attempt: e.attempt ?? 1,
        status: e.status ?? 'completed',
        at: e.at,
        duration_ms: e.duration_ms,
      }));
    return buildTimeline(run, stepRecords, attempts, Date.now());
  }, [run, stepRecords, history.data]);
  const select = (step: string) => setQuery({ step: step === selected ? undefined : step });
  return (
    <>
      <RunActions run={run} onDone={reload} />
      <Tabs tabs={TABS} label="Run views" />
      {tab === 'graph' && (
        <TabPanel id="graph">
          {graph.error && <ErrorNote error={graph.error} what="the workflow graph" />}
          {graph.loading && !graph.data && <Loading />}
          {graph.data && (
            <>
              <p class="legend">
                <span class="muted">Steps by status:</span>
                {statusCounts(statuses).map(({ status, count }) => {
                  const look = statusLook(status);
                  return (
                    <span key={status} class={`legend-item tone-${look.tone}`}>
                      <span aria-hidden="true">{look.icon}</span> {look.text}: {count}
                    </span>
                  );
                })}
                <label class="inline">
                  <input
                    type="checkbox"
                    checked={detail === 'full'}
                    onChange={(e) =>
                      setQuery(
                        { detail: (e.target as HTMLInputElement).checked ? 'full' : undefined },
                        { replace: true },
                      )
                    }
                  />{' '}
                  Show pause and cancel states
                </label>
              </p>
              <GraphView
                graph={graph.data.graph}
                detail={detail}
                statuses={statuses}
                selected={selected}
                onSelect={select}
                label={`Graph of ${run.workflow_name} ${run.workflow_version}`}
              />
            </>
          )}
        </TabPanel>
      )}
      {tab === 'timeline' && (
        <TabPanel id="timeline">
          {steps.error && <ErrorNote error={steps.error} what="the steps" />}
          {history.error && <ErrorNote error={history.error} what="the history" />}
          <TimelineView timeline={timeline} selected={selected} onSelect={select} />
        </TabPanel>
      )}
      {tab === 'history' && (
        <TabPanel id="history">
          {!standard && <p class="muted">Express runs keep no per-step history in Step Functions.</p>}
          {history.error && <ErrorNote error={history.error} what="the history" />}
          {history.data?.more && <p class="muted">Showing the first 2,000 entries.</p>}
          {history.data && (
            <Table<Entry>
              label="History"
              rows={history.data.entries}
              rowKey={(e) => `${e.source}:${e.event_id ?? ''}:${e.at}:${e.kind}:${e.state ?? ''}:${e.attempt ?? ''}`}
              empty="No history yet."
              columns={[
                { label: 'When', render: (e) => <Time at={e.at} mode="absolute" /> },
                { label: 'What', render: (e) => e.kind },
                { label: 'State', render: (e) => e.state ?? '' },
                { label: 'Attempt', class: 'num', render: (e) => e.attempt ?? '' },
                { label: 'Status', render: (e) => (e.status ? <StatusBadge status={e.status} /> : '') },
                { label: 'Error', class: 'hide-narrow', render: (e) => [e.error, e.cause].filter(Boolean).join(': ') },
              ]}
            />
          )}
        </TabPanel>
      )}
      {tab === 'audit' && (
        <TabPanel id="audit">
          {audit.error && <ErrorNote error={audit.error} what="the audit trail" />}
          {audit.data && (
            <Table
              label="Audit trail"
              rows={audit.data.records}
              rowKey={(r) => r.audit_id}
              empty="Nobody has acted on this run yet."
              columns={[
                { label: 'When', render: (r) => <Time at={r.at} mode="absolute" /> },
                { label: 'Who', render: (r) => <code>{r.caller}</code> },
                { label: 'Did', render: (r) => r.action },
                {
                  label: 'Details',
                  class: 'hide-narrow',
                  render: (r) => (r.details ? <code>{JSON.stringify(r.details)}</code> : ''),
                },
              ]}
            />
          )}
        </TabPanel>
      )}
      {selected && (
        <StepPanel
          run={run}
          step={selected}
          records={stepRecords.filter((s) => s.step === selected)}
          node={graph.data?.graph.nodes.find((n) => n.kind === 'step' && n.step === selected)}
          onClose={() => setQuery({ step: undefined })}
          onDone={reload}
        />
      )}
    </>
  );
}

export function RunPage({ id }: { id: string }) {
  // During the first render, not in an effect: effects run after the first paint, and the reads would wait for it.
  useMemo(() => preloadRun(preloads, id), [id]);
  const run = usePoll(
    (signal) =>
      preloads.take(runPaths.run(id), undefined, () => api.get<ExecutionView>(runPaths.run(id), undefined, signal)),
    id,
  );
  const r = run.data;
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={href('/runs')}>Runs</Link> /
      </p>
      <h1 id="page-title">
        Run <code>{id}</code>
      </h1>
      {run.error && <ErrorNote error={run.error} what="the run" />}
      {run.loading && !r && <Loading />}
      {r && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={r.status} />
              {r.queued ? ' (queued for a slot)' : ''}
            </dd>
            <dt>Workflow</dt>
            <dd>
              <Link href={href(`/workflows/${seg(r.workflow_id)}`, { version: r.workflow_version })}>
                {r.workflow_name} {r.workflow_version}
              </Link>
            </dd>
            <dt>Current step</dt>
            <dd>{r.current_step ?? '–'}</dd>
            <dt>Started</dt>
            <dd>
              <Time at={r.started_at} mode="absolute" />
            </dd>
            <dt>Ended</dt>
            <dd>
              <Time at={r.completed_at ?? r.cancelled_at} mode="absolute" />
            </dd>
            <dt>Correlation id</dt>
            <dd>
              <Link href={href('/runs', { correlation_id: r.correlation_id })}>
                <code>{r.correlation_id}</code>
              </Link>
            </dd>
            {r.error_details && (
              <>
                <dt>Error</dt>
                <dd class="error-text">{[r.error_details.error, r.error_details.cause].filter(Boolean).join(': ')}</dd>
              </>
            )}
            {r.cancel_reason && (
              <>
                <dt>Cancelled</dt>
                <dd>
                  {r.cancel_reason}
                  {r.cancelled_by ? ` (by ${r.cancelled_by})` : ''}
                </dd>
              </>
            )}
            {r.parent && (
              <>
                <dt>Parent run</dt>
                <dd>
                  <Link href={href(`/runs/${seg(r.parent.execution_id)}`, { step: r.parent.step })}>
                    {r.parent.execution_id.slice(0, 8)} · {r.parent.step}
                  </Link>
                </dd>
              </>
            )}
          </dl>
          <details class="run-data">
            <summary>Context and result</summary>
            <h3>Context</h3>
            <JsonView value={r.context} label="Context" />
            <h3>Result</h3>
            <JsonView value={r.result} label="Result" />
          </details>
          <RunBody run={r} reload={run.reload} />
        </>
      )}
    </section>
  );
}

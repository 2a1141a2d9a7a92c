/**
 * A workflow's page: its versions (the chosen one in `?version=`), and in tabs the compiled graph of that version,
 * its compile report, its definition, a validator for a pasted definition, and a form to start a run. Selecting a
 * step in the graph (`?step=`) shows its configuration.
 */
import { useMemo } from 'preact/hooks';
import type { WorkflowGraphResponse } from '../../../../lib/core/api/schemas/responses/graph.ts';
import type { VersionPage, WorkflowView } from '../../../../lib/core/api/schemas/responses/workflows.ts';
import { api, seg } from '../../api.ts';
import { JsonView } from '../../components/JsonView.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { TabPanel, Tabs, useTab } from '../../components/Tabs.tsx';
import { Time } from '../../components/Time.tsx';
import { GraphView } from '../../graph/GraphView.tsx';
import { usePoll } from '../../poll.ts';
import { href, useQuery } from '../../router.ts';
import { documentOf } from '../../workflows/context.ts';
import { ValidateEditor } from './editor.tsx';
import { CompileReport } from './report.tsx';
import { StartRun } from './start.tsx';

const TABS = [
  { id: 'graph', label: 'Graph' },
  { id: 'report', label: 'Compile report' },
  { id: 'definition', label: 'Definition' },
  { id: 'validate', label: 'Validate' },
  { id: 'start', label: 'Start a run' },
] as const;

type Step = { name: string } & Record<string, unknown>;

/** Every step of a definition by name (nested lists and fallbacks too). */
function stepsByName(definition: unknown): Map<string, Step> {
  const out = new Map<string, Step>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.name === 'string' && typeof o.step_type === 'string') out.set(o.name, o as Step);
      Object.values(o).forEach(walk);
    }
  };
  walk(definition);
  return out;
}

function VersionView({ workflow, version }: { workflow: WorkflowView; version: string }) {
  const [query, setQuery] = useQuery();
  const tab = useTab(TABS);
  const selected = query.get('step') ?? undefined;
  const graph = usePoll(
    (signal) => api.get<WorkflowGraphResponse>(`/workflows/${seg(workflow.id)}/graph`, { version }, signal),
    `${workflow.id}@${version}`,
    0,
  );
  const versions = usePoll(
    (signal) => api.get<VersionPage>(`/workflows/${seg(workflow.id)}/versions`, { limit: 100 }, signal),
    `${workflow.id}:${workflow.seq}`,
    0,
  );
  const current = versions.data?.versions.find((v) => v.version === version);
  const definition = current?.definition ?? (version === workflow.version ? workflow.definition : undefined);
  const steps = useMemo(() => stepsByName(definition), [definition]);
  const initial = useMemo(
    () => JSON.stringify(documentOf({ ...workflow, version, definition: definition ?? workflow.definition }), null, 2),
    [workflow, version, definition],
  );
  return (
    <>
      <div class="actions-bar">
        <label class="field inline" for="version-select">
          <span>Version</span>
          <select
            id="version-select"
            value={version}
            onChange={(e) => setQuery({ version: (e.target as HTMLSelectElement).value, step: undefined })}
          >
            {(versions.data?.versions ?? [{ version, version_seq: workflow.version_seq, created_at: '' }]).map((v) => (
              <option key={v.version} value={v.version}>
                {v.version} (#{v.version_seq}){v.version === workflow.version ? ' latest' : ''}
              </option>
            ))}
          </select>
        </label>
        {current && (
          <span class="muted">
            created <Time at={current.created_at} /> by <code>{current.created_by}</code>
          </span>
        )}
        <Link href={href('/runs', { workflow_id: workflow.id })}>Runs of this workflow</Link>
      </div>
      {versions.error && <ErrorNote error={versions.error} what="the versions" />}
      <Tabs tabs={TABS} label="Workflow views" />
      {graph.error && tab !== 'validate' && <ErrorNote error={graph.error} what="the compiled graph" />}
      {tab === 'graph' && (
        <TabPanel id="graph">
          {graph.loading && !graph.data && <Loading />}
          {graph.data && (
            <GraphView
              graph={graph.data.graph}
              detail={query.get('detail') === 'full' ? 'full' : 'steps'}
              selected={selected}
              onSelect={(s) => setQuery({ step: s === selected ? undefined : s })}
              label={`Graph of ${workflow.name} ${version}`}
            />
          )}
          {selected && (
            <aside class="step-panel" aria-labelledby="step-title">
              <header>
                <h2 id="step-title">Step {selected}</h2>
                <button type="button" onClick={() => setQuery({ step: undefined })}>
                  ✕ Close
                </button>
              </header>
              <JsonView value={steps.get(selected)} label={`Configuration of ${selected}`} />
            </aside>
          )}
        </TabPanel>
      )}
      {tab === 'report' && (
        <TabPanel id="report">{graph.data && <CompileReport report={graph.data.report} />}</TabPanel>
      )}
      {tab === 'definition' && (
        <TabPanel id="definition">
          <JsonView value={definition} label="Definition" />
        </TabPanel>
      )}
      {tab === 'validate' && (
        <TabPanel id="validate">
          <ValidateEditor key={`${workflow.id}@${version}`} workflowId={workflow.id} initial={initial} />
        </TabPanel>
      )}
      {tab === 'start' && (
        <TabPanel id="start">
          {workflow.active ? (
            <StartRun workflowId={workflow.id} version={version} definition={definition} />
          ) : (
            <p class="muted">This workflow is inactive: it cannot start runs.</p>
          )}
        </TabPanel>
      )}
    </>
  );
}

export function WorkflowDetail({ id }: { id: string }) {
  const [query] = useQuery();
  const wf = usePoll((signal) => api.get<WorkflowView>(`/workflows/${seg(id)}`, undefined, signal), id, 0);
  const w = wf.data;
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={href('/workflows')}>Workflows</Link> /
      </p>
      <h1 id="page-title">{w?.name ?? id}</h1>
      {wf.error && <ErrorNote error={wf.error} what="the workflow" />}
      {wf.loading && !w && <Loading />}
      {w && (
        <>
          {w.description && <p>{w.description}</p>}
          <p>
            <StatusBadge status={w.active ? 'active' : 'retired'} label={w.active ? 'active' : 'inactive'} />{' '}
            {w.execution_type === 'express' ? 'Express' : 'Standard'} · managed by {w.managed_by} · latest {w.version}
          </p>
          <VersionView workflow={w} version={query.get('version') ?? w.version} />
        </>
      )}
    </section>
  );
}

/**
 * Alerts: open and recent alerts with their summary (never the raw key), severity, service and timeline;
 * acknowledge with an optional note. The state filter and the selected alert are in the query string.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AlertPage, AlertView } from '../../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../../api.ts';
import { ActionButton } from '../../components/ConfirmDialog.tsx';
import { FilterBar } from '../../components/FilterBar.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { ServiceName } from '../../components/ServiceName.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { usePoll } from '../../poll.ts';
import { useQuery } from '../../router.ts';

/** The moments of an alert's life, oldest first. */
export function alertTimeline(a: AlertView): Array<{ at: string; what: string }> {
  const moments: Array<{ at: string | undefined; what: string }> = [
    { at: a.opened_at, what: `opened (${a.severity})` },
    { at: a.last_notified_at, what: `notified${a.count > 1 ? ` (seen ${a.count} times)` : ''}` },
    { at: a.escalated_at, what: 'escalated' },
    { at: a.acknowledged_at, what: `acknowledged${a.acknowledged_by ? ` by ${a.acknowledged_by}` : ''}` },
    { at: a.resolved_at, what: 'resolved' },
  ];
  return moments
    .filter((m): m is { at: string; what: string } => !!m.at)
    .sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
}

function AlertDetail({ alert, onChange }: { alert: AlertView; onChange: (a: AlertView) => void }) {
  const [, setQuery] = useQuery();
  return (
    <aside class="panel" aria-labelledby="alert-title" data-alert={alert.alert_id}>
      <div class="panel-head">
        <h2 id="alert-title">{alert.summary}</h2>
        <button
          type="button"
          class="link"
          onClick={() => setQuery({ alert: undefined })}
          aria-label="Close alert details"
        >
          ✕
        </button>
      </div>
      <p>
        <StatusBadge status={alert.severity} /> <StatusBadge status={alert.state} />
        {alert.muted && <span class="badge badge-muted">muted</span>}
      </p>
      <dl class="facts">
        <dt>Service</dt>
        <dd>{alert.service_id ? <ServiceName id={alert.service_id} /> : <span class="muted">–</span>}</dd>
        <dt>Source</dt>
        <dd>{alert.source}</dd>
        <dt>Occurrences</dt>
        <dd>{alert.count}</dd>
        <dt>Key</dt>
        <dd>
          <code>{alert.key}</code>
        </dd>
      </dl>
      <h3>Timeline</h3>
      <ol class="timeline-list">
        {alertTimeline(alert).map((m) => (
          <li key={m.what}>
            <Time at={m.at} mode="absolute" /> — {m.what}
          </li>
        ))}
      </ol>
      {/* Always rendered (disabled once acknowledged), so the outcome of acknowledging stays beside it. */}
      <ActionButton<AlertView>
        label="Acknowledge"
        disabled={alert.state !== 'open'}
        title={`Acknowledge “${alert.summary}”?`}
        description={<p>It stops escalating; it stays listed until it resolves.</p>}
        reason={{ label: 'Note' }}
        run={(note) => api.put<AlertView>(`/alerts/${seg(alert.alert_id)}/acknowledge`, note ? { note } : {})}
        done={(a) => `Acknowledged${a.acknowledged_by ? ` by ${a.acknowledged_by}` : ''}.`}
        onDone={onChange}
      />
    </aside>
  );
}

/** `/console/alerts`. */
export function AlertsArea() {
  const [query, setQuery] = useQuery();
  const filters = {
    state: query.get('state') ?? undefined,
    next_token: query.get('next_token') ?? undefined,
    limit: 50,
  };
  const list = usePoll((signal) => api.get<AlertPage>('/alerts', filters, signal), JSON.stringify(filters));
  const selectedId = query.get('alert');
  // The open alert stays on screen after an action moves it out of the filtered list (acknowledged, say).
  const [known, setKnown] = useState<AlertView>();
  const listed = list.data?.alerts.find((a) => a.alert_id === selectedId);
  useEffect(() => {
    if (listed) setKnown(listed);
  }, [listed]);
  const selected = listed ?? (known?.alert_id === selectedId ? known : undefined);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Alerts</h1>
      <FilterBar
        label="Filter alerts"
        fields={[
          {
            name: 'state',
            label: 'State',
            type: 'select',
            options: ['open', 'acknowledged', 'resolved'].map((s) => ({ value: s, label: s })),
          },
        ]}
      />
      {list.error && <ErrorNote error={list.error} what="alerts" />}
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class={selected ? 'split' : undefined}>
          <div>
            <Table<AlertView>
              label="Alerts"
              rows={list.data.alerts}
              rowKey={(a) => a.alert_id}
              onOpen={(a) => setQuery({ alert: a.alert_id })}
              empty="No alerts. All quiet."
              columns={[
                { label: 'Severity', render: (a) => <StatusBadge status={a.severity} /> },
                {
                  label: 'Summary',
                  render: (a) => (
                    <button type="button" class="link" onClick={() => setQuery({ alert: a.alert_id })}>
                      {a.summary}
                    </button>
                  ),
                },
                {
                  label: 'Service',
                  class: 'hide-narrow',
                  render: (a) => (a.service_id ? <ServiceName id={a.service_id} /> : '–'),
                },
                { label: 'State', render: (a) => <StatusBadge status={a.state} /> },
                { label: 'Opened', render: (a) => <Time at={a.opened_at} /> },
                { label: 'Count', class: 'num hide-narrow', render: (a) => a.count },
              ]}
            />
            <Pager nextToken={list.data.next_token} />
          </div>
          {selected && (
            <AlertDetail
              alert={selected}
              onChange={(a) => {
                setKnown(a);
                list.reload();
              }}
            />
          )}
          {selectedId && !selected && <p class="muted">Alert {selectedId} is not on this page.</p>}
        </div>
      )}
    </section>
  );
}

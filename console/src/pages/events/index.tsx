/**
 * Events: search stored events by type, correlation id and time (GET /events uses the narrowest index), open one
 * to read its data, and send a test event (POST /events) that is routed exactly as a producer's would be.
 */
import { useState } from 'preact/hooks';
import type { EventPage, EventView, ProcessEventResponse } from '../../../../lib/core/api/schemas/responses/events.ts';
import { api } from '../../api.ts';
import { ActionButton } from '../../components/ConfirmDialog.tsx';
import { FilterBar } from '../../components/FilterBar.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading, Pager } from '../../components/Notice.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { isoFromLocal } from '../../format.ts';
import { usePoll } from '../../poll.ts';
import { href, useQuery } from '../../router.ts';

function SendEvent({ onSent }: { onSent: () => void }) {
  const [type, setType] = useState('test.ping');
  const [source, setSource] = useState('console');
  const [correlation, setCorrelation] = useState('');
  const [data, setData] = useState('{}');
  let parsed: unknown;
  let dataError: string | undefined;
  try {
    parsed = JSON.parse(data);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) dataError = 'must be a JSON object';
  } catch (e) {
    dataError = `is not valid JSON (${(e as Error).message})`;
  }
  const body = {
    type: type.trim(),
    source: source.trim(),
    ...(correlation.trim() ? { correlation_id: correlation.trim() } : {}),
    data: parsed,
  };
  return (
    <details class="panel send-event">
      <summary>
        <h2>Send a test event</h2>
      </summary>
      <form onSubmit={(e) => e.preventDefault()} aria-label="Send a test event">
        <label class="field">
          <span>Type</span>
          <input name="type" value={type} required onInput={(e) => setType((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>Source</span>
          <input
            name="source"
            value={source}
            required
            onInput={(e) => setSource((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>Correlation id (optional)</span>
          <input
            name="correlation_id"
            value={correlation}
            onInput={(e) => setCorrelation((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field wide">
          <span>Data (JSON object)</span>
          <textarea
            name="data"
            rows={4}
            value={data}
            aria-invalid={dataError ? 'true' : undefined}
            onInput={(e) => setData((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        {dataError && (
          <p class="error" role="alert">
            data: {dataError}
          </p>
        )}
        <ActionButton<ProcessEventResponse>
          label="Send event"
          title={`Send a ${body.type || '(no type)'} event?`}
          description={
            <p>
              It is stored and routed like any producer's event: a run waiting for <code>{body.type}</code> with a
              matching filter continues.
            </p>
          }
          disabled={!!dataError || !body.type || !body.source}
          run={() => api.post<ProcessEventResponse>('/events', body)}
          done={(r) =>
            `Sent ${r.event_id}: matched ${r.matched} waiting step${r.matched === 1 ? '' : 's'}${r.duplicate ? ' (a redelivery)' : ''}.`
          }
          onDone={onSent}
        />
      </form>
    </details>
  );
}

/** `/console/events`. */
export function EventsArea() {
  const [query, setQuery] = useQuery();
  const filters = {
    type: query.get('type') ?? undefined,
    correlation_id: query.get('correlation_id') ?? undefined,
    from: isoFromLocal(query.get('from')),
    to: isoFromLocal(query.get('to')),
    next_token: query.get('next_token') ?? undefined,
    limit: 50,
  };
  const list = usePoll((signal) => api.get<EventPage>('/events', filters, signal), JSON.stringify(filters), 5000);
  const selectedId = query.get('event');
  const selected = list.data?.events.find((e) => e.id === selectedId);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Events</h1>
      <FilterBar
        label="Search events"
        fields={[
          { name: 'type', label: 'Type', placeholder: 'agent.task_completed' },
          { name: 'correlation_id', label: 'Correlation id' },
          { name: 'from', label: 'From', type: 'datetime-local' },
          { name: 'to', label: 'To', type: 'datetime-local' },
        ]}
      />
      <SendEvent onSent={list.reload} />
      {list.error && <ErrorNote error={list.error} what="events" />}
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div class={selected ? 'split' : undefined}>
          <div>
            <Table<EventView>
              label="Events"
              rows={list.data.events}
              rowKey={(e) => e.id}
              onOpen={(e) => setQuery({ event: e.id })}
              empty="No events match."
              columns={[
                {
                  label: 'Type',
                  render: (e) => (
                    <button type="button" class="link" onClick={() => setQuery({ event: e.id })}>
                      {e.type}
                    </button>
                  ),
                },
                { label: 'Source', class: 'hide-narrow', render: (e) => e.source },
                {
                  label: 'Correlation id',
                  render: (e) =>
                    e.correlation_id ? (
                      <Link href={href('/events', { correlation_id: e.correlation_id })}>{e.correlation_id}</Link>
                    ) : (
                      <span class="muted">–</span>
                    ),
                },
                { label: 'Matched', class: 'num', render: (e) => e.matched },
                { label: 'Time', render: (e) => <Time at={e.timestamp} /> },
              ]}
            />
            <Pager nextToken={list.data.next_token} />
          </div>
          {selected && (
            <aside class="panel" aria-labelledby="event-title" data-event={selected.id}>
              <div class="panel-head">
                <h2 id="event-title">{selected.type}</h2>
                <button
                  type="button"
                  class="link"
                  onClick={() => setQuery({ event: undefined })}
                  aria-label="Close event"
                >
                  ✕
                </button>
              </div>
              <dl class="facts">
                <dt>Id</dt>
                <dd>
                  <code>{selected.id}</code>
                </dd>
                <dt>Source</dt>
                <dd>{selected.source}</dd>
                <dt>Time</dt>
                <dd>
                  <Time at={selected.timestamp} mode="absolute" />
                </dd>
                <dt>Received</dt>
                <dd>
                  <Time at={selected.received_at} mode="absolute" />
                </dd>
                <dt>Runs for this correlation</dt>
                <dd>
                  {selected.correlation_id ? (
                    <Link href={href('/runs', { correlation_id: selected.correlation_id })}>
                      {selected.correlation_id}
                    </Link>
                  ) : (
                    '–'
                  )}
                </dd>
              </dl>
              <h3>Data</h3>
              <JsonView value={selected.data} label="Event data" />
            </aside>
          )}
        </div>
      )}
    </section>
  );
}

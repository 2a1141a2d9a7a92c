/**
 * One service: its checks with their latest results, uptime and latency from the recorded history, the check-history
 * bar, restarts and budget, maintenance (manual and windows), the audit trail, and the operator's actions — restart
 * now, start/end maintenance, reset a spent budget, retire — each behind a confirmation.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import type { AuditPage } from '../../../../lib/core/api/schemas/responses/executions.ts';
import type {
  RestartServiceResponse,
  ServiceDetailResponse,
  ServiceHealthResponse,
  ServiceHistoryPage,
  ServiceView,
} from '../../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../../api.ts';
import { CheckBar } from '../../components/CheckBar.tsx';
import { ActionButton, ActionGroup } from '../../components/ConfirmDialog.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { LatencyChart } from '../../components/LatencyChart.tsx';
import { Link } from '../../components/Link.tsx';
import { ErrorNote, Loading } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Table } from '../../components/Table.tsx';
import { Time } from '../../components/Time.tsx';
import { absolute, duration, percent } from '../../format.ts';
import { usePoll } from '../../poll.ts';
import { href } from '../../router.ts';
import { budgetLeft, budgetText, useUptime } from './shared.tsx';

type Window = {
  name?: string;
  starts_at?: string;
  ends_at?: string;
  days?: string[];
  start?: string;
  duration_minutes?: number;
};

function windowText(w: Window): string {
  const name = w.name ? `${w.name}: ` : '';
  if (w.starts_at && w.ends_at) return `${name}${absolute(w.starts_at)} → ${absolute(w.ends_at)}`;
  return `${name}every ${(w.days ?? []).join(', ')} at ${w.start} UTC for ${duration((w.duration_minutes ?? 0) * 60_000)}`;
}

const DAY = 24 * 3_600_000;

function Uptime({ id }: { id: string }) {
  const up = useUptime(id);
  if (up.error) return <ErrorNote error={up.error} what="uptime" />;
  if (!up.data) return <Loading />;
  return (
    <dl class="facts" aria-label="Uptime">
      {up.data.windows.map((w) => (
        <Fragment key={w.window}>
          <dt>Uptime {w.window}</dt>
          <dd data-window={w.window}>
            <strong>{w.uptime === null ? 'no data' : percent(w.uptime)}</strong>
            <span class="muted small">
              {' '}
              · observed {duration(w.observed_seconds * 1000)} · {w.results} recorded results
              {w.latency_ms &&
                ` · latency avg ${duration(w.latency_ms.avg)}, p95 ${duration(w.latency_ms.p95)}, max ${duration(w.latency_ms.max)}`}
            </span>
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The last day's recorded results: the bar (latest 50) and the latency chart (up to 300 results). */
function History({ id, name }: { id: string; name: string }) {
  const history = usePoll(
    async (signal) => {
      const from = new Date(Date.now() - DAY).toISOString();
      const results: ServiceHistoryPage['results'] = [];
      let token: string | undefined;
      for (let page = 0; page < 3; page++) {
        const answer = await api.get<ServiceHistoryPage>(
          `/services/${seg(id)}/history`,
          { from, limit: 100, next_token: token },
          signal,
        );
        results.push(...answer.results);
        token = answer.next_token ?? undefined;
        if (!token) break;
      }
      return results;
    },
    id,
    15_000,
  );
  if (history.error) return <ErrorNote error={history.error} what="the check history" />;
  if (!history.data) return <Loading />;
  return (
    <>
      <CheckBar results={history.data.slice(0, 50)} label={`Check history of ${name}`} />
      <LatencyChart results={history.data} title={`Latency of ${name}, last 24 hours`} />
    </>
  );
}

function Audit({ id, version }: { id: string; version: number }) {
  const audit = usePoll(
    (signal) => api.get<AuditPage>('/audit', { target: `service/${id}`, limit: 20 }, signal),
    `${id}#${version}`,
    10_000,
  );
  if (audit.error) return <ErrorNote error={audit.error} what="the audit trail" />;
  if (!audit.data) return <Loading />;
  return (
    <Table
      label="Audit trail"
      rows={audit.data.records}
      rowKey={(r) => r.audit_id}
      empty="No operator actions on this service yet."
      columns={[
        { label: 'When', render: (r) => <Time at={r.at} /> },
        { label: 'Action', render: (r) => <code>{r.action}</code> },
        { label: 'Who', class: 'hide-narrow', render: (r) => <code>{r.caller}</code> },
        {
          label: 'Details',
          render: (r) =>
            r.details ? (
              <span class="small">
                {Object.entries(r.details)
                  .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                  .join(' · ')}
              </span>
            ) : (
              '–'
            ),
        },
      ]}
    />
  );
}

function Actions({
  health,
  detail,
  onChange,
}: {
  health: ServiceHealthResponse;
  detail: ServiceDetailResponse | undefined;
  onChange: () => void;
}) {
  const id = health.service_id;
  const name = health.name;
  const lifecycle = health.lifecycle;
  const retired = lifecycle === 'retired';
  const r = health.restarts;
  // Only ECS services can be restarted (the API answers 409 for the others); the registration says which they are.
  const managed =
    detail !== undefined && (detail.ecs !== undefined || detail.image !== undefined || detail.command !== undefined);
  return (
    <section class="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <ActionGroup>
        {retired && <p class="muted">This service is retired: nothing to do.</p>}
        {!retired && (
          <div class="action-row">
            {!managed && (
              <p class="muted small">
                Not an ECS service Steward manages (no <code>ecs</code>, <code>image</code> or <code>command</code>): it
                cannot be restarted from here.
              </p>
            )}
            {managed && (
              <ActionButton<RestartServiceResponse>
                label="Restart now"
                title={`Restart ${name} now?`}
                description={
                  <p>
                    Forces a new deployment, skipping backoff and grace waits. It spends one restart of the budget (
                    {budgetLeft(r)} of {r.max_restarts} left in {duration(r.window_seconds * 1000)}) and is audited.
                  </p>
                }
                reason={{ label: 'Reason', placeholder: 'why restart now (kept in the audit trail)' }}
                run={(reason) =>
                  api.post<RestartServiceResponse>(`/services/${seg(id)}/restart`, reason ? { reason } : {})
                }
                done={(x) =>
                  `Restarted (attempt ${x.attempt}); ${x.budget_left} restart${x.budget_left === 1 ? '' : 's'} left in the budget.`
                }
                onDone={onChange}
              />
            )}
            {lifecycle !== 'maintenance' ? (
              <ActionButton<ServiceView>
                label="Start maintenance"
                title={`Put ${name} in maintenance?`}
                description={
                  <p>Its failed probes stop counting and it is not restarted until maintenance ends. Audited.</p>
                }
                run={() => api.put<ServiceView>(`/services/${seg(id)}`, { lifecycle: 'maintenance' })}
                done={() => 'In maintenance.'}
                onDone={onChange}
              />
            ) : (
              <ActionButton<ServiceView>
                label="End maintenance"
                title={`End maintenance of ${name}?`}
                description={<p>It becomes active again: probes count and restarts resume. Audited.</p>}
                run={() => api.put<ServiceView>(`/services/${seg(id)}`, { lifecycle: 'active' })}
                done={() => 'Maintenance ended; the service is active.'}
                onDone={onChange}
              />
            )}
            {(r.failed || r.budget_exhausted || budgetLeft(r) === 0) && (
              <ActionButton<ServiceView>
                label="Reset restart budget"
                title={`Reset the restart budget of ${name}?`}
                description={<p>Clears the spent budget and the failed mark, so Steward may restart it again.</p>}
                run={() => api.put<ServiceView>(`/services/${seg(id)}`, { reset_restarts: true })}
                done={() => 'Restart budget reset.'}
                onDone={onChange}
              />
            )}
            <ActionButton<ServiceView>
              label="Retire"
              danger
              title={`Retire ${name}?`}
              description={
                <p>
                  It is no longer probed, restarted or offered to workflows; its history stays. Registering the name
                  again brings it back.
                  {detail?.source === 'deployment'
                    ? ' It is part of the deployment: the next deploy registers it again.'
                    : ''}
                </p>
              }
              run={() => api.delete<ServiceView>(`/services/${seg(id)}`)}
              done={() => 'Retired.'}
              onDone={onChange}
            />
          </div>
        )}
      </ActionGroup>
    </section>
  );
}

export function ServiceDetail({ id }: { id: string }) {
  const health = usePoll(
    (signal) => api.get<ServiceHealthResponse>(`/services/${seg(id)}/health`, { history: 0 }, signal),
    id,
  );
  const detail = usePoll(
    (signal) => api.get<ServiceDetailResponse>(`/services/${seg(id)}`, undefined, signal),
    id,
    10_000,
  );
  // Every action reloads the page's data, the audit trail included (its key changes).
  const [actions, setActions] = useState(0);
  const reload = () => {
    health.reload();
    detail.reload();
    setActions((n) => n + 1);
  };
  const h = health.data;
  const d = detail.data;
  const windows = (d?.maintenance_windows as Window[] | undefined) ?? [];
  return (
    <section aria-labelledby="page-title">
      <p class="crumbs">
        <Link href={href('/services')}>Services</Link> /
      </p>
      <h1 id="page-title">{h?.name ?? d?.name ?? id}</h1>
      {health.error && <ErrorNote error={health.error} what="the service" />}
      {health.loading && !h && <Loading />}
      {h && (
        <>
          <p class="status-line">
            <StatusBadge status={h.status} /> <span class="muted">lifecycle</span> <StatusBadge status={h.lifecycle} />
            {h.maintenance.active && <StatusBadge status="maintenance" />}
            {d?.description && <span class="muted"> · {String(d.description)}</span>}
          </p>
          <Actions health={h} detail={d} onChange={reload} />
          <div class="grid">
            <section class="panel" aria-labelledby="checks-title">
              <h2 id="checks-title">Checks</h2>
              <Table
                label="Checks"
                rows={h.checks}
                rowKey={(c) => c.name}
                empty="No check has run yet."
                columns={[
                  { label: 'Check', render: (c) => c.name },
                  { label: 'Status', render: (c) => <StatusBadge status={c.status} /> },
                  {
                    label: 'Latest result',
                    render: (c) => {
                      const r = c.last_result as
                        | { ok?: boolean; latency_ms?: number; status_code?: number; message?: string }
                        | undefined;
                      if (!r) return <span class="muted">none yet</span>;
                      return (
                        <span>
                          {r.ok ? 'passed' : 'failed'}
                          {r.status_code !== undefined && ` · ${r.status_code}`}
                          {r.latency_ms !== undefined && ` · ${duration(r.latency_ms)}`}
                          {r.message && ` · ${r.message}`}
                        </span>
                      );
                    },
                  },
                  { label: 'Checked', render: (c) => <Time at={c.last_checked_at} /> },
                  {
                    label: 'Streak',
                    class: 'hide-narrow',
                    render: (c) =>
                      c.consecutive_failures > 0
                        ? `${c.consecutive_failures} failed in a row`
                        : `${c.consecutive_successes} passed in a row`,
                  },
                ]}
              />
            </section>
            <section class="panel" aria-labelledby="uptime-title">
              <h2 id="uptime-title">Uptime and latency</h2>
              <Uptime id={id} />
            </section>
          </div>
          <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">Check history (last 24 h)</h2>
            <p class="muted small">
              Recorded results: a check is recorded when its status changes and as a heartbeat every few minutes.
            </p>
            <History id={id} name={h.name} />
          </section>
          <div class="grid">
            <section class="panel" aria-labelledby="restarts-title">
              <h2 id="restarts-title">Restarts</h2>
              <dl class="facts">
                <dt>Budget</dt>
                <dd data-budget>{budgetText(h.restarts)}</dd>
                <dt>Crashes in window</dt>
                <dd>
                  {h.restarts.crashes_in_window}
                  {h.restarts.crash_looping && (
                    <>
                      {' '}
                      <StatusBadge status="failed" label="crash looping" />
                    </>
                  )}
                </dd>
                <dt>Last restart</dt>
                <dd>
                  <Time at={h.restarts.last_restart_at} />
                </dd>
                <dt>Last crash</dt>
                <dd>
                  {h.restarts.last_crash ? (
                    <>
                      <Time at={h.restarts.last_crash.at} /> · {h.restarts.last_crash.stop_code ?? 'stopped'}
                      {h.restarts.last_crash.exit_code !== null && ` · exit ${h.restarts.last_crash.exit_code}`}
                      {h.restarts.last_crash.reason && ` · ${h.restarts.last_crash.reason}`}
                    </>
                  ) : (
                    '–'
                  )}
                </dd>
              </dl>
            </section>
            <section class="panel" aria-labelledby="maint-title">
              <h2 id="maint-title">Maintenance</h2>
              <p>
                {h.maintenance.active ? (
                  <>
                    <StatusBadge status="maintenance" label="in maintenance" />
                    {h.maintenance.window && (
                      <span>
                        {' '}
                        window {h.maintenance.window.name ?? ''} until <Time at={h.maintenance.window.ends_at} />
                      </span>
                    )}
                  </>
                ) : (
                  'Not in maintenance.'
                )}
              </p>
              <h3>Windows</h3>
              {windows.length === 0 ? (
                <p class="muted">No maintenance windows configured.</p>
              ) : (
                <ul>
                  {windows.map((w) => (
                    <li key={windowText(w)}>{windowText(w)}</li>
                  ))}
                </ul>
              )}
            </section>
            <section class="panel" aria-labelledby="about-title">
              <h2 id="about-title">Service</h2>
              <dl class="facts">
                <dt>Group</dt>
                <dd>{String(d?.group ?? 'root')}</dd>
                <dt>Depends on</dt>
                <dd>{((d?.depends_on as string[] | undefined) ?? []).join(', ') || '–'}</dd>
                <dt>Source</dt>
                <dd>{d?.source ?? '–'}</dd>
                <dt>Registered</dt>
                <dd>
                  <Time at={d?.created_at} />
                </dd>
              </dl>
              {d && (
                <details>
                  <summary>Full registration</summary>
                  <JsonView value={d} label="Service registration" />
                </details>
              )}
            </section>
          </div>
          <section class="panel" aria-labelledby="audit-title">
            <h2 id="audit-title">Audit trail</h2>
            <Audit id={id} version={actions} />
          </section>
        </>
      )}
    </section>
  );
}

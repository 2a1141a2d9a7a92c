/** Pieces the service list and the service page share. */
import type {
  RestartsView,
  ServiceHistoryPage,
  ServiceUptimeResponse,
  StatusCheckView,
} from '../../../../lib/core/api/schemas/responses/services.ts';
import { api, seg } from '../../api.ts';
import { CheckBar } from '../../components/CheckBar.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Time } from '../../components/Time.tsx';
import { duration, percent } from '../../format.ts';
import { usePoll } from '../../poll.ts';

/** Restarts left in the budget's window (never negative). */
export function budgetLeft(r: RestartsView): number {
  return Math.max(0, r.max_restarts - r.in_window);
}

/** "2 of 5 in 5 min · 3 left" (or why none are left). */
export function budgetText(r: RestartsView): string {
  const window = duration(r.window_seconds * 1000);
  const base = `${r.in_window} of ${r.max_restarts} in ${window}`;
  if (r.failed_reason) return `${base} · failed (${r.failed_reason.replace(/_/g, ' ')})`;
  if (r.budget_exhausted) return `${base} · budget spent`;
  return `${base} · ${budgetLeft(r)} left`;
}

/** One check's latest result in a line: "http ✓ healthy · 200 · 12 ms · 8 s ago". */
export function CheckLine({ check }: { check: StatusCheckView }) {
  return (
    <span class="check-line" data-check={check.name}>
      <span class="check-name">{check.name}</span> <StatusBadge status={check.status} />
      {check.status_code !== null && <span class="muted"> · {check.status_code}</span>}
      {check.latency_ms !== null && <span class="muted"> · {duration(check.latency_ms)}</span>}
      {check.message && check.ok === false && <span class="check-message"> · {check.message}</span>}
      {check.last_checked_at ? (
        <span class="muted">
          {' '}
          · <Time at={check.last_checked_at} />
        </span>
      ) : (
        <span class="muted"> · not probed yet</span>
      )}
    </span>
  );
}

/** The recorded-results bar of a service, polled on its own (slower than the status). */
export function HistoryBar({ id, name, count = 30 }: { id: string; name: string; count?: number }) {
  const history = usePoll(
    (signal) => api.get<ServiceHistoryPage>(`/services/${seg(id)}/history`, { limit: count }, signal),
    `${id}#${count}`,
    15_000,
  );
  if (history.error) return <span class="muted small">history unavailable ({history.error.message})</span>;
  if (!history.data) return <span class="muted small">…</span>;
  return <CheckBar results={history.data.results} label={`Check history of ${name}`} />;
}

/** Uptime over 24 h and 7 d ("99.8 % · 100 %"), polled every minute. */
export function useUptime(id: string) {
  return usePoll(
    (signal) => api.get<ServiceUptimeResponse>(`/services/${seg(id)}/uptime`, undefined, signal),
    id,
    60_000,
  );
}

export function UptimeCell({ id }: { id: string }) {
  const up = useUptime(id);
  if (up.error) return <span class="muted small">–</span>;
  if (!up.data) return <span class="muted small">…</span>;
  return (
    <span class="uptime">
      {up.data.windows.map((w) => (
        <span key={w.window} data-window={w.window}>
          <span class="muted">{w.window}</span> {w.uptime === null ? 'no data' : percent(w.uptime)}{' '}
        </span>
      ))}
    </span>
  );
}

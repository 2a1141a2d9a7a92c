/**
 * A check-history bar, like Uptime Kuma's: the last recorded results as segments, oldest on the left. Each segment
 * has a tooltip and the bar a text summary, and failing segments are hatched, so it reads without colour.
 */
import type { RecordedResultView } from '../../../lib/core/api/schemas/responses/services.ts';
import { absolute, duration } from '../format.ts';

const TONE: Record<string, string> = { healthy: 'ok', degraded: 'warn', unhealthy: 'bad', unknown: 'muted' };

export function CheckBar({ results, label }: { results: RecordedResultView[]; label: string }) {
  // The API answers newest first; the bar reads left to right in time.
  const ordered = [...results].reverse();
  const counts = new Map<string, number>();
  for (const r of ordered) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const summary =
    ordered.length === 0
      ? 'no recorded results yet'
      : `last ${ordered.length} recorded results: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`;
  return (
    <div class="bar-wrap">
      <div class="bar" role="img" aria-label={`${label}: ${summary}`} data-results={ordered.length}>
        {ordered.map((r) => (
          <span
            key={`${r.at}#${r.check}`}
            class={`seg ${TONE[r.status] ?? 'muted'}`}
            data-status={r.status}
            title={`${absolute(r.at)} · ${r.check}: ${r.status}${r.latency_ms !== null ? ` · ${duration(r.latency_ms)}` : ''}${r.message ? ` · ${r.message}` : ''}`}
          />
        ))}
      </div>
      <span class="bar-summary muted small">{summary}</span>
    </div>
  );
}

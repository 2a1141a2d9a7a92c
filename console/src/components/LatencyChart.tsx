/**
 * Latency over time as a small hand-written SVG line chart: recorded results with a latency, failures marked with
 * a cross. The figure has a title and a text summary, so the numbers are readable without the drawing.
 */
import type { RecordedResultView } from '../../../lib/core/api/schemas/responses/services.ts';
import { absolute, duration } from '../format.ts';

const W = 640;
const H = 160;
const PAD = { left: 48, right: 10, top: 10, bottom: 22 };

export function LatencyChart({ results, title }: { results: RecordedResultView[]; title: string }) {
  const points = results
    .filter((r): r is RecordedResultView & { latency_ms: number } => r.latency_ms !== null)
    .map((r) => ({ t: Date.parse(r.at), v: r.latency_ms, ok: r.ok, r }))
    .sort((a, b) => a.t - b.t);
  if (points.length === 0) return <p class="muted">No latency recorded in this period.</p>;
  const t0 = points[0]!.t;
  const t1 = Math.max(points[points.length - 1]!.t, t0 + 1);
  const max = Math.max(...points.map((p) => p.v), 1);
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  const sorted = points.map((p) => p.v).sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const summary = `${points.length} results from ${absolute(t0)} to ${absolute(t1)}: median ${duration(median)}, max ${duration(max)}`;
  return (
    <figure class="chart-figure">
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${summary}`}>
        <title>{title}</title>
        <line class="axis" x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end">
          {duration(max)}
        </text>
        <text x={PAD.left - 4} y={H - PAD.bottom} text-anchor="end">
          0
        </text>
        <text x={PAD.left} y={H - 6}>
          {absolute(t0).slice(11, 16)}
        </text>
        <text x={W - PAD.right} y={H - 6} text-anchor="end">
          {absolute(t1).slice(11, 16)} UTC
        </text>
        <polyline class="line" points={line} />
        {points
          .filter((p) => !p.ok)
          .map((p) => (
            <text key={p.t} class="fail-mark" x={x(p.t)} y={y(p.v) + 4} text-anchor="middle">
              ✕
            </text>
          ))}
      </svg>
      <figcaption class="muted small">{summary}</figcaption>
    </figure>
  );
}

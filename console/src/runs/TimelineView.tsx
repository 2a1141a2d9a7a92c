/**
 * The run's timeline as a Gantt chart: a row per step (its name is a button that selects the step), the step's
 * span as a bar with each attempt marked inside, and a time axis. Status is in each row's words and icon too.
 */
import { statusLook } from '../graph/status.ts';
import { formatDuration, type Timeline } from './timeline.ts';

const pct = (ms: number, length: number): string => `${Math.min(100, Math.max(0, (ms / length) * 100)).toFixed(3)}%`;

export function TimelineView({
  timeline,
  selected,
  onSelect,
}: {
  timeline: Timeline;
  selected?: string | undefined;
  onSelect: (step: string) => void;
}) {
  if (timeline.rows.length === 0) return <p class="muted">No step has started yet.</p>;
  const { length } = timeline;
  return (
    <div class="timeline">
      <div class="tl-row tl-axis" aria-hidden="true">
        <span class="tl-name">Step</span>
        <span class="tl-track">
          {timeline.ticks.map((t) => (
            <span key={t.at} class="tl-tick" style={{ left: pct(t.at, length) }}>
              {t.label}
            </span>
          ))}
        </span>
      </div>
      <ol class="tl-rows" aria-label="Steps from first started to last">
        {timeline.rows.map((row) => {
          const look = statusLook(row.status === 'running' && row.open ? 'running' : row.status);
          const took = formatDuration(row.to - row.from);
          const span = Math.max(1, row.to - row.from);
          return (
            <li key={row.step} class={`tl-row${row.step === selected ? ' selected' : ''}`} data-step={row.step}>
              <span class="tl-name">
                <button
                  type="button"
                  class="link"
                  onClick={() => onSelect(row.step)}
                  aria-pressed={row.step === selected}
                >
                  {row.step}
                </button>
              </span>
              <span class="tl-track">
                <span
                  class={`tl-bar tone-${look.tone}${row.open ? ' open' : ''}`}
                  style={{ left: pct(row.from, length), width: pct(Math.max(row.to - row.from, length / 400), length) }}
                  title={`${row.step}: ${look.text}, ${took}, ${row.attemptCount} attempt(s)`}
                >
                  {row.attempts.map((a) => (
                    <span
                      key={a.attempt}
                      class={`tl-attempt tone-${statusLook(a.status).tone}`}
                      style={{ left: pct(a.from - row.from, span), width: pct(Math.max(a.to - a.from, 0), span) }}
                    />
                  ))}
                </span>
                <span class="tl-text">
                  <span aria-hidden="true">{look.icon}</span> {look.text} · {took}
                  {row.attemptCount > 1 ? ` · ${row.attemptCount} attempts` : ''}
                </span>
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

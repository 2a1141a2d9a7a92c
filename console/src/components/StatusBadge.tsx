/**
 * A status as text with an icon and a tone: readable without colour (the word and the icon carry the meaning;
 * the colour only repeats it).
 */

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const TONES: Record<string, [Tone, string]> = {
  healthy: ['ok', '✓'],
  online: ['ok', '✓'],
  completed: ['ok', '✓'],
  succeeded: ['ok', '✓'],
  resolved: ['ok', '✓'],
  active: ['ok', '✓'],
  ok: ['ok', '✓'],
  degraded: ['warn', '▲'],
  paused: ['warn', '⏸'],
  warning: ['warn', '▲'],
  acknowledged: ['warn', '◆'],
  maintenance: ['warn', '⚒'],
  unhealthy: ['bad', '✕'],
  offline: ['bad', '✕'],
  failed: ['bad', '✕'],
  critical: ['bad', '‼'],
  open: ['bad', '●'],
  timed_out: ['bad', '⌛'],
  running: ['info', '▶'],
  created: ['info', '○'],
  queued: ['info', '…'],
  waiting: ['info', '…'],
  info: ['info', 'ℹ'],
  starting: ['info', '…'],
  cancelled: ['muted', '⊘'],
  retired: ['muted', '∅'],
  unknown: ['muted', '?'],
};

/** The tone of a status word (for bars and charts that colour by status). */
export function toneOf(status: string): Tone {
  return TONES[status.toLowerCase()]?.[0] ?? 'muted';
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const [tone, icon] = TONES[status.toLowerCase()] ?? ['muted', '•'];
  return (
    <span class={`badge badge-${tone}`} data-status={status}>
      <span aria-hidden="true">{icon}</span> {label ?? status.replace(/_/g, ' ')}
    </span>
  );
}

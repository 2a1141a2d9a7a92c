import { absolute, relative } from '../format.ts';

/** A point in time shown relative ("3 min ago"), with the absolute UTC time as its tooltip and machine value. */
export function Time({
  at,
  mode = 'relative',
}: {
  at: string | number | undefined | null;
  mode?: 'relative' | 'absolute';
}) {
  if (at === undefined || at === null || at === '') return <span class="muted">–</span>;
  const t = new Date(at);
  // A value that is no time is shown as it came, not thrown.
  if (Number.isNaN(t.getTime())) return <span>{String(at)}</span>;
  const iso = t.toISOString();
  return (
    <time dateTime={iso} title={absolute(at)}>
      {mode === 'relative' ? relative(at) : absolute(at)}
    </time>
  );
}

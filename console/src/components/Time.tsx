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
  const iso = new Date(at).toISOString();
  return (
    <time dateTime={iso} title={absolute(at)}>
      {mode === 'relative' ? relative(at) : absolute(at)}
    </time>
  );
}

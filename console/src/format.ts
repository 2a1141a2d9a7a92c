/** Formatting shared by every page: times, durations and ratios. */

const RELATIVE_STEPS: Array<[number, string]> = [
  [60, 's'],
  [60, 'min'],
  [24, 'h'],
  [365, 'd'],
];

/** "12 s ago", "3 min ago", "in 2 h" relative to `now` (ms). */
export function relative(at: string | number | Date, now = Date.now()): string {
  const t = new Date(at).getTime();
  if (Number.isNaN(t)) return String(at);
  let delta = Math.round((now - t) / 1000);
  const future = delta < 0;
  delta = Math.abs(delta);
  if (delta < 5) return 'just now';
  let value = delta;
  let unit = 's';
  for (const [size, name] of RELATIVE_STEPS) {
    unit = name;
    if (value < size) break;
    value = Math.floor(value / size);
    unit = name === 's' ? 'min' : name === 'min' ? 'h' : name === 'h' ? 'd' : 'y';
  }
  return future ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

/** "2026-11-25 18:33:02 UTC": absolute, unambiguous, sortable. */
export function absolute(at: string | number | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A duration in milliseconds as "850 ms", "4.2 s", "3 min 5 s", "5 min", "2 h 10 min", "1 h". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 9.95) return `${s.toFixed(1)} s`;
  // Whole seconds first, so 119.6 s is "2 min", never "1 min 60 s".
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  const m = Math.floor(total / 60);
  if (m < 60) return total % 60 ? `${m} min ${total % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

/** A ratio 0..1 as a percentage with sensible precision ("99.93 %", "100 %"). */
export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  if (p === 100 || p === 0) return `${p} %`;
  return `${p >= 99 ? p.toFixed(2) : p.toFixed(1)} %`;
}

/** A `datetime-local` value (the browser's local time) as the ISO 8601 instant the API expects. */
export function isoFromLocal(value: string | null): string | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

/**
 * Maintenance windows: one-off (`starts_at`..`ends_at`) or weekly (`days` + `start` HH:MM UTC + duration, which
 * may cross midnight or the week's end). During a window probes still run and are recorded, alerts are muted and
 * restarts are held.
 */
import type { MaintenanceWindow } from './manifest.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_MS = 86_400_000;

/** An active window with its bounds (epoch ms). */
export interface ActiveWindow {
  name?: string;
  start: number;
  end: number;
}

/** The window active at `now`, if any (the one ending last when several overlap). */
export function activeMaintenance(
  windows: readonly MaintenanceWindow[] | undefined,
  now: number,
): ActiveWindow | undefined {
  let best: ActiveWindow | undefined;
  for (const w of windows ?? []) {
    const hit = windowAt(w, now);
    if (hit && (!best || hit.end > best.end)) best = hit;
  }
  return best;
}

function windowAt(w: MaintenanceWindow, now: number): ActiveWindow | undefined {
  if ('starts_at' in w) {
    const start = Date.parse(w.starts_at);
    const end = Date.parse(w.ends_at);
    return now >= start && now < end ? { name: w.name, start, end } : undefined;
  }
  const [hh, mm] = w.start.split(':').map(Number) as [number, number];
  const duration = w.duration_minutes * 60_000;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  // A window that began up to 7 days ago may still be open (durations up to a week).
  for (let back = 0; back <= 7; back++) {
    const dayStart = today - back * DAY_MS;
    const day = DAYS[new Date(dayStart).getUTCDay()]!;
    if (!w.days.includes(day)) continue;
    const start = dayStart + (hh * 60 + mm) * 60_000;
    if (now >= start && now < start + duration) return { name: w.name, start, end: start + duration };
  }
  return undefined;
}

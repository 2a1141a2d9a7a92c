/** Pieces the service list and the service page share. */
import type { RestartsView } from '../../../../lib/core/api/schemas/responses/services.ts';
import { duration } from '../../format.ts';

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

import { type ExecutionRecord, markStepStarted } from '../shared/repositories/executions.ts';
import { notStartable } from './errors.ts';

/**
 * The pause check of DESIGN.md ("Pause with 0 extra transitions"): one conditional update on the execution item marks
 * the step started if the run is running. A paused run throws `Steward.Paused` (the state's Catch parks it); a
 * cancelled or finished one throws `Steward.Cancelled`. A run still `created` is let through by the same write: the
 * status handler records `running` asynchronously and may not have done so when the first step starts. Returns the
 * run's record.
 */
export async function guardStepStart(executionId: string, step: string, attempt = 1): Promise<ExecutionRecord> {
  const result = await markStepStarted(executionId, step);
  if (result.ok) return result.record;
  const status = result.current?.status;
  // Resumed (or recorded) between the refused write and the read: mark the step again.
  if ((status === 'running' || status === 'created') && attempt < 3) {
    return guardStepStart(executionId, step, attempt + 1);
  }
  throw notStartable(executionId, status);
}

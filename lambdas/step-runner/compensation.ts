import type {
  CompensateInput,
  LoadCompensationsInput,
  LoadCompensationsOutput,
  StepRunnerOutput,
} from '../../lib/core/runtime-contract.ts';
import { logger } from '../shared/powertools.ts';
import { getStep, listCompensable, markCompensated } from '../shared/repositories/steps.ts';
import { performCall } from './call.ts';
import { StepError } from './errors.ts';

/**
 * The saga of DESIGN.md ("Compensation is driven by history"): on failure the state machine loads the completed steps
 * of this run that carry a compensation, newest completion first, and runs them one by one.
 */
export async function loadCompensations(input: LoadCompensationsInput): Promise<LoadCompensationsOutput> {
  const steps = await listCompensable(input.execution_id);
  return {
    items: steps
      .filter((s) => s.compensation !== undefined)
      .map((s) => ({ step: s.step_key ?? s.step, request: s.compensation!, output: s.output ?? null })),
  };
}

/**
 * Undoes one completed step: calls its compensation (templates may read the step's own output as
 * `${steps.<name>.output…}` and its map item as `${item…}`), then marks it compensated. A step already compensated
 * (a repeated invocation) is not undone twice.
 */
export async function compensate(input: CompensateInput): Promise<StepRunnerOutput> {
  const record = await getStep(input.execution_id, input.step);
  if (!record) throw new StepError('Steward.StepNotFound', `Step '${input.step}' has no record in this run`);
  if (record.status === 'compensated') return { status: 'completed', output: { already_compensated: true } };
  const recorded = (record.input ?? {}) as { item?: unknown };
  const run = {
    ...input,
    steps: { ...input.steps, [record.step]: { status: record.status, output: record.output } },
    ...(recorded.item === undefined ? {} : { item: recorded.item }),
  };
  const outcome = await performCall(input.request, run, { breaker: false, purpose: 'compensate', stepKey: input.step });
  if (outcome.error) throw outcome.error;
  if (!(await markCompensated(input.execution_id, input.step, new Date()))) {
    logger.warn('Compensated step was no longer completed', { step: input.step });
  }
  return { status: 'completed', output: outcome.response?.body ?? null };
}

import type { JoinInput } from '../../lib/core/runtime-contract.ts';
import { putJoin } from '../shared/repositories/joins.ts';
import { stepKey } from '../shared/repositories/steps.ts';
import { tryRelease } from '../step-runner/joins.ts';
import type { WaitOutcome } from './wait.ts';

/**
 * A join (exact DAGs): registers the token first, then looks at the dependencies' step records and releases the
 * join at once if they have all ended. Otherwise the step runner releases it when the last dependency ends.
 */
export async function registerJoin(input: JoinInput, now = new Date()): Promise<WaitOutcome> {
  const join = await putJoin(
    {
      execution_id: input.execution_id,
      step: input.step,
      step_key: stepKey(input.step, input.item),
      dependencies: input.dependencies,
      dependency_keys: input.dependencies.map((d) => stepKey(d, input.item)),
      steps: input.steps ?? {},
      task_token: input.task_token,
      registered_at: now.toISOString(),
    },
    now,
  );
  const outcome = await tryRelease(join, now);
  return { status: outcome === 'released' ? 'released' : 'waiting' };
}

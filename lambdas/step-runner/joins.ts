import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CompleteInput, StepResult, StepRunnerOutput } from '../../lib/core/runtime-contract.ts';
import { loadSfnCallbacks } from '../shared/clients/lazy.ts';
import { logger, metrics } from '../shared/powertools.ts';
import {
  claimJoin,
  getJoin,
  type JoinRecord,
  markEnded,
  readEnded,
  unclaimJoin,
} from '../shared/repositories/joins.ts';
import { stepKey } from '../shared/repositories/steps.ts';

/**
 * Joins of exact DAGs (DESIGN.md "Exact DAG joins"), the completer's side and the release both sides share.
 * A join registers its token, then reads the dependencies' step records; a completer writes its step record, then
 * reads the joins waiting for it. Whichever sees the last dependency end claims the join (a conditional update, so a
 * double sighting sends once) and answers the token with the branch's steps plus the dependencies' results.
 */

/** The task behind the token is gone (the run failed, was stopped, or timed out): nothing to release. */
const CLOSED_TOKEN = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** What one release attempt did. */
export type ReleaseOutcome = 'released' | 'waiting' | 'not_waiting' | 'closed';

/** Releases a join if every dependency has ended and this caller wins the claim. */
export async function tryRelease(join: JoinRecord, now = new Date()): Promise<ReleaseOutcome> {
  if (join.status !== 'waiting') return 'not_waiting';
  const ended = await readEnded(join.execution_id, join.dependency_keys);
  if (!ended.every((e) => e.ended)) return 'waiting';
  if (!(await claimJoin(join, now))) return 'not_waiting';
  const steps: Record<string, StepResult> = { ...join.steps };
  ended.forEach((e, k) => {
    if (e.ended && e.result !== null) steps[join.dependencies[k]!] = e.result;
  });
  try {
    const { sfn, SendTaskSuccessCommand } = await loadSfnCallbacks();
    await sfn.send(new SendTaskSuccessCommand({ taskToken: join.task_token, output: JSON.stringify(steps) }));
  } catch (error) {
    if (CLOSED_TOKEN.has((error as Error).name)) {
      logger.info('Join released after its run ended', { step: join.step, error: (error as Error).name });
      return 'closed';
    }
    // Give the claim back so the other side (or a repeated invocation) can still release it.
    await unclaimJoin(join, now);
    throw error;
  }
  metrics.addMetric('JoinsReleased', MetricUnit.Count, 1);
  return 'released';
}

/**
 * After a step ended: looks for the joins of `dependents` (same map item) and releases those now complete. Never
 * throws: the step has ended and its result must reach Step Functions; a join left waiting is logged and counted.
 */
export async function releaseDependents(
  executionId: string,
  dependents: readonly string[],
  item: unknown,
): Promise<Record<string, ReleaseOutcome | 'not_registered' | 'error'>> {
  const outcomes: Record<string, ReleaseOutcome | 'not_registered' | 'error'> = {};
  await Promise.all(
    dependents.map(async (dependent) => {
      try {
        const join = await getJoin(executionId, stepKey(dependent, item));
        outcomes[dependent] = join ? await tryRelease(join) : 'not_registered';
      } catch (error) {
        metrics.addMetric('JoinReleaseErrors', MetricUnit.Count, 1);
        logger.error('Could not release a join', { dependent, error: (error as Error).message });
        outcomes[dependent] = 'error';
      }
    }),
  );
  return outcomes;
}

/** A `complete` task: records that a step the runner did not run has ended, then releases its dependents' joins. */
export async function completeStep(input: CompleteInput, now = new Date()): Promise<StepRunnerOutput> {
  await markEnded({
    executionId: input.execution_id,
    workflowId: input.workflow_id,
    step: input.step,
    stepKey: stepKey(input.step, input.item),
    result: input.result ?? null,
    now,
  });
  const released = await releaseDependents(input.execution_id, input.release, input.item);
  return { status: 'completed', output: { released } };
}

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ServiceCallInput } from '../../lib/core/runtime-contract.ts';
import { publish, stewardEvent } from '../shared/events.ts';
import { logger, metrics } from '../shared/powertools.ts';

type StepEventType = 'workflow.step_started' | 'workflow.step_completed' | 'workflow.step_failed';

/**
 * Publishes a step event. Best effort: by the time it is sent the service has been called, and failing the step over
 * a lost notification would make Step Functions call the service again. A failure is logged and counted instead.
 */
export async function publishStepEvent(
  type: StepEventType,
  ref: { input: ServiceCallInput; attempt: number; stepKey: string },
  extra: Record<string, unknown>,
): Promise<void> {
  const { input } = ref;
  try {
    await publish([
      stewardEvent(
        type,
        {
          execution_id: input.execution_id,
          workflow_id: input.workflow_id,
          step: input.step,
          ...(ref.stepKey !== input.step ? { step_key: ref.stepKey } : {}),
          service: input.request.service,
          attempt: ref.attempt,
          ...extra,
        },
        input.correlation_id,
      ),
    ]);
  } catch (error) {
    metrics.addMetric('EventsPublishFailed', MetricUnit.Count, 1);
    logger.warn('Could not publish step event', { type, step: input.step, error: (error as Error).message });
  }
}

import type { LoadCompensationsOutput, StepRunnerInput, StepRunnerOutput } from '../../lib/core/runtime-contract.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import { compensate, loadCompensations } from './compensation.ts';
import { StepError } from './errors.ts';
import { completeStep } from './joins.ts';
import { runNotify } from './notify.ts';
import { runServiceCall } from './service-call.ts';

type Output = StepRunnerOutput | LoadCompensationsOutput;

/** Dispatches a step-runner payload (lib/core/runtime-contract.ts) by kind. */
export async function runStep(input: StepRunnerInput): Promise<Output> {
  switch (input.kind) {
    case 'service_call':
      return runServiceCall(input);
    case 'notify':
      return runNotify(input);
    case 'load_compensations':
      return loadCompensations(input);
    case 'compensate':
      return compensate(input);
    case 'sub_workflow':
      // Starting a child run takes the start path (Step Functions client, quotas, input checks): loaded by the first
      // sub-workflow step, not at every cold start of the step that calls a service.
      return (await import('./sub-workflow.ts')).runSubWorkflow(input);
    case 'complete':
      return completeStep(input);
    default:
      throw new StepError('Steward.InvalidInput', `Unknown step-runner kind '${(input as { kind?: unknown }).kind}'`);
  }
}

/**
 * The step runner: invoked by compiled state machines through `lambda:invoke` (the payload is the event, the return
 * value becomes `Payload`). Errors keep their Steward name so Retry/Catch match them.
 */
export const handler = lambdaHandler<StepRunnerInput, Output>(async (input) => {
  logger.appendKeys({ execution_id: input.execution_id, kind: input.kind });
  return runStep(input);
});

import { STEWARD_ERRORS } from '../../lib/core/runtime-contract.ts';

/**
 * Errors the runtime throws toward Step Functions. Lambda reports `errorType` = `error.name`, so the name must be the
 * Steward error name the compiled Retry/Catch match.
 */
export class StepError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A request that cannot be built (a template with no value, an endpoint that is not a path). Not in the retryable
 * set: retrying cannot fill the hole, so the step fails (or goes to its Catch) at once.
 */
export const INVALID_REQUEST = 'Steward.InvalidRequest';

/** A step ran for an execution Steward has no record of (started outside the start handler). */
export const EXECUTION_NOT_FOUND = 'Steward.ExecutionNotFound';

/** The error to throw when a step may not start because the run is in `status`. */
export function notStartable(executionId: string, status: string | undefined): StepError {
  if (status === undefined) return new StepError(EXECUTION_NOT_FOUND, `Execution '${executionId}' has no record`);
  if (status === 'paused') return new StepError(STEWARD_ERRORS.paused, `Execution '${executionId}' is paused`);
  return new StepError(STEWARD_ERRORS.cancelled, `Execution '${executionId}' is ${status}: no further steps start`);
}

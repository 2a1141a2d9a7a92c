/**
 * Errors a handler may raise on purpose. Only these reach API callers (as 4xx with their message); anything else is
 * logged and answered with a generic 500 carrying the request id.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** Machine-readable code, e.g. `validation_failed`, `not_found`, `conflict`. */
    readonly code: string,
    /** Extra detail for the body: field problems, the current state … */
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
    /** Response headers the answer carries (e.g. `allow` on a 405). */
    readonly headers?: Record<string, string>,
  ) {
    super(message, options);
  }
}

/** One problem with a request: the field (JSON path within body/query/path) and what is wrong. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  constructor(
    readonly problems: FieldProblem[],
    message = problems.map((p) => `${p.field}: ${p.message}`).join('; '),
  ) {
    super(400, message, 'validation_failed', { problems });
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(what: string, id: string) {
    super(404, `${what} '${id}' was not found`, 'not_found');
  }
}

export class ConflictError extends HttpError {
  override readonly name = 'ConflictError';
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, message, 'conflict', details);
  }
}

export class UnprocessableError extends HttpError {
  override readonly name = 'UnprocessableError';
  constructor(message: string, details?: Record<string, unknown>) {
    super(422, message, 'unprocessable', details);
  }
}

export class TooManyRequestsError extends HttpError {
  override readonly name = 'TooManyRequestsError';
  constructor(message: string, details?: Record<string, unknown>) {
    super(429, message, 'too_many_requests', details);
  }
}

/**
 * Step Functions refused to start a run whose record was already written: the record is kept, marked `failed` with
 * the refusal, and the caller is told its id (502: the request was fine, the service behind the API was not).
 */
export class StartFailedError extends HttpError {
  override readonly name = 'StartFailedError';
  constructor(executionId: string, errorDetails: { error?: string; cause?: string }, options?: ErrorOptions) {
    super(
      502,
      `Step Functions did not start execution ${executionId}: ${errorDetails.error ?? 'Error'}: ${errorDetails.cause ?? ''}`,
      'start_failed',
      { execution_id: executionId, status: 'failed', error_details: errorDetails },
      options,
    );
  }
}

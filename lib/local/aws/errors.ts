/**
 * An error a local AWS endpoint answers with. `code` is the AWS error code (`ExecutionDoesNotExist`,
 * `ResourceNotFoundException` …): the server writes it in the protocol's own error shape so the AWS SDK raises the
 * exception class of that name.
 */
export class AwsError extends Error {
  override readonly name = 'AwsError';
  /**
   * @param code AWS error code, e.g. `TaskDoesNotExist`.
   * @param message Human-readable message.
   * @param status HTTP status (400 for client faults, the default).
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Throws a `ValidationException`-style error when `value` is not a non-empty string. */
export function requireString(input: Record<string, unknown>, field: string, code = 'ValidationException'): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsError(code, `${field} is required and must be a non-empty string`);
  }
  return value;
}

/** Reads an optional string field, rejecting a present non-string. */
export function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('ValidationException', `${field} must be a string`);
  return value;
}

/** Default account id of local mode's ARNs. */
export const LOCAL_ACCOUNT = '000000000000';
/** Default region of local mode's ARNs. */
export const LOCAL_REGION = 'us-east-1';

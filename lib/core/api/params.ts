/**
 * Path parameters of the REST API and their limits, in one place: the handler base checks every path id against
 * them before any operation runs (so no id can exceed a DynamoDB key limit and turn into a 500), the OpenAPI
 * document publishes them as `maxLength`, and the fuzz suite generates ids up to and past them.
 *
 * DynamoDB refuses a partition key over 2,048 bytes and a sort key over 1,024 bytes (UTF-8). Each limit below keeps
 * the longest key an id goes into inside those bounds even when every character takes 4 bytes:
 * `STEP#<step>#ATTEMPT#0001` (sort key) for step names, `SVC#<id>` / `EXEC#<id>` / `ALERT#…` for the others.
 */
export interface PathParamSpec {
  /** Most characters accepted (the id is also required to be non-empty). */
  readonly maxLength: number;
  readonly description: string;
}

/** Every `{param}` the route table uses. A unit test checks that no route uses one missing here. */
export const PATH_PARAMS: Readonly<Record<string, PathParamSpec>> = {
  workflow_id: { maxLength: 256, description: 'Workflow id (a UUID)' },
  execution_id: { maxLength: 256, description: 'Execution id (a UUID)' },
  step_id: { maxLength: 128, description: 'Step name (under an execution) or step execution id' },
  service_id: { maxLength: 256, description: 'Service id' },
  alert_id: { maxLength: 256, description: 'Alert id' },
  event_id: { maxLength: 128, description: 'Event id' },
  correlation_id: { maxLength: 128, description: 'Correlation id' },
};

/** One problem with a path parameter. */
export interface PathParamProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * Checks decoded path parameters against {@link PATH_PARAMS}: empty, too long, or containing control characters
 * (never part of an id, and a NUL would be refused by some stores) is a problem naming `path.<name>`.
 */
export function checkPathParams(params: Readonly<Record<string, string>>): PathParamProblem[] {
  const problems: PathParamProblem[] = [];
  for (const [name, value] of Object.entries(params)) {
    const spec = PATH_PARAMS[name];
    const max = spec?.maxLength ?? 128;
    if (value.length === 0 || value.length > max) {
      problems.push({ field: `path.${name}`, message: `must be 1 to ${max} characters` });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
    } else if (/[\u0000-\u001f\u007f]/.test(value)) {
      problems.push({ field: `path.${name}`, message: 'must not contain control characters' });
    } else if (!isWellFormed(value)) {
      problems.push({ field: `path.${name}`, message: 'must be valid Unicode text' });
    }
  }
  return problems;
}

/**
 * True when `s` has no lone surrogate, so it can be encoded as UTF-8: DynamoDB, Step Functions and EventBridge take
 * text as UTF-8, and a service call's body would carry U+FFFD in its place.
 */
export function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

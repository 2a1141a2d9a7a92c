/**
 * Typed errors of the workflow compiler. Each carries the JSON path of the offending node
 * (`definition.steps[2].depends_on[0]`) so callers can point users at the exact place.
 */

/** One problem found in a workflow document: where it is and what to do about it. */
export type Problem = { path: string; message: string };

/** Base class of every error the workflow module throws. */
export class WorkflowError extends Error {
  /** JSON path of the node the error is about ('' for the whole document). */
  readonly path: string;

  constructor(message: string, path = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkflowError';
    this.path = path;
  }
}

/** A document failed validation; `problems` lists every problem found, not only the first. */
export class WorkflowValidationError extends WorkflowError {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const first = problems[0];
    super(
      `workflow is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})` +
        (first ? `: ${first.path}: ${first.message}` : ''),
      first?.path ?? '',
    );
    this.name = 'WorkflowValidationError';
    this.problems = problems;
  }
}

/** The compiler met a construct it cannot express (a bug or a limit of Step Functions). */
export class WorkflowCompileError extends WorkflowError {
  constructor(message: string, path = '', options?: { cause?: unknown }) {
    super(message, path, options);
    this.name = 'WorkflowCompileError';
  }
}

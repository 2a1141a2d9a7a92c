/** A function local mode runs: what the synthesized template says about one Lambda function. */
export interface LocalFunction {
  /** Function name (the `FunctionName` callers use). */
  name: string;
  /** Function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
  arn: string;
  /** Handler module exporting `handler`: absolute, or relative to the runner's `rootDir`. */
  entry: string;
  /** The function's environment, exactly as the template sets it. */
  env: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * Niceness of the function's worker threads (Linux `nice`, 0–19): a higher value yields the CPU to threads that
   * answer a waiting caller. @default 0
   */
  nice?: number;
}

/** Result of one invocation, in Lambda's terms: a payload, or an unhandled function error. */
export type InvokeResult =
  | { ok: true; payload: unknown }
  | { ok: false; errorType: string; errorMessage: string; trace?: string[] | undefined };

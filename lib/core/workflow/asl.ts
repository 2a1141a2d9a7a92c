/**
 * Amazon States Language (JSONPath flavour) as the compiler emits it: one type per state kind, discriminated by
 * `Type`. Only the fields Steward uses are typed.
 */

/** A `Retry` entry. */
export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/** A `Catch` entry. */
export interface AslCatcher {
  ErrorEquals: string[];
  ResultPath?: string | null;
  Next: string;
}

/** `Next` or `End`, as every non-terminal, non-Choice state has. */
export type AslTransition = { Next: string; End?: never } | { End: true; Next?: never };

interface AslCommon {
  Comment?: string;
}

/** Payload template (keys ending in `.$` are paths or intrinsic functions). */
export type AslPayload = { [key: string]: unknown };

/** A `Task` state. */
export type AslTaskState = AslCommon &
  AslTransition & {
    Type: 'Task';
    Resource: string;
    Parameters?: AslPayload;
    ResultSelector?: AslPayload;
    ResultPath?: string | null;
    TimeoutSeconds?: number;
    HeartbeatSeconds?: number;
    Retry?: AslRetrier[];
    Catch?: AslCatcher[];
  };

/** A `Pass` state. */
export type AslPassState = AslCommon &
  AslTransition & {
    Type: 'Pass';
    Parameters?: AslPayload;
    Result?: unknown;
    ResultPath?: string | null;
  };

/** A Choice rule (comparison or boolean combination). */
export type AslChoiceRule = { [key: string]: unknown } & (
  | { Variable: string }
  | { And: AslChoiceRule[] }
  | { Or: AslChoiceRule[] }
  | { Not: AslChoiceRule }
);

/** A `Choice` state. */
export interface AslChoiceState extends AslCommon {
  Type: 'Choice';
  Choices: Array<AslChoiceRule & { Next: string }>;
  Default?: string;
}

/** A `Wait` state. */
export type AslWaitState = AslCommon &
  AslTransition & { Type: 'Wait'; Seconds?: number; TimestampPath?: string; SecondsPath?: string };

/** A nested state machine (a Parallel branch, a Map item processor). */
export interface AslBranch {
  StartAt: string;
  States: Record<string, AslState>;
  ProcessorConfig?: { Mode: 'INLINE' };
}

/** A `Parallel` state. */
export type AslParallelState = AslCommon &
  AslTransition & {
    Type: 'Parallel';
    Branches: AslBranch[];
    ResultSelector?: AslPayload;
    ResultPath?: string | null;
    Retry?: AslRetrier[];
    Catch?: AslCatcher[];
  };

/** A `Map` state (inline). */
export type AslMapState = AslCommon &
  AslTransition & {
    Type: 'Map';
    ItemsPath?: string;
    ItemSelector?: AslPayload;
    ItemProcessor: AslBranch;
    MaxConcurrency?: number;
    ResultSelector?: AslPayload;
    ResultPath?: string | null;
    Retry?: AslRetrier[];
    Catch?: AslCatcher[];
  };

/** A `Succeed` state. */
export interface AslSucceedState extends AslCommon {
  Type: 'Succeed';
}

/** A `Fail` state. */
export interface AslFailState extends AslCommon {
  Type: 'Fail';
  Error?: string;
  Cause?: string;
  ErrorPath?: string;
  CausePath?: string;
}

/** Any state. */
export type AslState =
  | AslTaskState
  | AslPassState
  | AslChoiceState
  | AslWaitState
  | AslParallelState
  | AslMapState
  | AslSucceedState
  | AslFailState;

/** A whole state machine definition. `${StepRunnerArn}` / `${WaiterArn}` are definition substitutions. */
export interface AslStateMachine {
  Comment?: string;
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

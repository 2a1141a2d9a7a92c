import { randomBytes } from 'node:crypto';
import { AwsError } from '../aws/errors.ts';

/** An error a Task state fails with: `name` is matched by Retry/Catch, `message` becomes the Cause. */
export class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Waiting {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: TaskError) => void;
  heartbeatMs: number | undefined;
  heartbeatTimer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
}

/**
 * Task tokens of `.waitForTaskToken` tasks: one per task attempt, answered by SendTaskSuccess/Failure, kept alive by
 * SendTaskHeartbeat. A token that timed out or was answered is remembered, so a late answer gets `TaskTimedOut`
 * (as on AWS) rather than `TaskDoesNotExist`.
 */
export class TaskTokens {
  private readonly waiting = new Map<string, Waiting>();
  private readonly finished = new Set<string>();

  /**
   * @param isClosed whether an execution is closed (stopped, failed, …): its tokens get `TaskTimedOut`, as on AWS,
   * also one still waiting because the task handed it out as the run was stopped, and one of a run closed before local
   * mode restarted.
   */
  constructor(private readonly isClosed: (executionArn: string) => boolean = () => false) {}

  /** Creates a token for a task of `executionArn`. */
  create(executionArn: string): string {
    return `${randomBytes(24).toString('base64url')}.${Buffer.from(executionArn).toString('base64url')}`;
  }

  /**
   * Waits for the token's answer. Rejects with `States.Timeout` after `timeoutMs`, with `States.HeartbeatTimeout`
   * when no heartbeat arrives within `heartbeatMs`.
   */
  wait(token: string, executionArn: string, timeoutMs?: number, heartbeatMs?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        executionArn,
        resolve,
        reject,
        heartbeatMs,
        heartbeatTimer: undefined,
        timeoutTimer: undefined,
      };
      this.waiting.set(token, entry);
      if (timeoutMs !== undefined) {
        entry.timeoutTimer = setTimeout(
          () => this.fail(token, new TaskError('States.Timeout', 'Task timed out')),
          timeoutMs,
        );
      }
      this.armHeartbeat(token, entry);
    });
  }

  /** SendTaskSuccess. */
  succeed(token: string, output: unknown): void {
    const entry = this.take(token);
    entry.resolve(output);
  }

  /** SendTaskFailure. */
  failByClient(token: string, error: string, cause: string): void {
    this.take(token).reject(new TaskError(error, cause));
  }

  /** SendTaskHeartbeat. */
  heartbeat(token: string): void {
    const entry = this.get(token);
    this.armHeartbeat(token, entry);
  }

  /** Drops every token of an execution (stopped or finished); late answers get `TaskTimedOut`. */
  cancelExecution(executionArn: string): void {
    for (const [token, entry] of this.waiting) {
      if (entry.executionArn === executionArn) {
        this.clear(entry);
        this.waiting.delete(token);
        this.finished.add(token);
      }
    }
  }

  /** Tokens currently waiting for an answer, by execution. */
  pendingFor(executionArn: string): string[] {
    return [...this.waiting].filter(([, e]) => e.executionArn === executionArn).map(([t]) => t);
  }

  private fail(token: string, error: TaskError): void {
    const entry = this.waiting.get(token);
    if (!entry) return;
    this.clear(entry);
    this.waiting.delete(token);
    this.finished.add(token);
    entry.reject(error);
  }

  private armHeartbeat(token: string, entry: Waiting): void {
    if (entry.heartbeatMs === undefined) return;
    clearTimeout(entry.heartbeatTimer);
    entry.heartbeatTimer = setTimeout(
      () => this.fail(token, new TaskError('States.HeartbeatTimeout', 'No heartbeat within HeartbeatSeconds')),
      entry.heartbeatMs,
    );
  }

  private get(token: string): Waiting {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) {
      throw new AwsError('InvalidToken', 'taskToken is malformed');
    }
    const entry = this.waiting.get(token);
    if (this.isClosed(executionOf(token))) {
      if (entry) {
        this.clear(entry);
        this.waiting.delete(token);
        this.finished.add(token);
      }
      throw new AwsError('TaskTimedOut', 'Task Timed Out: the execution is closed');
    }
    if (entry) return entry;
    if (this.finished.has(token)) throw new AwsError('TaskTimedOut', 'Task Timed Out: the token is no longer active');
    throw new AwsError('TaskDoesNotExist', 'Task does not exist anymore');
  }

  private take(token: string): Waiting {
    const entry = this.get(token);
    this.clear(entry);
    this.waiting.delete(token);
    this.finished.add(token);
    return entry;
  }

  private clear(entry: Waiting): void {
    clearTimeout(entry.heartbeatTimer);
    clearTimeout(entry.timeoutTimer);
  }
}

/** The execution ARN a token of {@link TaskTokens.create} was made for ('' for a token not made here). */
function executionOf(token: string): string {
  const dot = token.lastIndexOf('.');
  return dot < 0 ? '' : Buffer.from(token.slice(dot + 1), 'base64url').toString('utf8');
}

import { randomBytes } from 'node:crypto';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, optionalString, requireString } from './aws/errors.ts';
import type { InvokeResult } from './lambda/types.ts';
import { type LocalScheduler, parseSchedule, type ScheduleHandle, withContextAttributes } from './scheduler.ts';

/** A schedule's target, in EventBridge Scheduler's API shape. */
export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}

/** A schedule as GetSchedule describes it. */
export interface StoredSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  Target: ScheduleTarget;
  CreationDate: Date;
  LastModificationDate: Date;
}

/** Options of {@link SchedulerService}. */
export interface SchedulerServiceOptions {
  scheduler: LocalScheduler;
  /** Invokes a Lambda target (asynchronously, as EventBridge Scheduler does). */
  invokeLambda(arn: string, payload: unknown): Promise<InvokeResult>;
  /** Adjusts a target's parsed input before it is sent (local mode's clock-speed overrides). @default unchanged */
  adjustInput?(input: unknown): unknown;
  /** A target that could not be reached. */
  onFailure?(schedule: string, error: string): void;
  region?: string;
  account?: string;
}

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

/**
 * A local EventBridge Scheduler: schedules and groups created from the templates or through the API
 * (CreateSchedule, UpdateSchedule, DeleteSchedule, GetSchedule, ListSchedules, CreateScheduleGroup), fired on the
 * local clock with the context attributes substituted in their input, delivered to Lambda targets.
 */
export class SchedulerService {
  private readonly schedules = new Map<string, { schedule: StoredSchedule; handle?: ScheduleHandle }>();
  private readonly groups = new Set(['default']);
  private readonly region: string;
  private readonly account: string;

  constructor(private readonly options: SchedulerServiceOptions) {
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
  }

  /** Creates a schedule group (idempotent: the assembly's entry point). */
  createGroup(name: string): string {
    this.groups.add(name);
    return `arn:aws:scheduler:${this.region}:${this.account}:schedule-group/${name}`;
  }

  /** Creates (`replace` false) or replaces a schedule; throws AWS's errors for what AWS refuses. */
  put(input: Record<string, unknown>, replace: boolean): StoredSchedule {
    const name = requireString(input, 'Name');
    if (!NAME.test(name)) throw new AwsError('ValidationException', `Name '${name}' must match ${NAME.source}`);
    const group = optionalString(input, 'GroupName') ?? 'default';
    if (!this.groups.has(group))
      throw new AwsError('ResourceNotFoundException', `Schedule group ${group} does not exist.`, 404);
    const key = `${group}/${name}`;
    const existing = this.schedules.get(key);
    if (existing && !replace)
      throw new AwsError('ConflictException', `Schedule ${name} already exists in group ${group}.`, 409);
    if (!existing && replace)
      throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist in group ${group}.`, 404);
    const expression = requireString(input, 'ScheduleExpression');
    try {
      parseSchedule(expression);
    } catch (error) {
      throw new AwsError(
        'ValidationException',
        `Invalid Schedule Expression ${expression}: ${(error as Error).message}`,
      );
    }
    const window = input.FlexibleTimeWindow as StoredSchedule['FlexibleTimeWindow'] | undefined;
    if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE'))
      throw new AwsError('ValidationException', "FlexibleTimeWindow.Mode is required: 'OFF' or 'FLEXIBLE'");
    const target = input.Target as ScheduleTarget | undefined;
    if (!target || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string')
      throw new AwsError('ValidationException', 'Target.Arn and Target.RoleArn are required');
    if (target.Input !== undefined && typeof target.Input !== 'string')
      throw new AwsError('ValidationException', 'Target.Input must be a string');
    const state = input.State === undefined ? 'ENABLED' : input.State;
    if (state !== 'ENABLED' && state !== 'DISABLED')
      throw new AwsError('ValidationException', "State must be 'ENABLED' or 'DISABLED'");
    const now = new Date();
    const schedule: StoredSchedule = {
      Name: name,
      GroupName: group,
      Arn: `arn:aws:scheduler:${this.region}:${this.account}:schedule/${group}/${name}`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: optionalString(input, 'ScheduleExpressionTimezone'),
      Description: optionalString(input, 'Description'),
      State: state,
      FlexibleTimeWindow: window,
      Target: target,
      CreationDate: existing?.schedule.CreationDate ?? now,
      LastModificationDate: now,
    };
    existing?.handle?.stop();
    const entry: { schedule: StoredSchedule; handle?: ScheduleHandle } = { schedule };
    if (state === 'ENABLED') {
      entry.handle = this.options.scheduler.add(
        key,
        expression,
        undefined,
        (_input, time) => this.fire(schedule, time),
        schedule.ScheduleExpressionTimezone ?? 'UTC',
      );
    }
    this.schedules.set(key, entry);
    return schedule;
  }

  /** Deletes a schedule; its next occurrences do not fire. */
  delete(name: string, group = 'default'): void {
    const key = `${group}/${name}`;
    const entry = this.schedules.get(key);
    if (!entry)
      throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist in group ${group}.`, 404);
    entry.handle?.stop();
    this.schedules.delete(key);
  }

  /** Every schedule, for ListSchedules and the status page. */
  list(): StoredSchedule[] {
    return [...this.schedules.values()].map((e) => e.schedule);
  }

  /** Stops every schedule. */
  close(): void {
    for (const entry of this.schedules.values()) entry.handle?.stop();
  }

  private fire(schedule: StoredSchedule, time: Date): void {
    const target = schedule.Target;
    const fail = (error: string): void => this.options.onFailure?.(schedule.Name, error);
    let payload: unknown = {};
    try {
      const text = withContextAttributes(target.Input ?? '{}', {
        scheduleArn: schedule.Arn,
        scheduledTime: time,
        executionId: randomBytes(8).toString('hex'),
        attemptNumber: 1,
      });
      payload = JSON.parse(text);
    } catch (error) {
      // EventBridge Scheduler passes a non-JSON input through as a string.
      payload = target.Input;
      if (!(error instanceof SyntaxError)) {
        fail((error as Error).message);
        return;
      }
    }
    if (!target.Arn.startsWith('arn:aws:lambda:')) {
      fail(`target ${target.Arn} is not supported locally`);
      return;
    }
    const adjusted = this.options.adjustInput ? this.options.adjustInput(payload) : payload;
    void this.options.invokeLambda(target.Arn, adjusted).then(
      (result) => {
        if (!result.ok) fail(`${result.errorType}: ${result.errorMessage}`);
      },
      (error: unknown) => fail((error as Error).message),
    );
  }

  /** The JSON operations for the endpoint (the server maps Scheduler's REST paths onto them). */
  operations(): Record<string, (input: Record<string, unknown>) => unknown> {
    const get = (i: Record<string, unknown>): StoredSchedule => {
      const name = requireString(i, 'Name');
      const group = optionalString(i, 'GroupName') ?? 'default';
      const entry = this.schedules.get(`${group}/${name}`);
      if (!entry)
        throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist in group ${group}.`, 404);
      return entry.schedule;
    };
    return {
      CreateSchedule: (i) => ({ ScheduleArn: this.put(i, false).Arn }),
      UpdateSchedule: (i) => ({ ScheduleArn: this.put(i, true).Arn }),
      DeleteSchedule: (i) => {
        this.delete(requireString(i, 'Name'), optionalString(i, 'GroupName') ?? 'default');
        return {};
      },
      GetSchedule: (i) => {
        const s = get(i);
        return {
          ...s,
          CreationDate: s.CreationDate.getTime() / 1000,
          LastModificationDate: s.LastModificationDate.getTime() / 1000,
        };
      },
      ListSchedules: (i) => ({
        Schedules: this.list()
          .filter((s) => typeof i.NamePrefix !== 'string' || s.Name.startsWith(i.NamePrefix))
          .filter((s) => typeof i.GroupName !== 'string' || s.GroupName === i.GroupName)
          .map((s) => ({
            Name: s.Name,
            GroupName: s.GroupName,
            Arn: s.Arn,
            State: s.State,
            Target: { Arn: s.Target.Arn },
          })),
      }),
      CreateScheduleGroup: (i) => ({ ScheduleGroupArn: this.createGroup(requireString(i, 'Name')) }),
    };
  }
}

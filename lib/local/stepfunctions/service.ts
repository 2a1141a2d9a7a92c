import { StateMachine } from 'aws-local-stepfunctions';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, optionalString, requireString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';
import type { InvokeResult } from '../lambda/types.ts';
import { checkName, parseExecutionArn, parseStateMachineArn } from './arns.ts';
import { shareAslSchema } from './asl-schema.ts';
import { type AslDefinition, parseDefinition } from './definition.ts';
import { type ExecutionRecord, finish, type RunStart, runExecution } from './execution.ts';
import { executionLogRecord, type MachineLogging, parseLogging } from './express-logs.ts';
import { type HistoryEvent, HistoryRecorder } from './history.ts';
import { LOCAL_MODE_STOPPED, planRecovery, type RecoveryPlan, restoreRecord } from './recovery.ts';
import { type Machine, MachineRegistry } from './registry.ts';
import { ExecutionStore } from './store.ts';
import { TaskError, TaskTokens } from './tokens.ts';
import { versionOperations } from './versions.ts';

/** An EventBridge entry (PutEvents shape) of a "Step Functions Execution Status Change" event. */
export interface StatusChangeEntry {
  Source: 'aws.states';
  DetailType: 'Step Functions Execution Status Change';
  Detail: string;
  Resources: string[];
  Time: Date;
}

/** Options of {@link StepFunctionsService}. */
export interface StepFunctionsOptions {
  /** Invokes Lambda functions for `lambda:invoke` tasks (a {@link LambdaRunner} fits). */
  lambda: { invoke(nameOrArn: string, payload: unknown): Promise<InvokeResult> };
  /** Receives every execution status change of a Standard execution (the assembly puts it on the default bus). */
  onStatusChange?: (entry: StatusChangeEntry) => void;
  /**
   * Receives the execution log records of Express executions (their only status reports, as on AWS), with the log
   * group their state machine's `loggingConfiguration` names.
   */
  onExecutionLog?: (logGroupArn: string, record: Record<string, unknown>) => void;
  /** Wait (`Seconds`) and Retry intervals run this many times faster. @default 1 */
  speed?: number;
  /** Extra Task integrations by Resource ARN, e.g. `arn:aws:states:::events:putEvents`. */
  integrations?: Record<string, (parameters: unknown) => Promise<unknown>>;
  region?: string;
  account?: string;
  /**
   * Keep state machines, versions, aliases and executions (with their history and task tokens) in this directory,
   * and read them back on start; runs that were running continue with {@link StepFunctionsService.recover}.
   * @default in memory
   */
  dataDir?: string;
}

/** Operations that change the registry: the data folder's `machines.json` is rewritten after each. */
const REGISTRY_CHANGES = new Set([
  'CreateStateMachine',
  'UpdateStateMachine',
  'DeleteStateMachine',
  'PublishStateMachineVersion',
  'DeleteStateMachineVersion',
  'CreateStateMachineAlias',
  'UpdateStateMachineAlias',
  'DeleteStateMachineAlias',
]);

const secs = (d: Date | undefined): number | undefined => (d ? d.getTime() / 1000 : undefined);

/** The fields DescribeExecution and ListExecutions share, in the AWS shape. */
const executionSummary = (r: ExecutionRecord): Record<string, unknown> => ({
  executionArn: r.executionArn,
  stateMachineArn: r.stateMachineArn,
  stateMachineVersionArn: r.stateMachineVersionArn,
  stateMachineAliasArn: r.stateMachineAliasArn,
  name: r.name,
  status: r.status,
  startDate: secs(r.startDate),
  stopDate: secs(r.stopDate),
  redriveCount: r.redriveCount,
});

/**
 * A Step Functions service on aws-local-stepfunctions: state machines with versions and aliases, executions with
 * history, task tokens, stop and redrive, status-change events. `operations()` is what the endpoint serves.
 */
export class StepFunctionsService {
  readonly registry = new MachineRegistry();
  readonly tokens = new TaskTokens((arn) => {
    const status = this.executions.get(arn)?.status;
    return status !== undefined && status !== 'RUNNING';
  });
  private readonly executions = new Map<string, ExecutionRecord>();
  /** `loggingConfiguration` by state machine name. */
  private readonly logging = new Map<string, MachineLogging>();
  /** Log events written per Express execution (their ids). */
  private readonly logEvents = new Map<string, number>();
  private readonly region: string;
  private readonly account: string;
  private readonly store: ExecutionStore | undefined;
  private readonly validDefinitions = new Set<string>();
  /** Runs read back from the data folder that were running, with where each continues. */
  private pending: Array<{ record: ExecutionRecord; plan: RecoveryPlan; resumed?: Promise<unknown> }> = [];
  /** Function name or ARN → Lambda service errors its next `lambda:invoke` tasks meet (see {@link injectLambdaErrors}). */
  private readonly lambdaFaults = new Map<string, string[]>();

  constructor(private readonly options: StepFunctionsOptions) {
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
    shareAslSchema();
    if (options.dataDir) {
      this.store = new ExecutionStore(options.dataDir);
      this.load(this.store);
    }
  }

  /** Reads the registry and the executions back; waits again on the tokens of runs that were waiting on one. */
  private load(store: ExecutionStore): void {
    const machines = store.loadMachines();
    if (machines !== undefined) this.registry.restore(machines);
    // Validated when they were created.
    for (const m of this.registry.machines.values()) {
      this.validDefinitions.add(m.definition);
      for (const v of m.versions) this.validDefinitions.add(v.definition);
    }
    const now = Date.now();
    for (const stored of store.loadExecutions()) {
      const arn = stored.start.executionArn;
      const record: ExecutionRecord = {
        ...restoreRecord(stored, (event) => store.event(arn, event)),
        done: Promise.resolve(),
      };
      this.executions.set(arn, record);
      if (record.status !== 'RUNNING') continue;
      const plan = planRecovery(record, record.history.events, stored.tokens, this.options.speed ?? 1, now);
      // Waiting again at once: an answer that arrives while local mode is still starting is not refused.
      const resumed =
        plan.kind === 'continue' && plan.token
          ? this.tokens.wait(plan.token.token, arn, plan.token.timeoutMs, plan.token.heartbeatMs)
          : undefined;
      resumed?.catch(() => undefined);
      this.pending.push({ record, plan, resumed });
    }
  }

  /**
   * Continues the runs that were running when local mode stopped (see {@link planRecovery}); the ones that cannot
   * continue fail at the state they were in (`Steward.LocalModeStopped`, cause "local mode stopped"), redrivable.
   * Call once everything their tasks call is registered. Returns how many continued and how many failed.
   */
  recover(): { continued: number; failed: number } {
    let continued = 0;
    let failed = 0;
    for (const { record, plan, resumed } of this.pending.splice(0)) {
      if (record.status !== 'RUNNING') continue; // stopped meanwhile
      if (plan.kind === 'continue') {
        const from: RunStart = {
          startAt: plan.startAt,
          input: plan.input,
          continues: plan.continues,
          waitMs: plan.waitMs,
          resumed: resumed ? { state: plan.startAt, answer: resumed } : undefined,
        };
        record.done = runExecution(record, this.engine(), from);
        continued++;
        continue;
      }
      if (plan.kind === 'succeed') {
        finish(record, { status: 'SUCCEEDED', output: plan.output });
      } else {
        const cause = `local mode stopped${plan.state ? ` while the run was at '${plan.state}'` : ''}`;
        if (plan.stateType === 'Task') {
          record.history.push('TaskFailed', { ...plan.resource, error: LOCAL_MODE_STOPPED, cause });
        } else if (plan.stateType === 'Map' || plan.stateType === 'Parallel') {
          record.history.push(`${plan.stateType}StateFailed`);
        }
        this.tokens.cancelExecution(record.executionArn);
        finish(record, { status: 'FAILED', error: LOCAL_MODE_STOPPED, cause });
        failed++;
      }
      this.emit(record);
    }
    return { continued, failed };
  }

  /** Closes the data folder's journal. */
  close(): void {
    this.store?.close();
  }

  /** State transitions (StateEntered events) of an execution so far; throws `ExecutionDoesNotExist`. */
  transitions(executionArn: string): number {
    return this.execution(executionArn).transitions;
  }

  /** Resolves when the execution's current run has ended. */
  async waitFor(executionArn: string): Promise<ExecutionRecord> {
    const record = this.execution(executionArn);
    await record.done;
    return record;
  }

  /**
   * Makes the next `times` `lambda:invoke` tasks of a function fail with a Lambda service error before the function
   * runs, as Step Functions reports a throttled invocation (`Lambda.TooManyRequestsException`) — for tests of the
   * compiled retriers. The function is named by name or ARN.
   */
  injectLambdaErrors(functionNameOrArn: string, times: number, error = 'Lambda.TooManyRequestsException'): void {
    const name = functionNameOrArn.replace(/^arn:aws:lambda:[^:]*:[^:]*:function:/, '');
    this.lambdaFaults.set(name, [...(this.lambdaFaults.get(name) ?? []), ...Array<string>(times).fill(error)]);
  }

  private takeLambdaFault(nameOrArn: string): string | undefined {
    const name = nameOrArn.replace(/^arn:aws:lambda:[^:]*:[^:]*:function:/, '').replace(/:[^:]+$/, '');
    const pending = this.lambdaFaults.get(name);
    const fault = pending?.shift();
    if (pending?.length === 0) this.lambdaFaults.delete(name);
    return fault;
  }

  /** All executions, newest first (for the status page). */
  listAll(): ExecutionRecord[] {
    return [...this.executions.values()].reverse();
  }

  /** The JSON operations, keyed by `X-Amz-Target` operation name. */
  operations(): JsonOperations {
    const ops = this.allOperations();
    const store = this.store;
    if (!store) return ops;
    for (const name of REGISTRY_CHANGES) {
      const op = ops[name];
      if (!op) continue;
      ops[name] = (input) => {
        const out = op(input);
        store.saveMachines(this.registry.toJSON());
        return out;
      };
    }
    return ops;
  }

  private allOperations(): JsonOperations {
    return {
      CreateStateMachine: (i) => this.createStateMachine(i),
      UpdateStateMachine: (i) => this.updateStateMachine(i),
      DescribeStateMachine: (i) => this.describeStateMachine(i),
      DeleteStateMachine: (i) => {
        const ref = parseStateMachineArn(i.stateMachineArn);
        this.registry.machineOf(ref, String(i.stateMachineArn));
        this.registry.machines.delete(ref.name);
        return {};
      },
      ListStateMachines: () => ({
        stateMachines: [...this.registry.machines.values()].map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: m.type,
          creationDate: secs(m.creationDate),
        })),
      }),
      ...versionOperations(this.registry),
      StartExecution: (i) => this.startExecution(i),
      DescribeExecution: (i) => this.describeExecution(i),
      StopExecution: (i) => this.stopExecution(i),
      ListExecutions: (i) => this.listExecutions(i),
      GetExecutionHistory: (i) => this.getHistory(i),
      RedriveExecution: (i) => this.redrive(i),
      SendTaskSuccess: (i) => {
        const output = requireString(i, 'output');
        let parsed: unknown;
        try {
          parsed = JSON.parse(output);
        } catch {
          throw new AwsError('InvalidOutput', 'output is not valid JSON');
        }
        this.tokens.succeed(requireString(i, 'taskToken', 'InvalidToken'), parsed);
        return {};
      },
      SendTaskFailure: (i) => {
        const token = requireString(i, 'taskToken', 'InvalidToken');
        this.tokens.failByClient(token, optionalString(i, 'error') ?? '', optionalString(i, 'cause') ?? '');
        return {};
      },
      SendTaskHeartbeat: (i) => {
        this.tokens.heartbeat(requireString(i, 'taskToken', 'InvalidToken'));
        return {};
      },
    };
  }

  private definitionFrom(input: Record<string, unknown>): { text: string; parsed: AslDefinition } {
    const text = requireString(input, 'definition', 'InvalidDefinition');
    try {
      const parsed = parseDefinition(text);
      // The library validates the structure (states, transitions) on construction, against the schema compiled
      // once per process (asl-schema.ts); a definition already accepted (re-registration after a restart, an update
      // that keeps it) is not validated again.
      if (!this.validDefinitions.has(text)) {
        new StateMachine(structuredClone(parsed) as never, {
          validationOptions: { checkPaths: false, checkArn: false },
        });
        this.validDefinitions.add(text);
      }
      return { text, parsed };
    } catch (error) {
      throw new AwsError('InvalidDefinition', `Invalid State Machine Definition: ${(error as Error).message}`);
    }
  }

  private createStateMachine(input: Record<string, unknown>): unknown {
    const name = checkName(input.name);
    const { text, parsed } = this.definitionFrom(input);
    const roleArn = requireString(input, 'roleArn', 'InvalidArn');
    const type = input.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
    const existing = this.registry.machines.get(name);
    if (existing) {
      if (existing.definition !== text || existing.roleArn !== roleArn) {
        throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${existing.arn}'`);
      }
      return { stateMachineArn: existing.arn, creationDate: secs(existing.creationDate) };
    }
    const machine: Machine = {
      name,
      arn: `arn:aws:states:${this.region}:${this.account}:stateMachine:${name}`,
      type,
      definition: text,
      parsed,
      roleArn,
      creationDate: new Date(),
      revision: 1,
      versions: [],
      aliases: new Map(),
      tags: Array.isArray(input.tags) ? (input.tags as Machine['tags']) : [],
    };
    this.registry.machines.set(name, machine);
    const logging = parseLogging(input.loggingConfiguration);
    if (logging) this.logging.set(name, logging);
    const version =
      input.publish === true ? this.registry.publish(machine, optionalString(input, 'versionDescription')) : undefined;
    return {
      stateMachineArn: machine.arn,
      creationDate: secs(machine.creationDate),
      stateMachineVersionArn: version?.arn,
    };
  }

  private updateStateMachine(input: Record<string, unknown>): unknown {
    const ref = parseStateMachineArn(input.stateMachineArn);
    if (ref.kind !== 'machine') throw new AwsError('ValidationException', 'Versions and aliases cannot be updated');
    const machine = this.registry.machineOf(ref, String(input.stateMachineArn));
    const before = { definition: machine.definition, roleArn: machine.roleArn };
    if (input.definition !== undefined) {
      const { text, parsed } = this.definitionFrom(input);
      machine.definition = text;
      machine.parsed = parsed;
    }
    if (input.roleArn !== undefined) machine.roleArn = requireString(input, 'roleArn', 'InvalidArn');
    const logging = parseLogging(input.loggingConfiguration);
    if (logging) this.logging.set(machine.name, logging);
    // A new revision only when what runs changed: an update that only sets logging keeps the published versions.
    if (machine.definition !== before.definition || machine.roleArn !== before.roleArn) machine.revision++;
    const version =
      input.publish === true ? this.registry.publish(machine, optionalString(input, 'versionDescription')) : undefined;
    return {
      updateDate: Date.now() / 1000,
      revisionId: String(machine.revision),
      stateMachineVersionArn: version?.arn,
    };
  }

  private describeStateMachine(input: Record<string, unknown>): unknown {
    const arn = String(input.stateMachineArn);
    const ref = parseStateMachineArn(input.stateMachineArn);
    const machine = this.registry.machineOf(ref, arn);
    const version = ref.kind === 'version' ? this.registry.version(machine, ref.version, arn) : undefined;
    return {
      stateMachineArn: version?.arn ?? machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: version?.definition ?? machine.definition,
      roleArn: version?.roleArn ?? machine.roleArn,
      type: machine.type,
      creationDate: secs(version?.creationDate ?? machine.creationDate),
      revisionId: String(machine.revision),
      description: version?.description,
    };
  }

  private execution(arn: unknown): ExecutionRecord {
    parseExecutionArn(arn);
    const record = this.executions.get(String(arn));
    if (!record) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return record;
  }

  /** StartExecution; also used by `states:startExecution` tasks. */
  startExecution(input: Record<string, unknown>): { executionArn: string; startDate: number } {
    const target = this.registry.resolve(input.stateMachineArn);
    const name = input.name === undefined ? crypto.randomUUID() : checkName(input.name);
    const text = input.input === undefined ? '{}' : requireString(input, 'input', 'InvalidExecutionInput');
    try {
      JSON.parse(text);
    } catch {
      throw new AwsError('InvalidExecutionInput', 'Invalid execution input: not JSON');
    }
    const executionArn = `arn:aws:states:${this.region}:${this.account}:execution:${target.machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Standard workflows: same name + same input while running is idempotent; anything else is a conflict.
      if (existing.status === 'RUNNING' && existing.input === text) {
        return { executionArn, startDate: secs(existing.startDate) ?? 0 };
      }
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const store = this.store;
    const startDate = new Date();
    // What the execution was started with: journaled first (the history's lines follow), then held in memory.
    const started = {
      executionArn,
      stateMachineArn: target.machine.arn,
      stateMachineVersionArn: target.versionArn,
      stateMachineAliasArn: target.aliasArn,
      stateMachineName: target.machine.name,
      name,
      roleArn: target.roleArn,
      input: text,
    };
    store?.start({ ...started, startDate: startDate.getTime() }, JSON.stringify(target.definition));
    const history = new HistoryRecorder([], store ? (event) => store.event(executionArn, event) : undefined);
    history.push('ExecutionStarted', {
      input: text,
      roleArn: target.roleArn,
      stateMachineVersionArn: target.versionArn,
      stateMachineAliasArn: target.aliasArn,
    });
    const record: ExecutionRecord = {
      ...started,
      status: 'RUNNING',
      startDate,
      redriveCount: 0,
      transitions: 0,
      history,
      definition: target.definition,
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, record);
    this.emit(record);
    record.done = runExecution(record, this.engine());
    return { executionArn, startDate: secs(record.startDate) ?? 0 };
  }

  private engine(): Parameters<typeof runExecution>[1] {
    return {
      invoke: (fn, payload) => {
        const fault = this.takeLambdaFault(fn);
        if (fault) return Promise.resolve({ ok: false, errorType: fault, errorMessage: 'Rate Exceeded.' });
        return this.options.lambda.invoke(fn, payload);
      },
      tokens: this.tokens,
      integrations: this.options.integrations ?? {},
      startChild: (params, sync) => this.startChild(params, sync),
      region: this.region,
      speed: this.options.speed ?? 1,
      onStatusChange: (record) => this.emit(record),
      recordToken: this.store ? (arn, token, state) => this.store?.token(arn, token, state) : undefined,
    };
  }

  private async startChild(params: unknown, sync: 'none' | 'sync' | 'sync:2'): Promise<unknown> {
    const p = (params ?? {}) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
    const input = typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input ?? {});
    const started = this.startExecution({ stateMachineArn: p.StateMachineArn, input, name: p.Name });
    if (sync === 'none')
      return { ExecutionArn: started.executionArn, StartDate: new Date(started.startDate * 1000).toISOString() };
    const child = await this.waitFor(started.executionArn);
    if (child.status !== 'SUCCEEDED') {
      throw new TaskError(
        'States.TaskFailed',
        JSON.stringify({
          ExecutionArn: child.executionArn,
          Status: child.status,
          Error: child.error,
          Cause: child.cause,
        }),
      );
    }
    const output = child.output ?? 'null';
    return {
      ExecutionArn: child.executionArn,
      Input: sync === 'sync:2' ? JSON.parse(child.input) : child.input,
      Output: sync === 'sync:2' ? JSON.parse(output) : output,
      Status: child.status,
      StartDate: child.startDate.getTime(),
      StopDate: child.stopDate?.getTime(),
      StateMachineArn: child.stateMachineArn,
      Name: child.name,
    };
  }

  private describeExecution(input: Record<string, unknown>): unknown {
    const r = this.execution(input.executionArn);
    return {
      ...executionSummary(r),
      input: r.input,
      output: r.output,
      error: r.error,
      cause: r.cause,
      redriveDate: secs(r.redriveDate),
      redriveStatus: this.redriveBlocker(r) === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      // Not an AWS field (the SDK drops it): local mode reports the transition count for benchmarks.
      stateTransitions: r.transitions,
    };
  }

  private stopExecution(input: Record<string, unknown>): unknown {
    const r = this.execution(input.executionArn);
    if (r.status === 'RUNNING') {
      finish(r, { status: 'ABORTED', error: optionalString(input, 'error'), cause: optionalString(input, 'cause') });
      this.tokens.cancelExecution(r.executionArn);
      r.abort?.();
      this.emit(r);
    }
    return { stopDate: secs(r.stopDate) };
  }

  private listExecutions(input: Record<string, unknown>): unknown {
    const arn = input.stateMachineArn ?? input.versionArn ?? input.aliasArn;
    const ref = parseStateMachineArn(arn);
    const machine = this.registry.machineOf(ref, String(arn));
    const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : 100;
    const start = decodeToken(input.nextToken);
    const all = [...this.executions.values()]
      .filter((r) => r.stateMachineArn === machine.arn)
      .filter((r) => ref.kind !== 'version' || r.stateMachineVersionArn === arn)
      .filter((r) => ref.kind !== 'alias' || r.stateMachineAliasArn === arn)
      .filter((r) => input.statusFilter === undefined || r.status === input.statusFilter)
      .reverse();
    const page = all.slice(start, start + max);
    return {
      executions: page.map(executionSummary),
      nextToken: start + max < all.length ? Buffer.from(String(start + max)).toString('base64url') : undefined,
    };
  }

  private getHistory(input: Record<string, unknown>): unknown {
    const r = this.execution(input.executionArn);
    const events: HistoryEvent[] = input.reverseOrder === true ? [...r.history.events].reverse() : r.history.events;
    const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : 1000;
    const start = decodeToken(input.nextToken);
    return {
      events: events.slice(start, start + max),
      nextToken: start + max < events.length ? Buffer.from(String(start + max)).toString('base64url') : undefined,
    };
  }

  private redriveBlocker(r: ExecutionRecord): string | undefined {
    if (r.status === 'RUNNING' || r.status === 'SUCCEEDED') return `Execution is ${r.status}`;
    if (!r.lastTopLevel) return 'Execution failed before entering a state';
    return undefined;
  }

  private redrive(input: Record<string, unknown>): unknown {
    const r = this.execution(input.executionArn);
    const blocker = this.redriveBlocker(r);
    if (blocker || !r.lastTopLevel)
      throw new AwsError('ExecutionNotRedrivable', `Execution cannot be redriven: ${blocker}`);
    const from = { startAt: r.lastTopLevel.name, input: r.lastTopLevel.input };
    r.status = 'RUNNING';
    r.redriveCount++;
    r.redriveDate = new Date();
    r.stopDate = undefined;
    r.output = r.error = r.cause = undefined;
    r.history.push('ExecutionRedriven', { redriveCount: r.redriveCount });
    this.emit(r);
    r.done = runExecution(r, this.engine(), from);
    return { redriveDate: secs(r.redriveDate) };
  }

  private emit(r: ExecutionRecord): void {
    if (this.registry.machines.get(r.stateMachineName)?.type === 'EXPRESS') {
      // No status-change events for Express executions on AWS: only their execution log.
      const logging = this.logging.get(r.stateMachineName);
      if (!logging?.logGroupArn) return;
      const id = (this.logEvents.get(r.executionArn) ?? 0) + 1;
      if (r.status === 'RUNNING') this.logEvents.set(r.executionArn, id);
      else this.logEvents.delete(r.executionArn);
      const record = executionLogRecord(r, logging, id);
      if (record) this.options.onExecutionLog?.(logging.logGroupArn, record);
      return;
    }
    this.options.onStatusChange?.({
      Source: 'aws.states',
      DetailType: 'Step Functions Execution Status Change',
      Resources: [r.executionArn],
      Time: new Date(),
      Detail: JSON.stringify({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        stateMachineVersionArn: r.stateMachineVersionArn ?? null,
        stateMachineAliasArn: r.stateMachineAliasArn ?? null,
        name: r.name,
        status: r.status,
        startDate: r.startDate.getTime(),
        stopDate: r.stopDate?.getTime() ?? null,
        input: r.input,
        output: r.output ?? null,
        error: r.error ?? null,
        cause: r.cause ?? null,
        redriveCount: r.redriveCount,
      }),
    });
  }
}

function decodeToken(token: unknown): number {
  if (token === undefined || token === null) return 0;
  const n = Number(Buffer.from(String(token), 'base64url').toString());
  if (!Number.isInteger(n) || n < 0) throw new AwsError('InvalidToken', 'nextToken is invalid');
  return n;
}

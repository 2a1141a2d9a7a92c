/**
 * Runs workflow test cases: the compiled state machine in aws-local-stepfunctions, every step-runner task through the
 * real step runner (retries, notify, fallback, compensation, history in dynalite) with its services answered by the
 * case's mocks, event waits answered by the case's events, sub-workflows by their mocks. Time is skipped: retry
 * intervals and waits are overridden to 0, and a call planned to time out gets a 1 ms timeout.
 */
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { matchesFilter } from '../../core/routing/filters.ts';
import type { ServiceRequest, StepRunnerInput } from '../../core/runtime-contract.ts';
import type { AslState, AslStateMachine, WorkflowDocument } from '../../core/workflow/index.ts';
import { compileWorkflow } from '../../core/workflow/index.ts';
import {
  checkExpectations,
  type MockAnswer,
  type RunOutcome,
  type TestCase,
  type TraceEntry,
} from '../../core/workflow/test-cases.ts';
import type { TestEnvironment } from './environment.ts';

/** The result of one case. */
export interface CaseResult {
  name: string;
  passed: boolean;
  /** Expectations the run missed (empty when it passed). */
  misses: string[];
  run: RunOutcome;
  durationMs: number;
}

const ARNS: Record<string, string> = {
  StepRunnerArn: 'arn:aws:lambda:us-east-1:123456789012:function:steward-step-runner',
  WaiterArn: 'arn:aws:lambda:us-east-1:123456789012:function:steward-waiter',
};

/** A named error Step Functions matches in Retry/Catch by name. */
function namedError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

function everyState(states: Record<string, AslState>, out: Array<[string, AslState]> = []): Array<[string, AslState]> {
  for (const [name, s] of Object.entries(states)) {
    out.push([name, s]);
    if (s.Type === 'Parallel') for (const b of s.Branches) everyState(b.States, out);
    if (s.Type === 'Map') everyState(s.ItemProcessor.States, out);
  }
  return out;
}

const asList = (m: MockAnswer | MockAnswer[] | undefined): MockAnswer[] => (m === undefined ? [] : [m].flat());

/** Runs a child workflow's own case (a sub-workflow step answered by `child`). */
export type ChildRunner = (
  child: NonNullable<MockAnswer['child']>,
  context: Record<string, unknown>,
) => Promise<RunOutcome>;

/** A compiled workflow ready to run cases. */
export class WorkflowTester {
  private readonly machine: StateMachine;
  private readonly states: Array<[string, AslState]>;
  private readonly asl: AslStateMachine;

  constructor(
    workflow: WorkflowDocument,
    private readonly env: TestEnvironment,
    private readonly runChild?: ChildRunner,
  ) {
    this.asl = compileWorkflow(workflow).asl;
    const text = JSON.stringify(this.asl).replace(/\$\{(\w+)\}/g, (m, k: string) => ARNS[k] ?? m);
    const definition = JSON.parse(text) as AslStateMachine;
    this.states = everyState(definition.States);
    // The compiler's output is validated by its own tests (asl-validator); validating again per file costs ~0.5 s.
    this.machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  }

  /** Runs one case and checks its expectations. */
  async run(testCase: TestCase): Promise<CaseResult> {
    const started = performance.now();
    const run = await this.execute(testCase);
    return this.check(testCase, run, started);
  }

  /** Runs one case as a child run with `context` overlaid on its own (no expectations checked). */
  runAsChild(testCase: TestCase, context: Record<string, unknown>): Promise<RunOutcome> {
    return this.execute({ ...testCase, context: { ...testCase.context, ...context } });
  }

  private check(testCase: TestCase, run: RunOutcome, started: number): CaseResult {
    const misses = checkExpectations(testCase.expect, run);
    return { name: testCase.name, passed: misses.length === 0, misses, run, durationMs: performance.now() - started };
  }

  private async execute(testCase: TestCase): Promise<RunOutcome> {
    const executionId = randomUUID();
    const nonce = executionId.slice(0, 8);
    await this.env.addExecution(executionId);
    const mocks = testCase.mocks ?? {};
    const trace: TraceEntry[] = [];
    const counts = new Map<string, number>();
    const ended = new Map<string, unknown>();
    const joins: Array<{ deps: string[]; release: () => void }> = [];
    const registered = new Map<string, Promise<void>>();

    /** Each mock key gets a service of its own (per case), so answers and breakers never mix. */
    const serviceFor = async (key: string): Promise<string> => {
      const name = `${key}~${nonce}`;
      if (!registered.has(name)) registered.set(name, this.env.addService(name, asList(mocks[key])));
      await registered.get(name);
      return name;
    };
    /** Points a request at its mock; a call planned to time out gets a 1 ms timeout (no wall time spent). */
    const redirect = async (req: ServiceRequest, key: string, take = false): Promise<ServiceRequest> => {
      const service = await serviceFor(key);
      const isLate = (a: MockAnswer): boolean =>
        a.timeout === true || (a.delay_ms !== undefined && a.delay_ms >= req.timeout_ms);
      const next = take ? this.env.take(service, isLate) : this.env.peek(service);
      return { ...req, service, ...(isLate(next) ? { timeout_ms: 1 } : {}) };
    };
    const end = (step: string, result: unknown): void => {
      ended.set(step, result ?? null);
      for (const j of [...joins]) {
        if (j.deps.every((d) => ended.has(d))) {
          joins.splice(joins.indexOf(j), 1);
          j.release();
        }
      }
    };

    const answer = async (state: string, payload: Record<string, unknown>): Promise<unknown> => {
      const kind = String(payload.kind);
      const step = String(payload.step ?? state);
      const key = `${kind}:${step}`;
      const attempt = (counts.get(key) ?? 0) + 1;
      counts.set(key, attempt);
      const entry: TraceEntry = { step, kind, attempt, result: 'completed' };
      trace.push(entry);
      try {
        const result = await this.task(kind, step, attempt, payload, testCase, redirect, ended, joins);
        if (kind === 'service_call' && Array.isArray(payload.release)) end(step, result);
        if (kind === 'complete') end(step, payload.result);
        const status = (result as { status?: unknown } | undefined)?.status;
        if (status === 'failed_continued') entry.result = 'failed_continued';
        return result;
      } catch (error) {
        entry.result = (error as Error).name;
        throw error;
      }
    };

    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retryOverrides: Record<string, number> = {};
    const waitOverrides: Record<string, number> = {};
    for (const [name, s] of this.states) {
      if ('Retry' in s && s.Retry) retryOverrides[name] = 0;
      if (s.Type === 'Wait') waitOverrides[name] = 0;
      if (s.Type !== 'Task') continue;
      const callback = s.Resource.endsWith('.waitForTaskToken');
      handlers[name] = async (input: unknown) => {
        const payload = ((input as { Payload?: unknown }).Payload ?? input) as Record<string, unknown>;
        const result = await answer(name, payload);
        return callback ? result : { Payload: result, StatusCode: 200 };
      };
    }
    const input = {
      execution: {
        id: executionId,
        workflow_id: 'steward-test',
        workflow_name: this.asl.Comment ?? 'workflow',
        workflow_version: '',
        correlation_id: executionId,
        started_at: new Date().toISOString(),
      },
      context: testCase.context ?? {},
      steps: {},
    };
    const execution = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        retryIntervalOverrides: retryOverrides,
        waitTimeOverrides: waitOverrides,
      },
      context: {
        Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:steward-test:${executionId}` },
        Task: { Token: `token-${executionId}` },
      },
    });
    try {
      const output = await execution.result;
      return { status: 'completed', output, trace };
    } catch (e) {
      const cause = (e as { cause?: { name?: string; message?: string } }).cause;
      return {
        status: 'failed',
        error: cause?.name ?? (e as Error).name,
        cause: cause?.message ?? (e as Error).message,
        trace,
      };
    }
  }

  /** One task's answer, by the payload's kind. */
  private async task(
    kind: string,
    step: string,
    attempt: number,
    payload: Record<string, unknown>,
    testCase: TestCase,
    redirect: (req: ServiceRequest, key: string, take?: boolean) => Promise<ServiceRequest>,
    ended: Map<string, unknown>,
    joins: Array<{ deps: string[]; release: () => void }>,
  ): Promise<unknown> {
    switch (kind) {
      case 'service_call': {
        const p = { ...payload } as Record<string, unknown> & { request: ServiceRequest };
        p.request = await redirect(p.request, step, true);
        if (p.notify) p.notify = { ...(await redirect(p.notify as ServiceRequest, `${step}.notify`)) };
        if (p.compensation) p.compensation = await redirect(p.compensation as ServiceRequest, `${step}.compensation`);
        // Joins are released by the runner's in-memory board (there is no Step Functions endpoint to call here).
        delete p.release;
        return this.env.runStep(p as unknown as StepRunnerInput);
      }
      case 'notify': {
        const request = await redirect(payload.request as ServiceRequest, `${step}.notify`);
        return this.env.runStep({ ...payload, request } as unknown as StepRunnerInput);
      }
      case 'compensate': {
        // The recorded compensation already names the step's mock service; a planned timeout shortens it again.
        const req = payload.request as ServiceRequest;
        const next = this.env.peek(req.service);
        const late = next.timeout === true || (next.delay_ms !== undefined && next.delay_ms >= req.timeout_ms);
        const request = late ? { ...req, timeout_ms: 1 } : req;
        return this.env.runStep({ ...payload, request } as unknown as StepRunnerInput);
      }
      case 'load_compensations':
        return this.env.runStep(payload as unknown as StepRunnerInput);
      case 'event_wait': {
        const filter = (payload.filter ?? {}) as Record<string, unknown>;
        const event = (testCase.events ?? []).find(
          (e) =>
            e.type === payload.event_type &&
            matchesFilter({ type: e.type, data: e.data ?? {} } as never, filter as never),
        );
        // No matching event: the wait runs out (its timeout is skipped).
        if (!event) throw namedError('States.Timeout', `no event ${String(payload.event_type)} matched the wait`);
        return {
          status: 'completed',
          output: {
            id: randomUUID(),
            type: event.type,
            source: event.source ?? 'steward-test',
            data: event.data ?? {},
          },
        };
      }
      case 'sub_workflow': {
        const answers = asList(testCase.mocks?.[step]);
        const a = answers[Math.min(attempt, answers.length) - 1] ?? {};
        // The status handler's answers: {execution_id, result} on success, the child's error on failure.
        if (a.child && this.runChild) {
          const child = await this.runChild(a.child, (payload.input ?? {}) as Record<string, unknown>);
          if (child.status === 'failed') {
            throw namedError(child.error ?? 'Steward.SubWorkflowFailed', `Sub-workflow failed: ${child.cause ?? ''}`);
          }
          return { status: 'completed', output: { execution_id: randomUUID(), result: child.output ?? null } };
        }
        if (a.error) throw namedError(a.error, a.cause ?? `${step} failed`);
        return { status: 'completed', output: { execution_id: randomUUID(), result: a.output ?? null } };
      }
      case 'park':
        return {};
      case 'join': {
        const deps = payload.dependencies as string[];
        const output = (): unknown => {
          const steps = { ...(payload.steps as Record<string, unknown>) };
          for (const d of deps) if (ended.get(d) !== null && ended.get(d) !== undefined) steps[d] = ended.get(d);
          return steps;
        };
        if (deps.every((d) => ended.has(d))) return output();
        return new Promise((resolve) => joins.push({ deps, release: () => resolve(output()) }));
      }
      case 'complete':
        return { status: 'completed', output: null };
      default:
        throw namedError('Steward.InvalidInput', `steward test cannot answer a task of kind ${kind}`);
    }
  }
}

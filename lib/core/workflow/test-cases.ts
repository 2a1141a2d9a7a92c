/**
 * Workflow test cases (`steward test`): what each service call answers, which events arrive, and what the run must
 * do. The zod schema is the source of the JSON Schema that cases files reference with `$schema`.
 */
import * as z from 'zod';

/**
 * One answer of a mocked call, used for one attempt: an HTTP answer (`status`, `body`), a `timeout` (the call
 * outlasts its timeout), a `network_error` (the connection is refused), a `delay_ms` before answering (a delay at or
 * beyond the call's timeout is a timeout; time is skipped either way). For a sub-workflow step: the child's `output`,
 * or its `error` and `cause`, or a `child` case to run.
 */
export const mockAnswerSchema = z
  .strictObject({
    status: z.number().int().min(100).max(599).optional().describe('HTTP status (default 200)'),
    body: z.unknown().optional().describe('response body (JSON)'),
    delay_ms: z.number().int().min(0).optional().describe('answer after this long (no wall time is spent)'),
    timeout: z.literal(true).optional().describe('the call times out'),
    network_error: z.literal(true).optional().describe('the connection fails'),
    output: z.unknown().optional().describe('sub_workflow: the child run completed with this result'),
    child: z
      .strictObject({
        workflow: z.string().min(1).describe("the child's workflow file, relative to this cases file"),
        cases: z.string().min(1).describe("the child's cases file, relative to this cases file"),
        case: z.string().min(1).describe('the name of the case to run'),
      })
      .optional()
      .describe("sub_workflow: run the child workflow's own case (its context overlaid with the step's input)"),
    error: z.string().optional().describe('sub_workflow: the child run failed with this error'),
    cause: z.string().optional(),
  })
  .describe('one answer, for one attempt');

/** One answer, or a sequence (attempt 1, 2, …; the last one repeats). */
export const mockSchema = z.union([mockAnswerSchema, z.array(mockAnswerSchema).min(1)]);

/** An event the case sends; event waits whose type and filter match receive it. */
export const caseEventSchema = z.strictObject({
  type: z.string().min(1),
  source: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** What the run must do. Every field but `status` is optional; only what is given is checked. */
export const expectationSchema = z.strictObject({
  status: z.enum(['completed', 'failed']),
  error: z.string().optional().describe('the error the run failed with'),
  steps: z
    .array(z.string())
    .optional()
    .describe('task steps started, in order of their first attempt (service calls, event waits, sub-workflows)'),
  attempts: z.record(z.string(), z.number().int().min(0)).optional().describe('attempts per step'),
  compensations: z.array(z.string()).optional().describe('compensations run, in order'),
  notifications: z.array(z.string()).optional().describe('steps whose notify handler was sent'),
  output: z.unknown().optional().describe('parts of the final document ({context, steps}) that must match'),
});

/** One test case. */
export const testCaseSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  mocks: z
    .record(z.string(), mockSchema)
    .optional()
    .describe('by step name, `<step>.notify` or `<step>.compensation`; unmocked calls answer 200 {}'),
  events: z.array(caseEventSchema).optional(),
  expect: expectationSchema,
});

/** A cases file. */
export const casesFileSchema = z.strictObject({
  $schema: z.string().optional(),
  workflow: z.string().optional().describe('the workflow file these cases test (informational)'),
  cases: z.array(testCaseSchema).min(1),
});

export type MockAnswer = z.infer<typeof mockAnswerSchema>;
export type TestCase = z.infer<typeof testCaseSchema>;
export type CasesFile = z.infer<typeof casesFileSchema>;
export type Expectation = z.infer<typeof expectationSchema>;

/** The JSON Schema of a cases file. */
export function casesJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(casesFileSchema, { io: 'input' }),
    title: 'Steward workflow test cases',
  } as Record<string, unknown>;
}

/** One task invocation of a test run. */
export interface TraceEntry {
  step: string;
  kind: string;
  attempt: number;
  /** `completed`, `failed_continued`, or the error name. */
  result: string;
}

/** What a test run did. */
export interface RunOutcome {
  status: 'completed' | 'failed';
  error?: string;
  cause?: string;
  output?: unknown;
  trace: TraceEntry[];
}

/** The figures an expectation talks about, derived from a run. */
export function observed(run: RunOutcome): Required<Omit<Expectation, 'output'>> & { output: unknown } {
  const steps: string[] = [];
  const attempts: Record<string, number> = {};
  for (const t of run.trace) {
    if (!['service_call', 'event_wait', 'sub_workflow'].includes(t.kind)) continue;
    if (!steps.includes(t.step)) steps.push(t.step);
    attempts[t.step] = Math.max(attempts[t.step] ?? 0, t.attempt);
  }
  return {
    status: run.status,
    error: run.error ?? '',
    steps,
    attempts,
    compensations: run.trace.filter((t) => t.kind === 'compensate').map((t) => t.step),
    notifications: run.trace.filter((t) => t.kind === 'notify').map((t) => t.step),
    output: run.output,
  };
}

/** Whether `actual` contains `expected`: objects by their given keys (recursively), everything else by equality. */
export function matchesPartly(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => matchesPartly((actual as Record<string, unknown>)[k], v));
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((v, i) => matchesPartly(actual[i], v))
    );
  }
  return actual === expected;
}

/** The expectations a run misses, one sentence each (empty: the case passes). */
export function checkExpectations(expected: Expectation, run: RunOutcome): string[] {
  const seen = observed(run);
  const misses: string[] = [];
  const show = (v: unknown): string => JSON.stringify(v);
  if (seen.status !== expected.status) misses.push(`status: expected ${expected.status}, got ${seen.status}`);
  if (expected.error !== undefined && seen.error !== expected.error) {
    misses.push(`error: expected ${expected.error}, got ${seen.error || 'none'}`);
  }
  for (const key of ['steps', 'compensations', 'notifications'] as const) {
    const want = expected[key];
    if (want !== undefined && show(want) !== show(seen[key])) {
      misses.push(`${key}: expected ${show(want)}, got ${show(seen[key])}`);
    }
  }
  for (const [step, n] of Object.entries(expected.attempts ?? {})) {
    const got = seen.attempts[step] ?? 0;
    if (got !== n) misses.push(`attempts of ${step}: expected ${n}, got ${got}`);
  }
  if (expected.output !== undefined && !matchesPartly(seen.output, expected.output)) {
    misses.push(`output: expected to contain ${show(expected.output)}, got ${show(seen.output)}`);
  }
  return misses;
}

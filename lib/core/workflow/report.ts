/**
 * The compile report: states, transitions (happy path and worst case), cost per million runs on Standard and
 * Express, whether Express is possible, lost parallelism and the substitutions the compiler made.
 *
 * Transitions are counted on the compiled ASL the way Step Functions bills them: one per state entered, one per
 * retry. The happy path follows `Next` only (every choice takes its longest branch; `happy_path_min` its
 * shortest; every map iterates once). The worst case lets every step use all its fast retries and all its slow
 * (`retry` handler) retries, takes the costlier of success and the handler's route, and runs one compensation per
 * step that has one.
 */
import type { AslState, AslStateMachine } from './asl.ts';
import type { CompileContext, ListParallelism } from './compile-context.ts';
import type { DagCosts } from './report-joins.ts';
import { PAUSED_RETRIER, retryDelays } from './retry.ts';

/** Step Functions Standard: USD per state transition ($0.025 per 1,000). */
export const STANDARD_USD_PER_TRANSITION = 0.000025;
/** Step Functions Express: USD per request ($1.00 per million). */
export const EXPRESS_USD_PER_REQUEST = 0.000001;
/** Step Functions Express: USD per GB-second (first tier). */
export const EXPRESS_USD_PER_GB_SECOND = 0.00001667;
/** Express bills memory in 64 MB steps; Steward's documents stay under 64 MB. */
export const EXPRESS_GB = 64 / 1024;
/** Assumed duration of one service call when estimating Express duration charges. */
export const ASSUMED_CALL_SECONDS = 0.1;

/** What the compiler reports about one workflow. */
export interface CompileReport {
  workflow: string;
  version?: string;
  execution_type: 'standard' | 'express';
  /** Every state, nested ones included. */
  states: number;
  transitions: {
    happy_path: number;
    happy_path_min: number;
    worst_case: number;
    /** Transitions each extra item adds, per map step. */
    per_map_item: Record<string, number>;
  };
  cost_per_million_runs: {
    standard_usd: number;
    standard_worst_case_usd: number;
    express_usd: number;
    assumptions: string[];
  };
  express_possible: boolean;
  express_blockers: string[];
  /** Standard-only features an Express run loses (the API answers 409 for them). */
  express_caveats: string[];
  parallelism: { exact: boolean; lists: ListParallelism[] };
  /** Definition substitutions the ASL uses (`StepRunnerArn`, `WaiterArn`): the deployer must supply each. */
  definition_substitutions: string[];
  /** Defaults and changes the compiler applied that the author did not write (timeouts, added orderings). */
  notes: string[];
  /** Only when a list is not series-parallel: the joins (or phases) and the cost of both strategies. */
  dag?: DagCosts;
}

type States = Record<string, AslState>;

/** Builds the report of a compiled workflow. */
export function buildReport(ctx: CompileContext, asl: AslStateMachine): CompileReport {
  const happy = walk(asl.States, asl.StartAt, (s, sub) => happyCost(s, sub, Math.max));
  const happyMin = walk(asl.States, asl.StartAt, (s, sub) => happyCost(s, sub, Math.min));
  const worst = walk(asl.States, asl.StartAt, (s, sub, name) => worstCost(ctx, s, sub, name));
  const seconds = walk(asl.States, asl.StartAt, (s, sub) => durationCost(s, sub));
  const worstSeconds = walk(asl.States, asl.StartAt, (s, sub, name) => worstDelay(ctx, s, sub, name));
  const perItem: Record<string, number> = {};
  forEachState(asl.States, (name, s) => {
    if (s.Type === 'Map' && ctx.steps.has(name)) {
      perItem[name] = walk(s.ItemProcessor.States, s.ItemProcessor.StartAt, (x, sub) => happyCost(x, sub, Math.max));
    }
  });
  const blockers: string[] = [];
  forEachState(asl.States, (name, s) => {
    if (s.Type === 'Task' && s.Resource.endsWith('.waitForTaskToken') && ctx.steps.has(name)) {
      blockers.push(`${name} waits for a callback (.waitForTaskToken), which Express does not support`);
    }
  });
  if (worstSeconds > 300) {
    blockers.push(
      `the run may last ${Number.isFinite(worstSeconds) ? `${Math.round(worstSeconds)} s` : 'indefinitely'} (waits, retry delays), more than Express's 5 minutes`,
    );
  }
  const lists = ctx.parallelism.filter((l) => l.steps > 1);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    workflow: ctx.workflow.name,
    ...(ctx.workflow.version ? { version: ctx.workflow.version } : {}),
    execution_type: ctx.express ? 'express' : 'standard',
    states: countStates(asl.States),
    transitions: { happy_path: happy, happy_path_min: happyMin, worst_case: worst, per_map_item: perItem },
    cost_per_million_runs: {
      standard_usd: round(happy * STANDARD_USD_PER_TRANSITION * 1e6),
      standard_worst_case_usd: round(worst * STANDARD_USD_PER_TRANSITION * 1e6),
      express_usd: round(1e6 * (EXPRESS_USD_PER_REQUEST + seconds * EXPRESS_GB * EXPRESS_USD_PER_GB_SECOND)),
      assumptions: [
        'Standard: $0.025 per 1,000 state transitions, happy path, free tier ignored',
        `Express: $1.00 per million requests + $0.00001667 per GB-second at 64 MB; duration ${round(seconds)} s estimated with ${ASSUMED_CALL_SECONDS * 1000} ms per service call plus fixed waits`,
        'Lambda invocations of the step runner and waiter are billed separately and not included',
      ],
    },
    express_possible: blockers.length === 0,
    express_blockers: blockers,
    express_caveats: [
      'pause/resume, redrive of a failed step and per-step history need Standard: on Express the API answers 409',
    ],
    parallelism: { exact: lists.every((l) => l.exact), lists },
    definition_substitutions: definitionSubstitutions(asl),
    notes: [...ctx.notes],
  };
}

/** The `${Name}` placeholders of the definition, sorted. */
function definitionSubstitutions(asl: AslStateMachine): string[] {
  const names = new Set<string>();
  for (const match of JSON.stringify(asl).matchAll(/\$\{([A-Za-z][A-Za-z0-9_]*)\}/g)) names.add(match[1]!);
  return [...names].sort();
}

type Sub = (name: string | undefined) => number;

/** Memoised walk from a start state; `cost` gets a callback evaluating successors in the same States map. */
function walk(
  states: States,
  start: string,
  cost: (s: AslState, sub: Sub, name: string, states: States) => number,
): number {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const sub: Sub = (name) => {
    if (name === undefined) return 0;
    const known = memo.get(name);
    if (known !== undefined) return known;
    const state = states[name];
    if (!state || visiting.has(name)) return 0;
    visiting.add(name);
    const value = cost(state, sub, name, states);
    visiting.delete(name);
    memo.set(name, value);
    return value;
  };
  return sub(start);
}

function next(s: AslState): string | undefined {
  return 'Next' in s && typeof s.Next === 'string' ? s.Next : undefined;
}

function happyCost(s: AslState, sub: Sub, pick: (...xs: number[]) => number): number {
  const inner = (st: States, start: string): number => walk(st, start, (x, y) => happyCost(x, y, pick));
  switch (s.Type) {
    case 'Choice':
      return 1 + pick(...s.Choices.map((c) => sub(c.Next)), ...(s.Default ? [sub(s.Default)] : []));
    case 'Parallel':
      return 1 + s.Branches.reduce((t, b) => t + inner(b.States, b.StartAt), 0) + sub(next(s));
    case 'Map':
      return 1 + inner(s.ItemProcessor.States, s.ItemProcessor.StartAt) + sub(next(s));
    default:
      return 1 + sub(next(s));
  }
}

function catchTargets(s: AslState): string[] {
  if (s.Type !== 'Task' && s.Type !== 'Parallel' && s.Type !== 'Map') return [];
  return (s.Catch ?? []).filter((c) => !c.ErrorEquals.includes(PAUSED_RETRIER.ErrorEquals[0]!)).map((c) => c.Next);
}

function worstCost(ctx: CompileContext, s: AslState, sub: Sub, name: string): number {
  const inner = (st: States, start: string): number => walk(st, start, (x, y, n) => worstCost(ctx, x, y, n));
  const onward = (own: number, skip?: string): number =>
    own +
    Math.max(
      sub(next(s)),
      ...catchTargets(s)
        .filter((t) => t !== skip)
        .map(sub),
    );
  switch (s.Type) {
    case 'Choice':
      return 1 + Math.max(...s.Choices.map((c) => sub(c.Next)), ...(s.Default ? [sub(s.Default)] : []));
    case 'Parallel':
      return onward(1 + s.Branches.reduce((t, b) => t + inner(b.States, b.StartAt), 0));
    case 'Map': {
      const items = ctx.steps.has(name) ? 1 : Math.max(1, ctx.compensable.length);
      return onward(1 + items * inner(s.ItemProcessor.States, s.ItemProcessor.StartAt));
    }
    case 'Task': {
      const own = 1 + (s.Retry ?? []).reduce((t, r) => t + (r.MaxAttempts ?? 3), 0);
      const outer = ctx.outerRetries.get(name);
      if (outer === undefined) return onward(own);
      // Each slow retry: Choice + counter Pass + Wait, then the step again; exhaustion: Choice + Fail.
      return (outer + 1) * own + 3 * outer + Math.max(sub(next(s)), 2);
    }
    default:
      return 1 + sub(next(s));
  }
}

function durationCost(s: AslState, sub: Sub): number {
  const inner = (st: States, start: string): number => walk(st, start, durationCost);
  switch (s.Type) {
    case 'Task':
      return ASSUMED_CALL_SECONDS + sub(next(s));
    case 'Wait':
      return (s.Seconds ?? 0) + sub(next(s));
    case 'Choice':
      return Math.max(...s.Choices.map((c) => sub(c.Next)), ...(s.Default ? [sub(s.Default)] : []));
    case 'Parallel':
      return Math.max(0, ...s.Branches.map((b) => inner(b.States, b.StartAt))) + sub(next(s));
    case 'Map':
      return inner(s.ItemProcessor.States, s.ItemProcessor.StartAt) + sub(next(s));
    default:
      return sub(next(s));
  }
}

function worstDelay(ctx: CompileContext, s: AslState, sub: Sub, name: string): number {
  const inner = (st: States, start: string): number => walk(st, start, (x, y, n) => worstDelay(ctx, x, y, n));
  const onward = (own: number): number => own + Math.max(sub(next(s)), ...catchTargets(s).map(sub));
  switch (s.Type) {
    case 'Task': {
      const waits = (s.Retry ?? []).reduce((t, r) => t + retryDelays(r).reduce((a, b) => a + b, 0), 0);
      const timeout = s.TimeoutSeconds ?? 0;
      const attempts = 1 + (s.Retry ?? []).reduce((t, r) => t + (r.MaxAttempts ?? 3), 0);
      const round = waits + attempts * timeout;
      const outer = ctx.outerRetries.get(name);
      if (outer === undefined) return onward(round);
      const handler = ctx.handlers.get(name);
      const backoff = handler?.action === 'retry' ? handler.backoff_seconds : 0;
      return (outer + 1) * round + outer * backoff + sub(next(s));
    }
    case 'Wait':
      return (s.TimestampPath !== undefined ? Number.POSITIVE_INFINITY : (s.Seconds ?? 0)) + sub(next(s));
    case 'Choice':
      return Math.max(...s.Choices.map((c) => sub(c.Next)), ...(s.Default ? [sub(s.Default)] : []));
    case 'Parallel':
      return onward(Math.max(0, ...s.Branches.map((b) => inner(b.States, b.StartAt))));
    case 'Map':
      return onward(inner(s.ItemProcessor.States, s.ItemProcessor.StartAt));
    default:
      return sub(next(s));
  }
}

function forEachState(states: States, fn: (name: string, s: AslState) => void): void {
  for (const [name, s] of Object.entries(states)) {
    fn(name, s);
    if (s.Type === 'Parallel') for (const b of s.Branches) forEachState(b.States, fn);
    if (s.Type === 'Map') forEachState(s.ItemProcessor.States, fn);
  }
}

function countStates(states: States): number {
  let n = 0;
  forEachState(states, () => {
    n++;
  });
  return n;
}

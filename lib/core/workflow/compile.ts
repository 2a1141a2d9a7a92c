/**
 * The workflow compiler: a validated workflow document → an ASL state machine (JSONPath only) and a report.
 *
 * - Each user step is one state named exactly after the step; the start handler provides `{execution, context,
 *   steps: {}}`, so no bookkeeping state runs on the happy path.
 * - Each list of steps is decomposed into a series-parallel tree (`sp.ts`): sequences chain by `Next`, parallel
 *   parts become a `Parallel` state whose branch outputs are merged back into one document with `States.JsonMerge`.
 * - Step Tasks carry the pause retrier/park Catch and their error handler's route (`compile-handlers.ts`).
 */
import type { AslParallelState, AslState, AslStateMachine } from './asl.ts';
import { addState, type CompileContext, type ListParallelism, type Scope, transition } from './compile-context.ts';
import { addCompensationFlow, COMPENSATE_SIGNAL_CATCH } from './compile-handlers.ts';
import { compilePrime, type DagStrategy, type JoinsSummary } from './compile-joins.ts';
import { compileStep } from './compile-steps.ts';
import { buildStepGraph, criticalPath } from './dag.ts';
import { WorkflowValidationError } from './errors.ts';
import { allSteps } from './names.ts';
import { presentResults } from './payload.ts';
import { buildReport, type CompileReport } from './report.ts';
import { dagReport } from './report-joins.ts';
import type { WorkflowDocument, WorkflowStep } from './schema.ts';
import { type SpTree, seededRandom, seriesParallelize, treeMakespan } from './sp.ts';
import { validateWorkflow } from './validate.ts';

/** Options of `compileWorkflow`. */
export interface CompileOptions {
  /** The whole run's limit (ASL `TimeoutSeconds`); overrides the workflow's `timeout`. */
  stateMachineTimeoutSeconds?: number;
  /** Overrides the workflow's `dag` strategy (the report compiles the other one to show both costs). */
  dag?: DagStrategy;
}

/** The compiled state machine and its report. */
export interface CompileResult {
  asl: AslStateMachine;
  report: CompileReport;
}

/**
 * Compiles a workflow. The document is validated first (it may come from an untyped source); an invalid one
 * throws `WorkflowValidationError` with every problem.
 */
export function compileWorkflow(workflow: WorkflowDocument, options: CompileOptions = {}): CompileResult {
  const checked = validateWorkflow(workflow);
  if (!checked.ok) throw new WorkflowValidationError(checked.problems);
  const compiled = compileChecked(workflow, options);
  const other = compiled.strategy === 'exact' ? 'phased' : 'exact';
  const needsOther = compiled.ctx.parallelism.some((l) => !l.series_parallel) && !compiled.ctx.express;
  const alternative = needsOther ? compileChecked(workflow, { ...options, dag: other }) : undefined;
  const report = buildReport(compiled.ctx, compiled.asl);
  const dag = dagReport(compiled, alternative);
  return { asl: compiled.asl, report: dag ? { ...report, dag } : report };
}

/** One compilation with a fixed DAG strategy (the document is valid). */
export interface CompiledWith {
  asl: AslStateMachine;
  ctx: CompileContext;
  strategy: DagStrategy;
  joins: JoinsSummary;
}

function compileChecked(workflow: WorkflowDocument, options: CompileOptions): CompiledWith {
  const located = allSteps(workflow);
  const express = workflow.execution_type === 'express';
  // Joins wait for callbacks, which Express refuses: an Express workflow keeps the phased schedule.
  const strategy: DagStrategy = express ? 'phased' : (options.dag ?? workflow.dag ?? 'exact');
  const joins: JoinsSummary = { joins: [], completion_states: [] };
  const ctx: CompileContext = {
    workflow,
    express,
    handlers: new Map((workflow.definition.error_handlers ?? []).map((h) => [h.step, h.on_error])),
    steps: new Map(located.map((l) => [l.step.name, l.step])),
    outerRetries: new Map(),
    compensable: located.filter((l) => l.step.compensation !== undefined).map((l) => l.step.name),
    needsCompensationFlow: false,
    needsCompensationDecode: false,
    parallelCount: 0,
    parallelism: [],
    notes: new Set(),
    present: presentResults(workflow),
    compileList: (steps, next, scope, path) => compileList(ctx, steps, next, scope, path, strategy, joins),
  };
  const top: Scope = { states: {}, inMap: false, topLevel: true };
  const start = ctx.compileList(workflow.definition.steps, undefined, top, 'definition.steps');
  if (ctx.needsCompensationFlow) addCompensationFlow(top, ctx.needsCompensationDecode);
  const timeout =
    options.stateMachineTimeoutSeconds ??
    (workflow.timeout !== undefined ? Math.ceil(workflow.timeout / 1000) : ctx.express ? 300 : undefined);
  const asl: AslStateMachine = {
    Comment: `${workflow.name}${workflow.version ? ` ${workflow.version}` : ''}: compiled by Steward`,
    StartAt: start,
    States: orderStates(top.states, start),
    ...(timeout !== undefined ? { TimeoutSeconds: timeout } : {}),
  };
  return { asl, ctx, strategy, joins };
}

function compileList(
  ctx: CompileContext,
  steps: WorkflowStep[],
  next: string | undefined,
  scope: Scope,
  path: string,
  strategy: DagStrategy,
  joins: JoinsSummary,
): string {
  const graph = buildStepGraph(steps);
  const sp = seriesParallelize(graph, { primes: strategy === 'exact' ? 'keep' : 'split' });
  ctx.parallelism.push(measure(graph, sp.tree, sp, path, strategy));
  if (sp.forcedSplits > 0) {
    ctx.notes.add(
      `${path}: not series-parallel; ${sp.addedOrderings} ordering(s) added in ${sp.forcedSplits} split(s)`,
    );
  }
  const compileTree = (tree: SpTree, after: string | undefined, into: Scope): string => {
    if (tree.kind === 'step') return compileStep(ctx, steps[tree.index]!, after, into, `${path}[${tree.index}]`);
    if (tree.kind === 'seq')
      return tree.parts.reduceRight<string | undefined>((n, part) => compileTree(part, n, into), after)!;
    if (tree.kind === 'prime') {
      return compilePrime(ctx, joins, steps, graph, tree.nodes, after, into, path, (chains, next, s, branch) =>
        parallel(ctx, chains, next, s, branch),
      );
    }
    return parallel(ctx, tree.parts, after, into, (part, branch) => compileTree(part, undefined, branch));
  };
  return compileTree(sp.tree, next, scope);
}

function parallel<T>(
  ctx: CompileContext,
  parts: T[],
  next: string | undefined,
  scope: Scope,
  compileBranch: (part: T, branch: Scope) => string,
): string {
  const name = `parallel.${++ctx.parallelCount}`;
  const branches = parts.map((part) => {
    const branch: Scope = { states: {}, inMap: scope.inMap, topLevel: false };
    const start = compileBranch(part, branch);
    return { StartAt: start, States: branch.states };
  });
  const inside = new Set(branches.flatMap((b) => stateNames(b.States)));
  const compensates = [...ctx.handlers].some(([n, h]) => h.action === 'compensate' && inside.has(n));
  if (compensates && scope.topLevel) ctx.needsCompensationDecode = true;
  const state: AslParallelState = {
    Type: 'Parallel',
    Branches: branches,
    ResultSelector: {
      'execution.$': '$[0].execution',
      'context.$': '$[0].context',
      'steps.$': mergeSteps(0, branches.length),
      ...(scope.inMap ? { 'item.$': '$[0].item' } : {}),
    },
    ...(compensates && scope.topLevel ? { Catch: [COMPENSATE_SIGNAL_CATCH] } : {}),
    ...transition(next),
  };
  return addState(scope, name, state);
}

/** `States.JsonMerge` over branch outputs `[lo, hi)`, as a balanced tree (nesting depth ⌈log2 n⌉). */
function mergeSteps(lo: number, hi: number): string {
  if (hi - lo === 1) return `$[${lo}].steps`;
  const mid = (lo + hi) >>> 1;
  return `States.JsonMerge(${mergeSteps(lo, mid)}, ${mergeSteps(mid, hi)}, false)`;
}

/** Every state name in a States map, nested branches and item processors included. */
export function stateNames(states: Record<string, AslState>): string[] {
  return Object.entries(states).flatMap(([name, s]) => {
    if (s.Type === 'Parallel') return [name, ...s.Branches.flatMap((b) => stateNames(b.States))];
    if (s.Type === 'Map') return [name, ...stateNames(s.ItemProcessor.States)];
    return [name];
  });
}

function measure(
  graph: ReturnType<typeof buildStepGraph>,
  tree: SpTree,
  sp: ReturnType<typeof seriesParallelize>,
  path: string,
  strategy: DagStrategy,
): ListParallelism {
  const unit = (): number => 1;
  const unitRatio = treeMakespan(tree, unit, graph) / Math.max(1, criticalPath(graph, unit));
  let expected = 1;
  if (sp.forcedSplits > 0) {
    const random = seededRandom(7);
    let total = 0;
    const draws = 200;
    for (let d = 0; d < draws; d++) {
      const w = graph.names.map(() => random());
      total += treeMakespan(tree, (i) => w[i]!, graph) / criticalPath(graph, (i) => w[i]!);
    }
    expected = total / draws;
  }
  const seriesParallel = sp.forcedSplits === 0 && sp.primeParts === 0;
  return {
    path,
    steps: graph.names.length,
    exact: sp.forcedSplits === 0,
    series_parallel: seriesParallel,
    strategy: seriesParallel ? 'series-parallel' : strategy === 'exact' ? 'joins' : 'phased',
    added_orderings: sp.addedOrderings,
    forced_splits: sp.forcedSplits,
    unit_makespan_ratio: round(unitRatio),
    expected_makespan_ratio: round(expected),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * States in reading order: the happy path first (following Next, Choice targets, Default), then error routes as they
 * are reached (Catch targets), so golden files and the console read top to bottom.
 */
function orderStates(states: Record<string, AslState>, start: string): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  const queue = [start];
  const later: string[] = [];
  const visit = (name: string): void => {
    const s = states[name];
    if (!s || name in out) return;
    out[name] = reorderNested(s);
    const nexts: string[] = [];
    if ('Next' in s && typeof s.Next === 'string') nexts.push(s.Next);
    if (s.Type === 'Choice') nexts.push(...s.Choices.map((c) => c.Next), ...(s.Default ? [s.Default] : []));
    queue.push(...nexts);
    if (s.Type === 'Task' || s.Type === 'Parallel' || s.Type === 'Map')
      later.push(...(s.Catch ?? []).map((c) => c.Next));
  };
  while (queue.length > 0 || later.length > 0) {
    const name = queue.length > 0 ? queue.shift()! : later.shift()!;
    visit(name);
  }
  for (const [name, s] of Object.entries(states)) if (!(name in out)) out[name] = reorderNested(s);
  return out;
}

function reorderNested(s: AslState): AslState {
  if (s.Type === 'Parallel') {
    return { ...s, Branches: s.Branches.map((b) => ({ ...b, States: orderStates(b.States, b.StartAt) })) };
  }
  if (s.Type === 'Map') {
    const p = s.ItemProcessor;
    return { ...s, ItemProcessor: { ...p, States: orderStates(p.States, p.StartAt) } };
  }
  return s;
}

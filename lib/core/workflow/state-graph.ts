/**
 * The compiled state machine of a workflow as a graph of nodes and edges, for the console's run and workflow pages.
 *
 * Built from the ASL the compiler emits (not from the document), so it shows what Step Functions really runs: choices,
 * maps, parallel branches and where they join, exact-DAG joins, error-handler routes (fallbacks, slow retries,
 * notifications, compensation), pause park states and each step's fast retriers. Every node names the user step it
 * belongs to, so a run's step statuses can colour it. Parallel and Map states get a synthesized join node where their
 * branches (or items) meet, which makes the whole machine one flat graph a layout library can place.
 */
import type { AslBranch, AslChoiceRule, AslRetrier, AslState } from './asl.ts';
import type { CompileResult } from './compile.ts';
import { COMPENSATE_DECODE, COMPENSATE_ENTRY } from './compile-context.ts';
import { completeStateName, joinStateName } from './compile-joins.ts';
import { allSteps } from './names.ts';
import { PAUSED_RETRIER } from './retry.ts';
import type { StepType, WorkflowDocument } from './schema.ts';

/** What a node stands for. */
export type StateNodeKind =
  | 'start'
  | 'end'
  /** The state of a user step (Task, Choice, Wait, Map, Succeed, Fail). */
  | 'step'
  /** A Parallel state: its branches start here. */
  | 'parallel'
  /** Where a Parallel's branches or a Map's items meet, or an exact-DAG join waiting for other branches. */
  | 'join'
  /** Pause park state: a paused run waits here until resumed. */
  | 'park'
  /** The slow retries of a `retry` error handler (counter, wait, exhaustion). */
  | 'retry'
  /** Sends a `notify` error handler's notification. */
  | 'notify'
  /** Compensation (saga): loads the completed steps and undoes them in reverse. */
  | 'compensation'
  /** Releases the exact-DAG joins waiting for a step. */
  | 'complete'
  /** A Fail state Steward adds (cancelled, handler exhausted, failure re-raised). */
  | 'fail'
  /** Any other helper state (a `continue` handler's Pass, an empty choice branch). */
  | 'pass';

/** How control moves along an edge. */
export type StateEdgeKind =
  | 'next'
  | 'choice'
  | 'default'
  /** A Catch: the label names the errors. */
  | 'catch'
  /** Parallel → the first state of a branch. */
  | 'branch'
  /** Map → the first state of its item processor. */
  | 'item'
  /** The end of a branch or an item → the join node. */
  | 'merge'
  /** Park state → the step it re-enters on resume. */
  | 'resume'
  /** A slow retry's wait → the step it runs again. */
  | 'retry'
  /** Exact DAG: a dependency in another branch → the join that waits for it (a callback, not a transition). */
  | 'waits_for';

/** A step's fast retrier (ASL `Retry`), as the console shows it. */
export interface StateRetrier {
  errors: string[];
  max_attempts: number;
  interval_seconds: number;
  backoff_rate: number;
  max_delay_seconds?: number;
  jitter: boolean;
}

/** One node of the compiled graph. */
export interface StateNode {
  /** Unique in the graph; the ASL state name (join nodes: `<state>/join`). */
  id: string;
  kind: StateNodeKind;
  label: string;
  /** The ASL state name, absent for start, end and synthesized joins. */
  state?: string;
  /** ASL `Type`. */
  asl_type?: AslState['Type'];
  /** The user step this state belongs to (its own state, park, handler route, join). */
  step?: string;
  step_type?: StepType;
  /** Set on a fallback step: the step whose failure runs it. */
  fallback_for?: string;
  /** The Parallel or Map node the state runs inside. */
  parent?: string;
  /** Branch index within the parent Parallel. */
  branch?: number;
  retriers?: StateRetrier[];
  timeout_seconds?: number;
  /** A callback task (`.waitForTaskToken`): the run waits for an answer (events, sub-workflows, joins, pause). */
  waits?: boolean;
}

/** One edge of the compiled graph. */
export interface StateEdge {
  from: string;
  to: string;
  kind: StateEdgeKind;
  label?: string;
}

/** The compiled graph of a workflow. */
export interface StateGraph {
  start: string;
  end: string;
  nodes: StateNode[];
  edges: StateEdge[];
}

const START = 'start';
const END = 'end';
const HELPER_SUFFIX: Record<string, StateNodeKind> = {
  paused: 'park',
  cancelled: 'fail',
  retry: 'retry',
  retry_first: 'retry',
  retry_count: 'retry',
  retry_wait: 'retry',
  retry_exhausted: 'fail',
  notify: 'notify',
  failed: 'fail',
  continued: 'pass',
  done: 'pass',
  compensate_raise: 'compensation',
  compensate_signal: 'compensation',
  join: 'join',
  complete: 'complete',
};
const SHARED_COMPENSATION = new Set([COMPENSATE_ENTRY, COMPENSATE_DECODE, 'compensate.run', 'compensate.step']);

/**
 * Builds the graph of a compiled workflow. `workflow` must be the document `compiled` came from (it gives each state
 * its step type and the fallback steps their owner); the report's joins add the exact-DAG `waits_for` edges.
 */
export function stateGraph(workflow: WorkflowDocument, compiled: CompileResult): StateGraph {
  const { asl, report } = compiled;
  const steps = new Map(allSteps(workflow).map((l) => [l.step.name, l]));
  const nodes: StateNode[] = [{ id: START, kind: 'start', label: 'start' }];
  const edges: StateEdge[] = [{ from: START, to: asl.StartAt, kind: 'next' }];
  const ids = new Set<string>([START, END]);

  const owner = (name: string): string | undefined => {
    if (steps.has(name)) return name;
    if (SHARED_COMPENSATION.has(name) || name === 'compensate.fail' || /^parallel\.\d+$/.test(name)) return undefined;
    const dot = name.indexOf('.');
    const prefix = dot > 0 ? name.slice(0, dot) : undefined;
    return prefix !== undefined && steps.has(prefix) ? prefix : undefined;
  };

  const kindOf = (name: string, s: AslState, step: string | undefined): StateNodeKind => {
    if (step === name) return 'step';
    if (SHARED_COMPENSATION.has(name)) return 'compensation';
    if (name === 'compensate.fail') return 'fail';
    if (s.Type === 'Parallel') return 'parallel';
    if (step !== undefined) {
      const suffix = name.slice(step.length + 1);
      const kind = HELPER_SUFFIX[suffix];
      if (kind) return kind;
    }
    return s.Type === 'Fail' ? 'fail' : 'pass';
  };

  /** Adds the states of one scope; `exit` is where a state without `Next` continues (a join, or the end). */
  const addScope = (branch: AslBranch, exit: string, parent?: string, branchIndex?: number): void => {
    for (const [name, s] of Object.entries(branch.States)) {
      const step = owner(name);
      const kind = kindOf(name, s, step);
      const located = step !== undefined ? steps.get(step) : undefined;
      const node: StateNode = {
        id: name,
        kind,
        label: labelOf(name, kind, step),
        state: name,
        asl_type: s.Type,
        ...(step !== undefined ? { step } : {}),
        ...(kind === 'step' && located ? { step_type: located.step.step_type } : {}),
        ...(kind === 'step' && located?.fallbackFor ? { fallback_for: located.fallbackFor } : {}),
        ...(parent !== undefined ? { parent } : {}),
        ...(branchIndex !== undefined ? { branch: branchIndex } : {}),
        ...taskDetails(s),
      };
      if (!ids.has(name)) {
        ids.add(name);
        nodes.push(node);
      }
      addEdgesOf(name, s, kind, exit, parent, branchIndex);
    }
  };

  const addEdgesOf = (
    name: string,
    s: AslState,
    kind: StateNodeKind,
    exit: string,
    parent: string | undefined,
    branchIndex: number | undefined,
  ): void => {
    const step = owner(name);
    const onward = (to: string): StateEdge => {
      if (kind === 'park') return { from: name, to, kind: 'resume', label: 'resume' };
      if (kind === 'retry' && to === step) return { from: name, to, kind: 'retry', label: 'retry' };
      return { from: name, to, kind: 'next' };
    };
    if (s.Type === 'Choice') {
      for (const rule of s.Choices) edges.push({ from: name, to: rule.Next, kind: 'choice', label: ruleText(rule) });
      if (s.Default !== undefined) edges.push({ from: name, to: s.Default, kind: 'default', label: 'otherwise' });
    } else if (s.Type === 'Parallel' || s.Type === 'Map') {
      const join = `${name}/join`;
      ids.add(join);
      nodes.push({
        id: join,
        kind: 'join',
        label: s.Type === 'Parallel' ? 'join' : step !== undefined ? `every item of ${step} done` : 'every item done',
        ...(step !== undefined ? { step } : {}),
        ...(parent !== undefined ? { parent } : {}),
        ...(branchIndex !== undefined ? { branch: branchIndex } : {}),
      });
      const inner = s.Type === 'Parallel' ? s.Branches : [s.ItemProcessor];
      inner.forEach((b, i) => {
        edges.push({
          from: name,
          to: b.StartAt,
          kind: s.Type === 'Parallel' ? 'branch' : 'item',
          label: s.Type === 'Parallel' ? `branch ${i + 1}` : 'each item',
        });
        addScope(b, join, name, s.Type === 'Parallel' ? i : undefined);
      });
      edges.push(
        s.Next !== undefined ? { from: join, to: s.Next, kind: 'next' } : { from: join, to: exit, kind: 'next' },
      );
    } else if (s.Type !== 'Fail') {
      const next = 'Next' in s && typeof s.Next === 'string' ? s.Next : undefined;
      if (next !== undefined) edges.push(onward(next));
      else edges.push({ from: name, to: exit, kind: exit === END ? 'next' : 'merge' });
    }
    if (s.Type === 'Task' || s.Type === 'Parallel' || s.Type === 'Map') {
      for (const c of s.Catch ?? [])
        edges.push({ from: name, to: c.Next, kind: 'catch', label: catchLabel(c.ErrorEquals) });
    }
  };

  addScope({ StartAt: asl.StartAt, States: asl.States }, END);
  for (const join of report.dag?.joins ?? []) {
    for (const dependency of join.waits_for) {
      const from = ids.has(completeStateName(dependency)) ? completeStateName(dependency) : dependency;
      edges.push({ from, to: joinStateName(join.step), kind: 'waits_for', label: 'waits for' });
    }
  }
  nodes.push({ id: END, kind: 'end', label: 'end' });
  return { start: START, end: END, nodes, edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
}

function labelOf(name: string, kind: StateNodeKind, step: string | undefined): string {
  if (kind === 'step' || step === undefined) return name;
  switch (kind) {
    case 'park':
      return `${step} paused`;
    case 'join':
      return `${step} waits for its other dependencies`;
    case 'complete':
      return `${step} done: release joins`;
    default:
      return name;
  }
}

function taskDetails(s: AslState): Pick<StateNode, 'retriers' | 'timeout_seconds' | 'waits'> {
  if (s.Type !== 'Task') return {};
  const retriers = (s.Retry ?? []).filter((r) => r.ErrorEquals[0] !== PAUSED_RETRIER.ErrorEquals[0]).map(retrier);
  return {
    ...(retriers.length > 0 ? { retriers } : {}),
    ...(s.TimeoutSeconds !== undefined ? { timeout_seconds: s.TimeoutSeconds } : {}),
    ...(s.Resource.endsWith('.waitForTaskToken') ? { waits: true } : {}),
  };
}

function retrier(r: AslRetrier): StateRetrier {
  return {
    errors: [...r.ErrorEquals],
    // ASL defaults: 3 attempts, 1 s, rate 2.
    max_attempts: r.MaxAttempts ?? 3,
    interval_seconds: r.IntervalSeconds ?? 1,
    backoff_rate: r.BackoffRate ?? 2,
    ...(r.MaxDelaySeconds !== undefined ? { max_delay_seconds: r.MaxDelaySeconds } : {}),
    jitter: r.JitterStrategy === 'FULL',
  };
}

function catchLabel(errors: readonly string[]): string {
  return errors
    .map((e) =>
      e === 'States.ALL' ? 'on error' : e === 'Steward.Paused' ? 'paused' : e === 'Steward.Cancelled' ? 'cancelled' : e,
    )
    .join(', ');
}

const OPERATORS: ReadonlyArray<[RegExp, string]> = [
  [/Equals(Path)?$/, '='],
  [/GreaterThanEquals(Path)?$/, '≥'],
  [/LessThanEquals(Path)?$/, '≤'],
  [/GreaterThan(Path)?$/, '>'],
  [/LessThan(Path)?$/, '<'],
  [/Matches$/, 'matches'],
];

/** An ASL choice rule as short text: `$.context.priority = "express"`. */
export function ruleText(rule: AslChoiceRule): string {
  if (Array.isArray(rule.And)) return (rule.And as AslChoiceRule[]).map(ruleText).join(' and ');
  if (Array.isArray(rule.Or)) {
    const parts = (rule.Or as AslChoiceRule[]).map((r) => (Array.isArray(r.And) ? `(${ruleText(r)})` : ruleText(r)));
    return parts.join(' or ');
  }
  if (rule.Not !== undefined) return `not (${ruleText(rule.Not as AslChoiceRule)})`;
  const variable = String(rule.Variable ?? '');
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next') continue;
    if (key === 'IsPresent') return value ? `${variable} exists` : `${variable} missing`;
    if (key === 'IsNull') return value ? `${variable} is null` : `${variable} is not null`;
    if (key.startsWith('Is')) return `${variable} is ${key.slice(2).toLowerCase()}`;
    const op = OPERATORS.find(([re]) => re.test(key));
    if (op) return `${variable} ${op[1]} ${JSON.stringify(value)}`;
  }
  return variable;
}

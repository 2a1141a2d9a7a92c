/**
 * Step and run statuses as the console shows them: a word, an icon and a tone. The tone picks a colour, but the word
 * and the icon always say the same thing, so nothing depends on telling colours apart.
 */
import type { StateGraphView } from '../../../lib/core/api/schemas/responses/graph.ts';

/** Colour family of a status (the stylesheet maps each to colours with enough contrast). */
export type Tone = 'ok' | 'active' | 'wait' | 'warn' | 'bad' | 'muted';

/** What a status looks like. */
export interface StatusLook {
  /** The status in words (also the accessible name). */
  text: string;
  icon: string;
  tone: Tone;
}

/** Statuses a graph node can have during a run. */
export type NodeStatus =
  | 'not_run'
  | 'running'
  | 'waiting'
  | 'paused'
  | 'completed'
  | 'failed'
  | 'failed_continued'
  | 'compensated'
  | 'skipped'
  | 'cancelled';

const LOOKS: Record<string, StatusLook> = {
  not_run: { text: 'not run', icon: '○', tone: 'muted' },
  created: { text: 'created', icon: '○', tone: 'muted' },
  queued: { text: 'queued', icon: '…', tone: 'muted' },
  running: { text: 'running', icon: '▶', tone: 'active' },
  waiting: { text: 'waiting', icon: '⏳', tone: 'wait' },
  paused: { text: 'paused', icon: '⏸', tone: 'wait' },
  completed: { text: 'completed', icon: '✓', tone: 'ok' },
  failed: { text: 'failed', icon: '✕', tone: 'bad' },
  failed_continued: { text: 'failed, continued', icon: '⚠', tone: 'warn' },
  compensated: { text: 'compensated', icon: '↺', tone: 'warn' },
  skipped: { text: 'skipped', icon: '⤼', tone: 'muted' },
  cancelled: { text: 'cancelled', icon: '■', tone: 'bad' },
};

/** The look of a step or run status; an unknown status is shown as itself. */
export function statusLook(status: string): StatusLook {
  return LOOKS[status] ?? { text: status.replace(/_/g, ' '), icon: '•', tone: 'muted' };
}

/** The run facts node statuses depend on. */
export interface RunFacts {
  status: string;
  current_step: string | null;
}

/** A step record's facts. */
export interface StepFacts {
  step: string;
  status: string;
}

/**
 * The status of every step node of a run's graph: the step's record when it has one (a map step's items share the
 * step name: the worst item wins), `paused` for the step a paused run stopped before, `waiting` for an event wait
 * still running, `cancelled` for the step a cancelled run was in, and `not_run` otherwise.
 */
export function nodeStatuses(
  graph: StateGraphView,
  run: RunFacts,
  steps: readonly StepFacts[],
): Map<string, NodeStatus> {
  const byStep = new Map<string, string>();
  for (const s of steps) byStep.set(s.step, worse(byStep.get(s.step), s.status));
  const out = new Map<string, NodeStatus>();
  for (const node of graph.nodes) {
    if (node.kind !== 'step' || node.step === undefined) continue;
    const recorded = byStep.get(node.step);
    let status: NodeStatus = (recorded as NodeStatus | undefined) ?? 'not_run';
    if (status === 'running' && node.step_type === 'event_wait') status = 'waiting';
    if (run.current_step === node.step && (status === 'running' || status === 'waiting' || status === 'not_run')) {
      if (run.status === 'paused') status = 'paused';
      else if (run.status === 'cancelled') status = 'cancelled';
    }
    if (!(status in LOOKS)) status = 'not_run';
    out.set(node.id, status);
  }
  return out;
}

const RANK = ['failed', 'running', 'waiting', 'failed_continued', 'compensated', 'completed', 'skipped'];

function worse(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  const ra = RANK.indexOf(a);
  const rb = RANK.indexOf(b);
  return (ra === -1 ? RANK.length : ra) <= (rb === -1 ? RANK.length : rb) ? a : b;
}

/** Counts of node statuses, in a fixed order, for the legend. */
export function statusCounts(statuses: ReadonlyMap<string, NodeStatus>): Array<{ status: NodeStatus; count: number }> {
  const order: NodeStatus[] = [
    'completed',
    'running',
    'waiting',
    'paused',
    'failed',
    'failed_continued',
    'compensated',
    'skipped',
    'cancelled',
    'not_run',
  ];
  const counts = new Map<NodeStatus, number>();
  for (const s of statuses.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  return order.filter((s) => counts.has(s)).map((status) => ({ status, count: counts.get(status)! }));
}

/**
 * Event triggers that would start a workflow from its own runs' events. Every run publishes `workflow.*` events on
 * Steward's bus (source `steward`); a trigger whose pattern matches one of them starts a run from each run, which
 * publishes more of them, without end (and on AWS, each start is billed). The validator refuses such a pattern by
 * matching it against realistic bus events of every type a run of the workflow publishes; the trigger function
 * skips, at run time, any event a run of the workflow it would start published (see
 * `lambdas/workflow-trigger/input.ts`), for patterns that filter on fields these samples do not carry.
 */
import { type EventPattern, matchesPattern } from '../events/pattern.ts';
import { STEWARD_EVENT_SOURCE } from '../events/types.ts';
import { deployedWorkflowId } from '../execution/ids.ts';
import type { BusEvent } from '../routing/bus.ts';
import { allSteps } from './names.ts';
import type { WorkflowDocument } from './schema.ts';

/** A bus event as an EventBridge rule sees it: the envelope, with Steward's event as `detail`. */
export interface SampleBusEvent extends BusEvent {
  detail: { id: string; type: string; source: string; timestamp: string; correlation_id: string; data: unknown };
}

const EXECUTION_ID = '3f2b8c1e-7d4a-5e6f-9a0b-1c2d3e4f5a6b';
const TIME = '2025-01-01T00:00:00.000Z';

/** The envelope PutEvents gives a Steward event (lambdas/shared/events.ts: Source, DetailType, Detail). */
function busEvent(type: string, data: Record<string, unknown>, n: number): SampleBusEvent {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    version: '0',
    id,
    'detail-type': type,
    source: STEWARD_EVENT_SOURCE,
    account: '123456789012',
    time: TIME,
    region: 'us-east-1',
    resources: [],
    // Through JSON, as on the bus: fields left undefined by the publisher are absent.
    detail: JSON.parse(
      JSON.stringify({ id, type, source: STEWARD_EVENT_SOURCE, timestamp: TIME, correlation_id: EXECUTION_ID, data }),
    ),
  };
}

/**
 * The `workflow.*` lifecycle events of one run (lambdas/status-handler/lifecycle.ts `workflowEvent`,
 * lambdas/api-executions/commands.ts for pause and resume), with their data fields.
 */
function lifecycleData(
  workflowId: string,
  name: string,
  version: string,
  failedStep: string | undefined,
): Array<[string, Record<string, unknown>]> {
  const base = (status: string) => ({
    execution_id: EXECUTION_ID,
    workflow_id: workflowId,
    workflow_type: name,
    workflow_version: version,
    status,
    context: {},
  });
  return [
    ['workflow.started', { ...base('running'), initiated_by: 'api' }],
    ['workflow.paused', { ...base('paused'), requested_by: 'api-key:operator' }],
    ['workflow.resumed', { ...base('running'), requested_by: 'api-key:operator' }],
    ['workflow.completed', { ...base('completed'), result: {} }],
    [
      'workflow.failed',
      {
        ...base('failed'),
        error_details: { error: 'Steward.ServiceError', cause: 'the service answered 500', step: failedStep },
      },
    ],
    ['workflow.cancelled', { ...base('cancelled'), cancel_reason: 'cancelled by api-key:operator' }],
  ];
}

/** The step events of one `service_call` step (lambdas/step-runner/step-events.ts, service-call.ts). */
function stepData(workflowId: string, step: string, service: string): Array<[string, Record<string, unknown>]> {
  const base = { execution_id: EXECUTION_ID, workflow_id: workflowId, step, service, attempt: 1 };
  const failure = { error: 'Steward.ServiceError', cause: 'the service answered 500', last_attempt: true };
  return [
    ['workflow.step_started', base],
    ['workflow.step_completed', { ...base, duration_ms: 120 }],
    ['workflow.step_failed', { ...base, ...failure, status: 'failed' }],
    ['workflow.step_failed', { ...base, ...failure, status: 'failed_continued' }],
  ];
}

/** Whose runs a sample event comes from. */
export interface SampleOrigin {
  /** The workflow itself, or one of its `sub_workflow` children (which it starts on every run). */
  workflow: string;
  self: boolean;
}

/**
 * Realistic bus events of every type a run of `doc` publishes: its lifecycle events and those of each `service_call`
 * step, filled with its name, version, step names and services, once per id it may have (`workflowIds`, plus the id
 * a deployed workflow of that name has); and the lifecycle events of the sub-workflows its runs start.
 */
export function ownEventSamples(
  doc: WorkflowDocument,
  workflowIds: readonly string[] = [],
): Array<{ event: SampleBusEvent; origin: SampleOrigin }> {
  const ids = [...new Set([...workflowIds, deployedWorkflowId(doc.name)])];
  const version = doc.version ?? '1';
  const steps = allSteps(doc).map((l) => l.step);
  const out: Array<{ event: SampleBusEvent; origin: SampleOrigin }> = [];
  const add = (list: Array<[string, Record<string, unknown>]>, origin: SampleOrigin) => {
    for (const [type, data] of list) out.push({ event: busEvent(type, data, out.length), origin });
  };
  for (const id of ids) {
    const self = { workflow: doc.name, self: true };
    add(lifecycleData(id, doc.name, version, steps[0]?.name), self);
    for (const step of steps) if (step.step_type === 'service_call') add(stepData(id, step.name, step.service), self);
  }
  for (const step of steps) {
    if (step.step_type !== 'sub_workflow') continue;
    add(lifecycleData(deployedWorkflowId(step.workflow), step.workflow, '1', undefined), {
      workflow: step.workflow,
      self: false,
    });
  }
  return out;
}

/**
 * Why `pattern`, as an event trigger of `doc`, would start runs of `doc` from its own runs' events; undefined when it
 * matches none of them (a trigger on another workflow's events, chaining, is fine).
 */
export function selfTriggerProblem(
  pattern: EventPattern,
  doc: WorkflowDocument,
  workflowIds: readonly string[] = [],
): string | undefined {
  const hit = ownEventSamples(doc, workflowIds).find((s) => matchesPattern(pattern, s.event));
  if (!hit) return undefined;
  const type = hit.event['detail-type'];
  const whose = hit.origin.self
    ? `the ${type} events that every run of "${doc.name}" publishes`
    : `the ${type} events of its sub-workflow "${hit.origin.workflow}", which every run of "${doc.name}" starts`;
  return (
    `this pattern matches ${whose}: each run would start another run of the same workflow, without end. ` +
    'Narrow it to the events of other workflows or producers, e.g. "detail": {"data": {"workflow_type": ["<another workflow>"]}}'
  );
}

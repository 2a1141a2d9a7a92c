/** The `workflow.*` event types of the seed ("Event Publishing"), in the order of the table there. */
export const WORKFLOW_EVENT_TYPES = [
  'workflow.started',
  'workflow.step_started',
  'workflow.step_completed',
  'workflow.step_failed',
  'workflow.paused',
  'workflow.resumed',
  'workflow.completed',
  'workflow.failed',
  'workflow.cancelled',
] as const;

/** The `service.*` event types Steward publishes about the services it supervises. */
export const SERVICE_EVENT_TYPES = [
  'service.registered',
  'service.advertised',
  'service.health_changed',
  'service.restarted',
  'service.restart_budget_exhausted',
  'service.crash_looping',
  'service.restart_budget_reset',
  'service.retired',
  'service.disappeared',
  'service.maintenance_started',
  'service.maintenance_ended',
] as const;

export type WorkflowEventType = (typeof WORKFLOW_EVENT_TYPES)[number];
export type ServiceEventType = (typeof SERVICE_EVENT_TYPES)[number];

/** EventBridge `source` of the events Steward itself publishes. */
export const STEWARD_EVENT_SOURCE = 'steward';

/**
 * An event in the seed's shape. On the bus it travels as `Source` = `source`, `DetailType` = `type`,
 * `Detail` = this whole object, so rules can match on `detail-type` and on any field of `detail`.
 */
export interface StewardEvent<T = Record<string, unknown>> {
  id: string;
  type: string;
  source: string;
  timestamp: string;
  correlation_id?: string;
  data: T;
}

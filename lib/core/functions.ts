/**
 * Every Lambda function of Steward, as data. The stacks create one function per entry (with the grants and the
 * environment its `access` implies), local mode runs the same entries, and the bundling test bundles them all.
 */

/** What a function may touch. The stacks turn each into a scoped grant plus the environment variables it needs. */
export type Access =
  | 'registry:read'
  | 'registry:write'
  | 'history:read'
  | 'history:write'
  /** events:PutEvents on Steward's bus (EVENT_BUS_NAME). */
  | 'bus:put'
  /** Create/update/delete/publish state machines under the deployment prefix, iam:PassRole of the runtime role. */
  | 'sfn:manage'
  /**
   * Create/update/delete the EventBridge Scheduler schedules and bus rules of API-created workflows (names under the
   * deployment prefix), iam:PassRole of the trigger scheduler role to EventBridge Scheduler.
   */
  | 'triggers:manage'
  /** Start/stop/describe/redrive executions of the deployment's state machines. */
  | 'sfn:execute'
  /** SendTaskSuccess/Failure/Heartbeat. */
  | 'sfn:callback'
  /** ListStateMachines (account-level): readiness asks Step Functions to answer. */
  | 'sfn:list'
  /** UpdateService/StopTask on the managed ECS services. */
  | 'ecs:restart'
  /** DescribeServices/ListTasks/DescribeTasks/ListServices on the clusters. */
  | 'ecs:read'
  | 'sns:publish'
  /** Invoke the restarter asynchronously. */
  | 'lambda:invoke-restarter'
  /** Invoke the custom-check Lambdas named in the manifest. */
  | 'lambda:invoke-checks'
  | 'cloudmap:read';

/** How a function is triggered; the stacks wire these, local mode reproduces them from the template. */
export type Trigger =
  | 'api'
  | 'sfn-task'
  | 'bus-rule'
  | 'default-bus-rule'
  | 'schedule'
  | 'sns'
  | 'custom-resource'
  /** A CloudWatch Logs subscription (Express executions' status events). */
  | 'logs'
  | 'async';

export interface FunctionSpec {
  /** Stable id: the construct id, the function name suffix and the folder under `lambdas/`. */
  readonly id: string;
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly access: readonly Access[];
  readonly triggers: readonly Trigger[];
  /** Probing Lambdas run in the VPC to reach ECS services by their Cloud Map names. */
  readonly inVpc?: boolean;
}

const fn = (spec: Omit<FunctionSpec, 'entry'>): FunctionSpec => ({ ...spec, entry: `lambdas/${spec.id}/handler.ts` });

/** All functions, in a stable order. */
export const FUNCTIONS: readonly FunctionSpec[] = [
  fn({
    id: 'api-workflows',
    description:
      'REST: workflow definitions, versions, validation; creates the state machines of API-defined workflows',
    memoryMb: 512,
    timeoutSeconds: 29,
    access: ['registry:read', 'registry:write', 'history:read', 'history:write', 'sfn:manage', 'triggers:manage'],
    triggers: ['api'],
  }),
  fn({
    id: 'api-executions',
    description: 'REST: start, list, inspect, cancel, pause, resume executions; steps and step retries; audit',
    memoryMb: 512,
    timeoutSeconds: 29,
    access: ['registry:read', 'history:read', 'history:write', 'bus:put', 'sfn:execute', 'sfn:callback'],
    triggers: ['api'],
  }),
  fn({
    id: 'api-events',
    description: 'REST: process, list and get events; events by correlation id',
    memoryMb: 512,
    timeoutSeconds: 29,
    access: ['history:read', 'history:write', 'bus:put', 'sfn:callback'],
    triggers: ['api'],
  }),
  fn({
    id: 'api-services',
    description: 'REST: service registry, service health and status, alerts',
    memoryMb: 512,
    timeoutSeconds: 29,
    access: ['registry:read', 'registry:write', 'history:read', 'history:write', 'bus:put', 'ecs:restart'],
    triggers: ['api'],
  }),
  fn({
    id: 'api-health',
    description: "REST: Steward's own liveness, readiness and dependencies",
    memoryMb: 256,
    timeoutSeconds: 10,
    access: ['registry:read', 'history:read', 'bus:put', 'sfn:list'],
    triggers: ['api'],
  }),
  fn({
    id: 'workflow-trigger',
    description: 'Starts executions for schedules and event rules, through the same path as the API',
    memoryMb: 256,
    timeoutSeconds: 30,
    access: ['registry:read', 'history:read', 'history:write', 'bus:put', 'sfn:execute'],
    triggers: ['schedule', 'bus-rule'],
  }),
  fn({
    id: 'step-runner',
    description: 'Runs service_call steps, notifications, compensations and sub-workflow starts; releases DAG joins',
    memoryMb: 512,
    timeoutSeconds: 300,
    access: [
      'registry:read',
      'registry:write',
      'history:read',
      'history:write',
      'bus:put',
      'sfn:execute',
      'sfn:callback',
    ],
    triggers: ['sfn-task'],
    inVpc: true,
  }),
  fn({
    id: 'waiter',
    description: 'Registers event waiters and DAG joins, and parks paused runs on their task token',
    memoryMb: 256,
    timeoutSeconds: 30,
    access: ['history:read', 'history:write', 'sfn:callback'],
    triggers: ['sfn-task'],
  }),
  fn({
    id: 'event-router',
    description: "Routes events from Steward's bus to waiting steps",
    memoryMb: 512,
    timeoutSeconds: 60,
    access: ['history:read', 'history:write', 'sfn:callback'],
    triggers: ['bus-rule'],
  }),
  fn({
    id: 'status-handler',
    description:
      'Turns Step Functions status changes (events; Express execution logs) into execution records and workflow.* events',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['registry:read', 'history:read', 'history:write', 'bus:put', 'sfn:execute', 'sfn:callback'],
    triggers: ['default-bus-rule', 'logs'],
  }),
  fn({
    id: 'reconciler',
    description: 'Reconciles quiet Running/Paused executions with Step Functions',
    memoryMb: 256,
    timeoutSeconds: 300,
    // sfn:callback: a missed child-run status it applies answers the parent's task token (SendTaskSuccess/Failure).
    access: ['registry:read', 'history:read', 'history:write', 'bus:put', 'sfn:execute', 'sfn:callback'],
    triggers: ['schedule'],
  }),
  fn({
    id: 'prober',
    description: 'Probes every service of its shard six times a minute; records changes, emits metrics',
    memoryMb: 1024,
    timeoutSeconds: 70,
    access: [
      'registry:read',
      'registry:write',
      'history:write',
      'bus:put',
      'ecs:read',
      'lambda:invoke-restarter',
      'lambda:invoke-checks',
    ],
    triggers: ['schedule'],
    inVpc: true,
  }),
  fn({
    id: 'restarter',
    description: 'Restarts unhealthy ECS services within their restart budgets; applies group supervision strategies',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['registry:read', 'registry:write', 'history:write', 'bus:put', 'ecs:read', 'ecs:restart'],
    // Invoked asynchronously by the prober the moment a service turns unhealthy: no event round trip. ECS task
    // stops reach it from the default bus (crash loops).
    triggers: ['async', 'default-bus-rule'],
  }),
  fn({
    id: 'discovery',
    description: 'Registers services from advertisements, ECS clusters and Cloud Map namespaces',
    memoryMb: 512,
    timeoutSeconds: 120,
    access: ['registry:read', 'registry:write', 'bus:put', 'ecs:read', 'cloudmap:read'],
    triggers: ['schedule', 'bus-rule'],
  }),
  fn({
    id: 'alerts',
    description: 'Deduplicates, escalates, reminds and resolves alerts from alarms and Steward events',
    memoryMb: 256,
    timeoutSeconds: 60,
    access: ['registry:read', 'registry:write', 'sns:publish'],
    triggers: ['sns', 'bus-rule', 'schedule'],
  }),
  fn({
    id: 'registrar',
    description:
      'Registers deployed workflows and services in the registry, and declares their waits, at deploy time (custom resources)',
    memoryMb: 256,
    timeoutSeconds: 120,
    access: ['registry:read', 'registry:write', 'history:read', 'history:write'],
    triggers: ['custom-resource'],
  }),
];

/** The spec of one function, by id; throws on an unknown id (a programming error). */
export function functionSpec(id: string): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.id === id);
  if (!spec) throw new Error(`Unknown Steward function '${id}'`);
  return spec;
}

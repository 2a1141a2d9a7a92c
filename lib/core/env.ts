/**
 * Environment variable names shared by the stacks (which set them), the handlers (which read them once at cold start)
 * and local mode (which reads them from the synthesized template).
 */
export const ENV = {
  registryTable: 'REGISTRY_TABLE_NAME',
  historyTable: 'HISTORY_TABLE_NAME',
  eventBus: 'EVENT_BUS_NAME',
  /** Prefix of every state machine this deployment owns (deployed and API-created). */
  stateMachinePrefix: 'STATE_MACHINE_PREFIX',
  /** Role that API-created state machines run with. */
  stateMachineRoleArn: 'STATE_MACHINE_ROLE_ARN',
  stepRunnerArn: 'STEP_RUNNER_ARN',
  waiterArn: 'WAITER_ARN',
  /** Log group every Express state machine logs to (their status comes from those logs). */
  expressLogGroupArn: 'EXPRESS_LOG_GROUP_ARN',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** The workflow-trigger function: what the triggers of API-created workflows invoke. */
  workflowTriggerArn: 'WORKFLOW_TRIGGER_ARN',
  /** Role EventBridge Scheduler assumes to invoke the workflow-trigger function for API-created schedules. */
  triggerSchedulerRoleArn: 'TRIGGER_SCHEDULER_ROLE_ARN',
  /** Dead-letter queues of the schedules and of the rule targets of API-created triggers. */
  triggerScheduleDlqArn: 'TRIGGER_SCHEDULE_DLQ_ARN',
  triggerRuleDlqArn: 'TRIGGER_RULE_DLQ_ARN',
  /** Comma-separated ECS cluster ARNs the supervision handlers may act on. */
  ecsClusters: 'ECS_CLUSTER_ARNS',
  /** Comma-separated Cloud Map namespace ids the discovery handler scans. */
  cloudMapNamespaces: 'CLOUDMAP_NAMESPACE_IDS',
  /** Name of the restarter function the prober invokes asynchronously. */
  restarterFunction: 'RESTARTER_FUNCTION_NAME',
  /** Comma-separated ARNs of the custom-check Lambdas the prober may invoke. */
  customCheckFunctions: 'CUSTOM_CHECK_FUNCTION_ARNS',
  /** Outbound allow-list (hosts, `*.domain`, CIDR blocks; comma-separated): the manifest's `outbound.allow`. */
  outboundAllow: 'STEWARD_OUTBOUND_ALLOW',
  /** URLs of Steward's own endpoints, which no service call or probe may reach (comma-separated). */
  outboundOwnEndpoints: 'STEWARD_OWN_ENDPOINTS',
  /** `allow`: loopback destinations are allowed (set by local mode only, where services run on 127.0.0.1). */
  outboundLoopback: 'STEWARD_OUTBOUND_LOOPBACK',
  tier: 'STEWARD_TIER',
  /** Deployment name (`steward-dev`): resource prefix, metric dimension. */
  deployment: 'STEWARD_DEPLOYMENT',
  /** Days of history before TTL expires an item. */
  historyRetentionDays: 'HISTORY_RETENTION_DAYS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

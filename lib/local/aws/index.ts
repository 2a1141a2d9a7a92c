/**
 * Local mode's AWS-compatible endpoints: the public API the local assembly wires together.
 *
 * - {@link startAwsEndpoint}: one HTTP server for every AWS API a handler calls (point every
 *   `AWS_ENDPOINT_URL_<SERVICE>` at its `url`).
 * - {@link LambdaRunner}: runs the handlers, each in its own worker threads with its own environment.
 * - {@link StepFunctionsService}, {@link EventBridgeService}, {@link EcsService}, {@link CloudWatchService},
 *   {@link SnsService}, {@link SqsService}, {@link SecretsService}, {@link CloudMapService}: the services, each exposing its
 *   operations for the server.
 * - {@link LocalScheduler}: `rate()` / `cron()` schedules with a speed factor.
 * - {@link matchesPattern}: EventBridge event-pattern matching (pure, from lib/core).
 */
export { matchesPattern, validatePattern } from '../../core/events/pattern.ts';
export * from '../cloudmap/index.ts';
export * from '../cloudwatch/index.ts';
export * from '../ecs/index.ts';
export * from '../eventbridge/index.ts';
export * from '../lambda/index.ts';
export { LocalScheduler, parseSchedule, type ScheduleHandle } from '../scheduler.ts';
export * from '../secrets/index.ts';
export * from '../sns/index.ts';
export * from '../sqs/index.ts';
export * from '../stepfunctions/index.ts';
export { AwsError, LOCAL_ACCOUNT, LOCAL_REGION } from './errors.ts';
export {
  type AwsEndpoint,
  type AwsEndpointOptions,
  type AwsServices,
  type JsonOperations,
  type LambdaInvokeApi,
  type QueryOperations,
  startAwsEndpoint,
} from './server.ts';

/**
 * Local mode's AWS-compatible endpoints: the public API the local assembly wires together.
 *
 * - {@link startAwsEndpoint}: one HTTP server for every AWS API a handler calls (point every
 *   `AWS_ENDPOINT_URL_<SERVICE>` at its `url`).
 * - {@link LambdaRunner}: runs the handlers, each in its own worker threads with its own environment.
 * - {@link StepFunctionsService}, {@link EventBridgeService}, {@link EcsService}, {@link CloudWatchService},
 *   {@link SnsService}, {@link SqsService}: the services, each exposing `operations()` for the server.
 * - {@link LocalScheduler}: `rate()` / `cron()` schedules with a speed factor.
 */

export * from '../lambda/index.ts';
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

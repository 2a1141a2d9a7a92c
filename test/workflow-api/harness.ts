import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { contractViolation } from '../../lib/core/api/contract.ts';
import { findRoute, ROUTES } from '../../lib/core/api/routes/index.ts';
import { ENV } from '../../lib/core/env.ts';

/**
 * Test harness of the workflow API: Step Functions and EventBridge are replaced by aws-sdk-client-mock (no local
 * endpoint in the test run), DynamoDB is the run's dynalite with fresh tables per file.
 */

export const ACCOUNT = '123456789012';

/** Sets the environment the handlers read at import. Call before importing any handler. */
export function setHandlerEnv(): void {
  process.env[ENV.stateMachinePrefix] = 'steward-test-';
  process.env[ENV.stateMachineRoleArn] = `arn:aws:iam::${ACCOUNT}:role/steward-runtime`;
  process.env[ENV.stepRunnerArn] = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:step-runner`;
  process.env[ENV.waiterArn] = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:waiter`;
  process.env[ENV.expressLogGroupArn] =
    `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/vendedlogs/states/steward-test-express:*`;
  process.env[ENV.eventBus] = 'steward-test-bus';
  process.env[ENV.workflowTriggerArn] = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:workflow-trigger`;
  process.env[ENV.triggerSchedulerRoleArn] = `arn:aws:iam::${ACCOUNT}:role/steward-trigger-scheduler`;
  process.env[ENV.triggerScheduleDlqArn] = `arn:aws:sqs:us-east-1:${ACCOUNT}:steward-trigger-schedules-dlq`;
  process.env[ENV.triggerRuleDlqArn] = `arn:aws:sqs:us-east-1:${ACCOUNT}:steward-trigger-rules-dlq`;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
}

/** A fake Step Functions control plane: state machines get versions, StartExecution is idempotent by name. */
export function fakeStepFunctions() {
  const sfn = mockClient(SFNClient);
  const versions = new Map<string, number>();
  const started = new Map<string, { stateMachineArn: string; input: string }>();
  const arnOf = (name: string): string => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;
  const publish = (arn: string): string => {
    const n = (versions.get(arn) ?? 0) + 1;
    versions.set(arn, n);
    return `${arn}:${n}`;
  };
  const install = (): void => {
    sfn.reset();
    sfn.on(CreateStateMachineCommand).callsFake((input) => {
      const arn = arnOf(input.name);
      return { stateMachineArn: arn, stateMachineVersionArn: publish(arn), creationDate: new Date() };
    });
    // As Step Functions: a version (and its ARN) only when the update asks to publish one.
    sfn.on(UpdateStateMachineCommand).callsFake((input) => ({
      ...(input.publish ? { stateMachineVersionArn: publish(input.stateMachineArn) } : {}),
      updateDate: new Date(),
    }));
    sfn.on(UpdateStateMachineAliasCommand).rejects(Object.assign(new Error('no alias'), { name: 'ResourceNotFound' }));
    sfn.on(CreateStateMachineAliasCommand).callsFake((input) => {
      const version = input.routingConfiguration[0].stateMachineVersionArn as string;
      return { stateMachineAliasArn: `${version.slice(0, version.lastIndexOf(':'))}:${input.name}` };
    });
    sfn.on(StartExecutionCommand).callsFake((input) => {
      const prior = started.get(input.name);
      if (prior && prior.input !== input.input) {
        throw Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
      }
      started.set(input.name, { stateMachineArn: input.stateMachineArn, input: input.input });
      const machine = input.stateMachineArn.split(':').slice(0, 7).join(':').replace(':stateMachine:', ':execution:');
      return { executionArn: `${machine}:${input.name}`, startDate: new Date() };
    });
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    // A stopped execution describes as ABORTED; any other as still RUNNING.
    const stopped = new Map<string, Date>();
    sfn.on(StopExecutionCommand).callsFake((input) => {
      const at = stopped.get(input.executionArn) ?? new Date();
      stopped.set(input.executionArn, at);
      return { stopDate: at };
    });
    sfn.on(DescribeExecutionCommand).callsFake((input) => ({
      executionArn: input.executionArn,
      status: stopped.has(input.executionArn) ? 'ABORTED' : 'RUNNING',
      stopDate: stopped.get(input.executionArn),
    }));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
  };
  install();
  return { sfn, started, install };
}

/** EventBridge mock recording every published Steward event. */
export function fakeEventBridge() {
  const bus = mockClient(EventBridgeClient);
  const events: Array<{ type: string; detail: Record<string, unknown> }> = [];
  const install = (): void => {
    events.length = 0;
    bus.reset();
    bus.on(PutEventsCommand).callsFake((input) => {
      for (const e of input.Entries ?? []) events.push({ type: e.DetailType, detail: JSON.parse(e.Detail) });
      return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })) };
    });
  };
  install();
  return { bus, events, install };
}

const context = { awsRequestId: 'req-test', functionName: 'test' } as unknown as Context;

/** A handler built by apiHandler. */
export type ApiLambda = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert on them.
type Json = any;

/** The parsed answer of an API call. */
export interface Answer {
  status: number;
  body: Json;
  headers: Record<string, unknown>;
}

/** Calls an API handler the way API Gateway would (resource template, path parameters, caller identity). */
export async function call(
  handler: ApiLambda,
  method: string,
  path: string,
  options: {
    body?: unknown;
    rawBody?: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    caller?: string;
  } = {},
): Promise<Answer> {
  const match = findRoute(method, path);
  // API Gateway hands path parameters over still URL-encoded (the handler base decodes them): use the raw segments.
  const rawParams: Record<string, string> = {};
  if (match) {
    const want = match.route.path.split('/');
    path.split('/').forEach((segment, i) => {
      const w = want[i];
      if (w?.startsWith('{')) rawParams[w.slice(1, -1)] = segment;
    });
  }
  const event = {
    httpMethod: method,
    path,
    resource: match?.route.path ?? path,
    body: options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body)),
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/json', ...options.headers },
    multiValueHeaders: {},
    pathParameters: Object.keys(rawParams).length ? rawParams : null,
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: randomUUID(),
      identity: { userArn: options.caller ?? `arn:aws:iam::${ACCOUNT}:user/alice` },
    },
  } as unknown as APIGatewayProxyEvent;
  const res = await handler(event, context);
  const body = res.body ? JSON.parse(res.body) : undefined;
  // Every answer a handler test receives is held to the response contract too.
  const violation = contractViolation(ROUTES, method, path, res.statusCode, body);
  if (violation) throw new Error(`Response contract: ${violation}`);
  return { status: res.statusCode, body, headers: res.headers ?? {} };
}

/** A `${…}` template reference, written without a template literal. */
const ref = (path: string): string => '$' + `{${path}}`;

/** The seed's "Agent Task Execution" workflow (004_…, Request/Response Examples), with a given name. */
export function seedWorkflow(name = 'Agent Task Execution', extra: Record<string, unknown> = {}): Record<string, Json> {
  const retry = { max_attempts: 3, backoff_base: 2, backoff_multiplier: 1000 };
  return {
    name,
    description: 'Workflow for agent task execution process',
    version: '1.0.0',
    ...extra,
    definition: {
      steps: [
        {
          name: 'task_preparation',
          description: 'Prepare task for execution',
          step_type: 'service_call',
          service: 'planning-system',
          endpoint: '/tasks/{task_id}/prepare',
          sequence: 1,
          retry_policy: retry,
        },
        {
          name: 'agent_assignment',
          step_type: 'service_call',
          service: 'agent-orchestrator',
          endpoint: '/agents/{agent_id}/tasks',
          sequence: 2,
          depends_on: ['task_preparation'],
          retry_policy: retry,
        },
        {
          name: 'execution_monitoring',
          step_type: 'event_wait',
          event_type: 'agent.task_completed',
          event_filter: { task_id: ref('context.task_id'), agent_id: ref('context.agent_id') },
          timeout: 3600000,
          sequence: 3,
          depends_on: ['agent_assignment'],
        },
        {
          name: 'result_processing',
          step_type: 'service_call',
          service: 'planning-system',
          endpoint: '/tasks/{task_id}/results',
          sequence: 4,
          depends_on: ['execution_monitoring'],
          retry_policy: retry,
        },
      ],
      error_handlers: [
        { step: 'agent_assignment', on_error: { action: 'retry', max_retries: 3, backoff_seconds: 60 } },
        {
          step: 'execution_monitoring',
          on_error: {
            action: 'notify',
            target: 'project-coordinator',
            endpoint: '/projects/{project_id}/notifications',
          },
        },
      ],
    },
  };
}

/** A Step Functions status-change event for the status handler. */
export function statusChange(
  executionId: string,
  status: string,
  at: number,
  extra: Record<string, unknown> = {},
): Json {
  const terminal = status !== 'RUNNING';
  return {
    id: randomUUID(),
    version: '0',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: ACCOUNT,
    time: new Date(at).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:m:${executionId}`,
      name: executionId,
      status,
      startDate: at - 1000,
      stopDate: terminal ? at : null,
      ...extra,
    },
  };
}

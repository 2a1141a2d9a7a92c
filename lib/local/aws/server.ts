import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { OperationInput, ServiceKey } from '../iam/actions.ts';
import type { Caller } from '../iam/credentials.ts';
import type { SignedRequest } from '../iam/sigv4.ts';
import { AwsError } from './errors.ts';
import { servePort } from './port-server.ts';
import { parseQueryParams } from './query.ts';

/** Operations of a JSON-protocol service by name (`StartExecution` → handler of its input). */
export type JsonOperations = Record<string, (input: Record<string, unknown>) => unknown>;

/** The Lambda Invoke API the server exposes. */
export interface LambdaInvokeApi {
  invoke(
    nameOrArn: string,
    payload: unknown,
    options: { async: boolean },
  ): Promise<{ ok: true; payload: unknown } | { ok: false; errorType: string; errorMessage: string; trace?: string[] }>;
}

/** Query-protocol operations (SNS): parsed form parameters → the XML fragment inside `<ActionResult>`. */
export type QueryOperations = Record<string, (params: Record<string, unknown>) => unknown>;

/** The services one endpoint serves; any may be left out (its requests then fail with `UnknownOperationException`). */
export interface AwsServices {
  stepFunctions?: JsonOperations;
  events?: JsonOperations;
  ecs?: JsonOperations;
  cloudWatch?: JsonOperations;
  sqs?: JsonOperations;
  secretsManager?: JsonOperations;
  ssm?: JsonOperations;
  /** AWS Cloud Map (service discovery), read side. */
  cloudMap?: JsonOperations;
  sns?: QueryOperations;
  lambda?: LambdaInvokeApi;
  /** EventBridge Scheduler (REST-JSON: its paths are mapped onto operation names). */
  scheduler?: JsonOperations;
}

/**
 * Authentication and authorization of every request (lib/local/iam's `LocalIam`). Without one the endpoint serves
 * anyone, as the endpoint tests of single services use it.
 */
export interface EndpointGuard {
  /** The caller of a signed request, or the error AWS answers (unsigned, unknown key, bad signature). */
  authenticate(service: ServiceKey, request: SignedRequest): Promise<Caller | AwsError>;
  /** Undefined when the caller may run the operation, else the error AWS answers (AccessDenied…). */
  authorize(
    caller: Caller,
    service: ServiceKey,
    operation: string,
    input: OperationInput,
  ): Promise<AwsError | undefined>;
}

/** Options of {@link startAwsEndpoint}. */
export interface AwsEndpointOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind; local mode binds loopback only. @default '127.0.0.1' */
  host?: string;
  services: AwsServices;
  /** Signature and IAM checks; local mode always sets one. @default none (tests of single services) */
  guard?: EndpointGuard;
}

/** Checks one parsed operation; resolves with the refusal, if any. */
type Check = (operation: string, input: OperationInput) => Promise<AwsError | undefined>;

/** A running endpoint. */
export interface AwsEndpoint {
  /** Base URL for `AWS_ENDPOINT_URL_*`, e.g. `http://127.0.0.1:4566`. */
  url: string;
  /**
   * A port for one Lambda environment: its SDK's requests come over it rather than over HTTP, and are served by the
   * same dispatch, signature check and IAM (lambdas/shared/clients/local-transport.ts).
   */
  connect(): MessagePort;
  close(): Promise<void>;
}

/** `X-Amz-Target` prefix → service key and JSON content type. */
const JSON_TARGETS: Record<string, { service: keyof AwsServices; iam: ServiceKey; contentType: string }> = {
  AWSStepFunctions: { service: 'stepFunctions', iam: 'states', contentType: 'application/x-amz-json-1.0' },
  AWSEvents: { service: 'events', iam: 'events', contentType: 'application/x-amz-json-1.1' },
  AmazonEC2ContainerServiceV20141113: { service: 'ecs', iam: 'ecs', contentType: 'application/x-amz-json-1.1' },
  GraniteServiceVersion20100801: {
    service: 'cloudWatch',
    iam: 'cloudwatch',
    contentType: 'application/x-amz-json-1.0',
  },
  AmazonSQS: { service: 'sqs', iam: 'sqs', contentType: 'application/x-amz-json-1.0' },
  secretsmanager: { service: 'secretsManager', iam: 'secretsmanager', contentType: 'application/x-amz-json-1.1' },
  AmazonSSM: { service: 'ssm', iam: 'ssm', contentType: 'application/x-amz-json-1.1' },
  Route53AutoNaming_v20170314: {
    service: 'cloudMap',
    iam: 'servicediscovery',
    contentType: 'application/x-amz-json-1.1',
  },
};

const LAMBDA_INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** EventBridge Scheduler's REST paths: `/schedules[/{Name}]`, `/schedule-groups/{Name}`. */
const SCHEDULER_PATH = /^\/(schedules|schedule-groups)(?:\/([^/]+))?$/;

/**
 * Starts one HTTP server for every local AWS API. Requests are dispatched by protocol: JSON protocols by
 * `X-Amz-Target`, Lambda by its REST path, SNS and CloudWatch's query protocol by the form's `Action`.
 * Errors are written in each protocol's own shape so the SDK raises the matching exception class.
 */
export async function startAwsEndpoint(options: AwsEndpointOptions): Promise<AwsEndpoint> {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    dispatch(options.services, options.guard, req, res).catch((error: unknown) => {
      writeJsonError(res, 'application/x-amz-json-1.0', new AwsError('InternalFailure', String(error), 500));
    });
  };
  const server = createServer(listener);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      servePort(port1, listener);
      return port2;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const allowAll: Check = async () => undefined;

/**
 * Authenticates the request for `service` (when guarded) and returns the check of its operations, or writes the
 * refusal with `refuse` and returns undefined.
 */
async function gate(
  guard: EndpointGuard | undefined,
  service: ServiceKey,
  req: IncomingMessage,
  url: URL,
  raw: Buffer,
  refuse: (error: AwsError) => void,
): Promise<Check | undefined> {
  if (!guard) return allowAll;
  const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
  const caller = await guard.authenticate(service, {
    method: req.method ?? 'GET',
    rawPath,
    query: url.searchParams,
    headers: req.headers,
    body: raw,
  });
  if (caller instanceof AwsError) {
    refuse(caller);
    return undefined;
  }
  return (operation, input) => guard.authorize(caller, service, operation, input);
}

async function dispatch(
  services: AwsServices,
  guard: EndpointGuard | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const raw = await readBody(req);
  const body = raw.toString('utf8');
  const url = new URL(req.url ?? '/', 'http://local');
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.');
    const route = JSON_TARGETS[prefix];
    if (!route) return writeJsonError(res, 'application/x-amz-json-1.0', unknownOperation(target));
    const check = await gate(guard, route.iam, req, url, raw, (e) => writeJsonError(res, route.contentType, e));
    if (!check) return;
    const ops = services[route.service] as JsonOperations | undefined;
    return handleJson(ops, operation, body, route.contentType, res, check);
  }
  const lambdaMatch = LAMBDA_INVOKE.exec(url.pathname);
  if (lambdaMatch && req.method === 'POST') {
    const check = await gate(guard, 'lambda', req, url, raw, (e) => writeLambdaError(res, e.code, e.message, e.status));
    if (!check) return;
    const name = decodeURIComponent(lambdaMatch[1] ?? '');
    const denied = await check('Invoke', {
      FunctionName: name,
      Qualifier: url.searchParams.get('Qualifier') ?? undefined,
    });
    if (denied) return writeLambdaError(res, denied.code, denied.message, denied.status);
    return handleLambda(services.lambda, name, req, body, res);
  }
  const schedulerMatch = SCHEDULER_PATH.exec(url.pathname);
  if (schedulerMatch) {
    const check = await gate(guard, 'scheduler', req, url, raw, (e) => writeJsonError(res, 'application/json', e));
    if (!check) return;
    return handleScheduler(services.scheduler, req.method ?? 'GET', schedulerMatch, url, body, res, check);
  }
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = parseQueryParams(new URLSearchParams(body));
    const action = typeof params.Action === 'string' ? params.Action : '';
    const version = typeof params.Version === 'string' ? params.Version : '';
    // CloudWatch's query protocol (older SDKs) carries Version 2010-08-01; SNS 2010-03-31.
    const cloudWatch = version === '2010-08-01';
    const xmlns = cloudWatch ? CLOUDWATCH_XMLNS : SNS_XMLNS;
    const check = await gate(guard, cloudWatch ? 'cloudwatch' : 'sns', req, url, raw, (e) =>
      writeQueryError(res, e, randomUUID(), xmlns),
    );
    if (!check) return;
    return handleQuery(cloudWatch ? services.cloudWatch : services.sns, action, params, res, check, xmlns);
  }
  writeJsonError(
    res,
    'application/json',
    new AwsError('UnknownOperationException', `No route for ${req.method} ${url.pathname}`, 404),
  );
}

/** Maps a Scheduler REST request onto its operation: the path's name, the query's group, the body's fields. */
async function handleScheduler(
  ops: JsonOperations | undefined,
  method: string,
  match: RegExpExecArray,
  url: URL,
  body: string,
  res: ServerResponse,
  check: Check,
): Promise<void> {
  const [, collection, rawName] = match;
  const name = rawName === undefined ? undefined : decodeURIComponent(rawName);
  const groups = collection === 'schedule-groups';
  const operation = groups
    ? method === 'POST' && name
      ? 'CreateScheduleGroup'
      : undefined
    : name === undefined
      ? method === 'GET'
        ? 'ListSchedules'
        : undefined
      : ({ POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' } as const)[
          method as 'POST'
        ];
  if (!operation) return writeJsonError(res, 'application/json', unknownOperation(`${method} ${url.pathname}`));
  const query: Record<string, unknown> = {};
  const group = url.searchParams.get('groupName') ?? url.searchParams.get('ScheduleGroup');
  if (group) query.GroupName = group;
  const prefix = url.searchParams.get('NamePrefix');
  if (prefix) query.NamePrefix = prefix;
  let fields: unknown = {};
  try {
    fields = body.length > 0 ? JSON.parse(body) : {};
  } catch {
    return writeJsonError(
      res,
      'application/json',
      new AwsError('ValidationException', 'Request body is not valid JSON'),
    );
  }
  // The body carries everything else; the name in the path wins.
  const withQuery = JSON.stringify({ ...(fields as object), ...query, ...(name === undefined ? {} : { Name: name }) });
  return handleJson(ops, operation, withQuery, 'application/json', res, check);
}

function unknownOperation(name: string): AwsError {
  return new AwsError('UnknownOperationException', `Operation ${name} is not supported by the local endpoint`);
}

async function handleJson(
  ops: JsonOperations | undefined,
  operation: string,
  body: string,
  contentType: string,
  res: ServerResponse,
  check: Check,
): Promise<void> {
  const fn = ops?.[operation];
  if (!fn) return writeJsonError(res, contentType, unknownOperation(operation));
  let input: unknown;
  try {
    input = body.length > 0 ? JSON.parse(body) : {};
  } catch {
    return writeJsonError(res, contentType, new AwsError('SerializationException', 'Request body is not valid JSON'));
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return writeJsonError(res, contentType, new AwsError('SerializationException', 'Request body must be an object'));
  }
  const denied = await check(operation, input as OperationInput);
  if (denied) return writeJsonError(res, contentType, denied);
  try {
    const output = await fn(input as Record<string, unknown>);
    res.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(output ?? {}));
  } catch (error) {
    writeJsonError(res, contentType, toAwsError(error));
  }
}

function toAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError('InternalFailure', error instanceof Error ? error.message : String(error), 500);
}

function writeJsonError(res: ServerResponse, contentType: string, error: AwsError): void {
  res.writeHead(error.status, {
    'content-type': contentType,
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': error.code,
    // SQS's awsQueryCompatible clients read the code from this header.
    'x-amzn-query-error': `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`,
  });
  res.end(JSON.stringify({ __type: error.code, message: error.message }));
}

async function handleLambda(
  lambda: LambdaInvokeApi | undefined,
  name: string,
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const headers = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
  const fail = (code: string, message: string, status: number): void => writeLambdaError(res, code, message, status);
  if (!lambda) return fail('ServiceException', 'Lambda is not served by this endpoint', 500);
  let payload: unknown = null;
  try {
    payload = body.length > 0 ? JSON.parse(body) : null;
  } catch {
    return fail('InvalidRequestContentException', 'Could not parse request body into json', 400);
  }
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType === 'DryRun') {
    res.writeHead(204, headers);
    return void res.end();
  }
  try {
    const result = await lambda.invoke(name, payload, { async: invocationType === 'Event' });
    if (invocationType === 'Event') {
      res.writeHead(202, headers);
      return void res.end();
    }
    if (result.ok) {
      res.writeHead(200, { ...headers, 'x-amz-executed-version': '$LATEST' });
      return void res.end(JSON.stringify(result.payload ?? null));
    }
    res.writeHead(200, { ...headers, 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' });
    res.end(
      JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage, trace: result.trace ?? [] }),
    );
  } catch (error) {
    const aws = toAwsError(error);
    fail(aws.code, aws.message, aws.status === 400 ? 404 : aws.status);
  }
}

/** A Lambda REST error: the code in `x-amzn-errortype`, the message in the body. */
function writeLambdaError(res: ServerResponse, code: string, message: string, status: number): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': code,
  });
  res.end(JSON.stringify({ Type: 'User', message }));
}

const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const CLOUDWATCH_XMLNS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Serializes a plain object as query-protocol XML members. */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

async function handleQuery(
  ops: QueryOperations | undefined,
  action: string,
  params: Record<string, unknown>,
  res: ServerResponse,
  check: Check,
  xmlns: string,
): Promise<void> {
  const requestId = randomUUID();
  const fn = ops?.[action];
  try {
    if (!fn) throw new AwsError('InvalidAction', `Action ${action || '(none)'} is not supported by the local endpoint`);
    const { Action: _action, Version: _version, ...input } = params;
    const denied = await check(action, input);
    if (denied) throw denied;
    const result = await fn(params);
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    res.end(
      `<${action}Response xmlns="${xmlns}"><${action}Result>${toXml(result)}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    writeQueryError(res, toAwsError(error), requestId, xmlns);
  }
}

/** A query-protocol error document. */
function writeQueryError(res: ServerResponse, aws: AwsError, requestId: string, xmlns: string): void {
  res.writeHead(aws.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>${aws.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${xmlEscape(aws.code)}</Code><Message>${xmlEscape(aws.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

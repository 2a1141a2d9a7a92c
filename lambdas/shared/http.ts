import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { allowedMethods, decodePathParam, matchRoute } from '../../lib/core/api/match.ts';
import { checkPathParams } from '../../lib/core/api/params.ts';
import type { Route } from '../../lib/core/api/route.ts';
import { HttpError, ValidationError } from './errors.ts';
import { flushMetrics, logger } from './powertools.ts';
import { checkTimeRange, MAX_BODY_BYTES, parseOrThrow, storableJsonProblems } from './validation.ts';

/** A parsed, validated API request handed to an operation. */
export interface ApiRequest {
  readonly operationId: string;
  readonly route: Route;
  /** Path parameters, URL-decoded. */
  readonly params: Record<string, string>;
  /** Query string, validated by the route's `query` schema when it has one. */
  readonly query: Record<string, string | undefined>;
  /** JSON body, validated by the route's `body` schema when it has one. */
  readonly body: unknown;
  readonly headers: Record<string, string | undefined>;
  /** The caller's identity from the request context (IAM user/role ARN), for the audit trail. */
  readonly caller: string;
  readonly requestId: string;
}

/** What an operation returns; the status defaults to the route's `successStatus`. */
export interface ApiResult {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type Operation = (request: ApiRequest) => Promise<ApiResult>;

const JSON_HEADERS = { 'content-type': 'application/json' };

function respond(status: number, body: unknown, headers?: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { ...JSON_HEADERS, ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** The caller as API Gateway saw it: the IAM principal ARN when signed, else the source IP. */
export function callerOf(event: APIGatewayProxyEvent): string {
  const id = event.requestContext?.identity;
  return id?.userArn ?? id?.caller ?? (id?.sourceIp ? `anonymous@${id.sourceIp}` : 'anonymous');
}

function parseBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new HttpError(413, `body: must be at most ${MAX_BODY_BYTES / 1024} KB of JSON`, 'payload_too_large', {
      problems: [{ field: 'body', message: `must be at most ${MAX_BODY_BYTES / 1024} KB of JSON` }],
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError([{ field: 'body', message: `is not valid JSON (${(error as Error).message})` }]);
  }
  // Bodies end up in DynamoDB items: what DynamoDB would refuse is a 400 here, not a 500 there.
  const problems = storableJsonProblems(body);
  if (problems.length > 0) throw new ValidationError(problems);
  return body;
}

function routeOf(
  routes: readonly Route[],
  event: APIGatewayProxyEvent,
): { route: Route; params: Record<string, string> } | undefined {
  // API Gateway gives the resource template (`/executions/{execution_id}`); prefer it, fall back to the raw path.
  const byResource = routes.find((r) => r.method === event.httpMethod && r.path === event.resource);
  if (byResource) {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.pathParameters ?? {}))
      if (v !== undefined) params[k] = decodePathParam(v);
    return { route: byResource, params };
  }
  return matchRoute(routes, event.httpMethod, event.path);
}

/**
 * The answer for a request no operation serves: 405 with `Allow` when the path is known under other methods (as
 * RFC 9110 asks), else 404.
 */
function noRoute(routes: readonly Route[], event: APIGatewayProxyEvent): HttpError {
  const allow = allowedMethods(routes, event.resource && event.resource !== event.path ? event.resource : event.path);
  if (allow.length > 0 && !allow.includes(event.httpMethod)) {
    return new HttpError(
      405,
      `${event.httpMethod} is not allowed on ${event.path}; allowed: ${allow.join(', ')}`,
      'method_not_allowed',
      { allow },
      undefined,
      { allow: allow.join(', ') },
    );
  }
  return new HttpError(404, `No route for ${event.httpMethod} ${event.path}`, 'route_not_found');
}

/** Answers a thrown error: intended 4xx as they are, anything else as a logged, generic 500. */
export function errorResponse(error: unknown, requestId: string): APIGatewayProxyResult {
  if (error instanceof HttpError) {
    return respond(
      error.statusCode,
      { error: { code: error.code, message: error.message, ...error.details, request_id: requestId } },
      error.headers,
    );
  }
  logger.error('Unhandled error', error as Error);
  return respond(500, { error: { code: 'internal_error', message: 'Internal error', request_id: requestId } });
}

/**
 * Builds an API Gateway (REST, proxy) handler that serves the operations of one function. Routing, JSON parsing,
 * schema validation of body and query, error mapping and the Powertools middlewares are done here once.
 * `routes` are the routes this function serves (its area's table, e.g. `WORKFLOW_ROUTES`): taking them as an argument
 * keeps the other areas' request schemas out of the function's bundle.
 */
export function apiHandler(
  routes: readonly Route[],
  operations: Record<string, Operation>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .handler(async (event, context) => {
      const requestId = event.requestContext?.requestId ?? context.awsRequestId;
      try {
        const match = routeOf(routes, event);
        const operation = match && operations[match.route.operationId];
        if (!match || !operation) throw noRoute(routes, event);
        const { route, params } = match;
        const paramProblems = checkPathParams(params);
        if (paramProblems.length > 0) throw new ValidationError(paramProblems);
        const rawQuery = { ...(event.queryStringParameters ?? {}) };
        // Routes with a query schema have declared their parameters; `from`/`to` among them are a time range.
        const query = route.query
          ? checkTimeRange(parseOrThrow(route.query, rawQuery, 'query') as Record<string, unknown>)
          : rawQuery;
        const rawBody = parseBody(event);
        const body = route.body ? parseOrThrow(route.body, rawBody, 'body') : rawBody;
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
        const result = await operation({
          operationId: route.operationId,
          route,
          params,
          query: query as Record<string, string | undefined>,
          body,
          headers,
          caller: callerOf(event),
          requestId,
        });
        const status = result.status ?? route.successStatus;
        return respond(status, status === 204 ? undefined : result.body, result.headers);
      } catch (error) {
        return errorResponse(error, requestId);
      }
    });
}

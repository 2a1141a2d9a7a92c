import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../lambdas/shared/errors.ts';
import { apiHandler } from '../../lambdas/shared/http.ts';
import { EXECUTION_ROUTES } from '../../lib/core/api/routes/executions.ts';

const context = { awsRequestId: 'req-1', functionName: 'api-executions' } as unknown as Context;

function event(
  method: string,
  path: string,
  resource: string,
  body?: string,
  query?: Record<string, string>,
): APIGatewayProxyEvent {
  const params: Record<string, string> = {};
  const want = resource.split('/');
  path.split('/').forEach((seg, i) => {
    const w = want[i];
    if (w?.startsWith('{')) params[w.slice(1, -1)] = seg;
  });
  return {
    httpMethod: method,
    path,
    resource,
    body: body ?? null,
    isBase64Encoded: false,
    headers: { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    pathParameters: Object.keys(params).length ? params : null,
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: 'api-req-1', identity: { userArn: 'arn:aws:iam::123456789012:user/alice' } },
  } as unknown as APIGatewayProxyEvent;
}

describe('apiHandler', () => {
  it('routes by resource, passes decoded params and the caller, and uses the route success status', async () => {
    const handler = apiHandler(EXECUTION_ROUTES, {
      pauseExecution: async (req) => ({ body: { id: req.params.execution_id, caller: req.caller } }),
    });

    const res = await handler(event('PUT', '/executions/ex%201/pause', '/executions/{execution_id}/pause'), context);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: 'ex 1', caller: 'arn:aws:iam::123456789012:user/alice' });
  });

  it('answers 400 naming the body when the JSON does not parse', async () => {
    const handler = apiHandler(EXECUTION_ROUTES, { startExecution: async () => ({ body: {} }) });

    const res = await handler(event('POST', '/executions', '/executions', '{"workflow_id":'), context);

    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.problems[0].field).toBe('body');
    expect(body.error.request_id).toBe('api-req-1');
  });

  it('maps intended errors to their status and hides unexpected ones behind a 500 with the request id', async () => {
    const handler = apiHandler(EXECUTION_ROUTES, {
      getExecution: async (req) => {
        if (req.params.execution_id === 'missing') throw new NotFoundError('Execution', 'missing');
        if (req.params.execution_id === 'busy')
          throw new ConflictError('Execution is completed', { status: 'completed' });
        throw new Error('secret internals');
      },
    });

    const missing = await handler(event('GET', '/executions/missing', '/executions/{execution_id}'), context);
    const busy = await handler(event('GET', '/executions/busy', '/executions/{execution_id}'), context);
    const boom = await handler(event('GET', '/executions/boom', '/executions/{execution_id}'), context);

    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).error.message).toBe("Execution 'missing' was not found");
    expect(busy.statusCode).toBe(409);
    expect(JSON.parse(busy.body).error.status).toBe('completed');
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('secret internals');
    expect(JSON.parse(boom.body).error.request_id).toBe('api-req-1');
  });

  it('answers 404 for an operation this function does not serve', async () => {
    const handler = apiHandler(EXECUTION_ROUTES, {});

    const res = await handler(event('GET', '/executions', '/executions'), context);

    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).error.code).toBe('route_not_found');
  });

  it('serves only the routes it is given, matching the raw path when the resource is not one of them', async () => {
    const handler = apiHandler(EXECUTION_ROUTES, {
      getExecution: async (req) => ({ body: { id: req.params.execution_id } }),
      listWorkflows: async () => ({ body: [] }),
    });

    const other = await handler(event('GET', '/workflows', '/workflows'), context);
    const byPath = await handler(event('GET', '/executions/ex%201', '/{proxy+}'), context);

    expect(other.statusCode).toBe(404);
    expect(JSON.parse(other.body).error.code).toBe('route_not_found');
    expect(byPath.statusCode).toBe(200);
    expect(JSON.parse(byPath.body)).toEqual({ id: 'ex 1' });
  });

  it('takes a path parameter that is not valid percent-encoding as it is, never a 500', async () => {
    const handler = apiHandler(EXECUTION_ROUTES, {
      getExecution: async (req) => ({ body: { id: req.params.execution_id } }),
    });

    const res = await handler(event('GET', '/executions/100%', '/executions/{execution_id}'), context);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: '100%' });
  });
});

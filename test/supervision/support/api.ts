import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { findRoute } from '../../../lib/core/api/routes/index.ts';

export const context = { awsRequestId: 'req-1', functionName: 'api-services' } as unknown as Context;

/** Builds an API Gateway proxy event for a concrete path, as API Gateway would (resource template included). */
export function apiEvent(
  method: string,
  path: string,
  body?: unknown,
  query?: Record<string, string>,
): APIGatewayProxyEvent {
  const match = findRoute(method, path);
  return {
    httpMethod: method,
    path,
    resource: match?.route.path ?? path,
    pathParameters: match
      ? Object.fromEntries(Object.entries(match.params).map(([k, v]) => [k, encodeURIComponent(v)]))
      : null,
    queryStringParameters: query ?? null,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', identity: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
  } as unknown as APIGatewayProxyEvent;
}

/** The parsed JSON body of a response (loosely typed: tests assert on its shape). */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON, checked by the assertions
export function json(res: APIGatewayProxyResult): Record<string, any> {
  return res.body ? JSON.parse(res.body) : {};
}

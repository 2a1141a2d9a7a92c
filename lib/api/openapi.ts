import { PATH_PARAMS } from '../core/api/params.ts';
import type { Route } from '../core/api/route.ts';
import { ROUTES } from '../core/api/routes/index.ts';
import { errorBody } from '../core/api/schemas/responses/common.ts';
import { type JsonSchema, openApiResponseSchema, openApiSchema } from './schemas.ts';

/** Options of {@link openApiDocument}. */
export interface OpenApiOptions {
  /** @default - no `servers` entry (a relative document) */
  readonly serverUrl?: string;
  /** @default '0.1.0' */
  readonly version?: string;
  /** @default ROUTES */
  readonly routes?: readonly Route[];
}

/** The error envelope every 4xx and 5xx carries, from the same schema the contract tests hold answers to. */
const ERROR_SCHEMA: JsonSchema = openApiResponseSchema(errorBody);

const ERRORS: Readonly<Record<string, string>> = {
  '400': 'Invalid input: the problems name each field',
  '403': 'Missing or invalid SigV4 signature',
  '404': 'Not found',
  '409': 'Conflict: illegal state transition or version conflict',
  '422': 'Unprocessable: e.g. a different body under the same idempotency key',
  '429': 'Throttled',
  '500': 'Internal error (logged with the request id)',
};

/**
 * The OpenAPI 3.0 document of Steward's REST API, generated from the one route table (`ROUTES`) and the routes'
 * zod schemas. The API stack writes it at synth time; local mode serves it at `/openapi.json`.
 */
export function openApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const routes = options.routes ?? ROUTES;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = paths[route.path] ?? {};
    paths[route.path] = operations;
    operations[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Steward API',
      version: options.version ?? '0.1.0',
      description:
        'Workflows on Step Functions and supervised services. Every operation but /health/* is IAM (SigV4) authorized.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
    },
  };
}

function operation(route: Route): Record<string, unknown> {
  const parameters: unknown[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    ...(PATH_PARAMS[m[1]!] ? { description: PATH_PARAMS[m[1]!]!.description } : {}),
    // The limit every handler checks before any operation runs (lib/core/api/params.ts).
    schema: { type: 'string', minLength: 1, maxLength: PATH_PARAMS[m[1]!]?.maxLength ?? 128 },
  }));
  if (route.query) {
    const q = openApiSchema(route.query);
    const props = (q['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((q['required'] as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(props)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  const responses: Record<string, unknown> = {
    [String(route.successStatus)]:
      route.successStatus === 204 || !route.response
        ? { description: 'Done, no content' }
        : {
            description: route.summary,
            content: { 'application/json': { schema: openApiResponseSchema(route.response) } },
          },
  };
  for (const [status, other] of Object.entries(route.otherResponses ?? {})) {
    responses[status] = {
      description: other.description,
      content: { 'application/json': { schema: openApiResponseSchema(other.schema) } },
    };
  }
  for (const [status, description] of Object.entries(ERRORS)) {
    if (status === '403' && route.auth === 'none') continue;
    if (responses[status]) continue;
    if (status === '400' && !route.body && !route.query && parameters.length === 0) continue;
    responses[status] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  if (route.operationId === 'startExecution') {
    responses['502'] = {
      description: 'Step Functions did not start the run: it is kept as failed, and the body names it (execution_id)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.path.split('/')[1] ?? 'root'],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: openApiSchema(route.body) } } } }
      : {}),
    responses,
    security: route.auth === 'iam' ? [{ sigv4: [] }] : [],
  };
}

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { openApiDocument } from '../../lib/api/openapi.ts';
import { bodyJsonSchema, modelName } from '../../lib/api/schemas.ts';
import { PATH_PARAMS } from '../../lib/core/api/params.ts';
import type { Route } from '../../lib/core/api/route.ts';

type Validate = (value: unknown) => boolean;
const Ajv = createRequire(import.meta.url)('ajv') as new (options: object) => { compile(schema: object): Validate };

import { ROUTES } from '../../lib/core/api/routes/index.ts';

const sample: Route = {
  method: 'POST',
  path: '/things/{thing_id}/runs',
  operationId: 'startThing',
  functionId: 'api-executions',
  auth: 'iam',
  summary: 'Start a thing',
  successStatus: 201,
  body: z.strictObject({ name: z.string().min(1), mode: z.literal('fast'), tags: z.array(z.string()).optional() }),
  query: z.object({ limit: z.string().optional() }),
};

describe('OpenAPI document', () => {
  it('has every route of the table with its operation id, parameters and security', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { operationId: string; security: unknown[] }>>;
    };
    for (const r of ROUTES) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op?.operationId, `${r.method} ${r.path}`).toBe(r.operationId);
      expect(op!.security).toEqual(r.auth === 'iam' ? [{ sigv4: [] }] : []);
    }
  });

  it('publishes every path id with the limit the handlers check (lib/core/api/params.ts)', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema: unknown }> }>>;
    };
    const service = doc.paths['/services/{service_id}']!.get!.parameters![0]!;
    expect(service).toMatchObject({ name: 'service_id', schema: { type: 'string', minLength: 1, maxLength: 256 } });
    for (const route of ROUTES) {
      for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g)) {
        expect(PATH_PARAMS[name!], `${route.path}: ${name} has a limit in PATH_PARAMS`).toBeDefined();
      }
    }
  });

  it('describes bodies, path and query parameters from the zod schemas', () => {
    const doc = openApiDocument({ routes: [sample], serverUrl: 'https://api.example' }) as {
      servers: unknown;
      paths: Record<
        string,
        {
          post: {
            parameters: unknown;
            requestBody: { content: Record<string, { schema: { required: string[] } }> };
            responses: Record<string, unknown>;
          };
        }
      >;
    };
    const op = doc.paths['/things/{thing_id}/runs']!.post;
    expect(op.parameters).toEqual([
      { name: 'thing_id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } },
      { name: 'limit', in: 'query', required: false, schema: { type: 'string' } },
    ]);
    expect(op.requestBody.content['application/json']!.schema.required).toEqual(['name', 'mode']);
    expect(op.responses['201']).toBeDefined();
    expect(op.responses['400']).toBeDefined();
    expect(doc.servers).toEqual([{ url: 'https://api.example' }]);
  });
});

describe('OpenAPI responses', () => {
  type Op = { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> };
  const doc = openApiDocument() as {
    paths: Record<string, Record<string, Op>>;
    components: {
      schemas: Record<string, { required?: string[]; properties?: Record<string, { required?: string[] }> }>;
    };
  };

  it("publishes each route's response schema under its success status, with the fields the schema requires", () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path]![route.method.toLowerCase()]!;
      const success = op.responses[String(route.successStatus)]!;
      if (route.successStatus === 204) {
        expect(success.content, `${route.operationId}: 204 has no body`).toBeUndefined();
        continue;
      }
      expect(route.response, `${route.operationId} has a response schema`).toBeDefined();
      const schema = success.content!['application/json']!.schema;
      const fromZod = z.toJSONSchema(route.response!, { io: 'input', unrepresentable: 'any' }) as {
        required?: string[];
      };
      expect(schema.type, route.operationId).toBe('object');
      expect(schema.required, route.operationId).toEqual(fromZod.required);
      expect(Object.keys(schema.properties as object).length, route.operationId).toBeGreaterThan(0);
    }
  });

  it('answers every 4xx and 5xx with the shared error envelope', () => {
    const envelope = doc.components.schemas.Error!;
    expect(envelope.required).toEqual(['error']);
    expect(envelope.properties!.error!.required).toEqual(['code', 'message']);
    for (const route of ROUTES) {
      const op = doc.paths[route.path]![route.method.toLowerCase()]!;
      for (const [status, answer] of Object.entries(op.responses)) {
        if (Number(status) < 400 || route.otherResponses?.[Number(status)]) continue;
        expect(answer.content!['application/json']!.schema, `${route.operationId} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
      expect(op.responses['500'], route.operationId).toBeDefined();
    }
  });

  it("documents the restart answer and readiness's 503 body", () => {
    const restart = doc.paths['/services/{service_id}/restart']!.post!.responses['200']!.content!['application/json']!
      .schema as { properties: Record<string, unknown>; required: string[] };
    expect(restart.required).toEqual(expect.arrayContaining(['service_id', 'budget_left', 'restarts', 'attempt']));
    expect(doc.paths['/services/{service_id}/restart']!.post!.responses['429']).toBeDefined();
    const notReady = doc.paths['/health/readiness']!.get!.responses['503']!.content!['application/json']!.schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(notReady.properties)).toEqual(['status', 'failing', 'timestamp']);
  });
});

describe('API Gateway models', () => {
  it('are draft-04 JSON Schema that accept valid bodies and reject bad ones naming the field', () => {
    const schema = bodyJsonSchema(sample)!;
    expect(modelName(sample)).toBe('StartThingBody');
    expect(schema['$schema']).toBe('http://json-schema.org/draft-04/schema#');
    expect(JSON.stringify(schema)).not.toContain('"const"');
    const ajv = new Ajv({ strict: false });
    const { $schema: _s, ...body } = schema;
    const validate = ajv.compile(body);
    expect(validate({ name: 'a', mode: 'fast' })).toBe(true);
    expect(validate({ name: '', mode: 'fast' })).toBe(false);
    expect(validate({ name: 'a', mode: 'slow' })).toBe(false);
    expect(validate({ name: 'a', mode: 'fast', extra: 1 })).toBe(false);
  });

  it('generates a model for every route body of the table', () => {
    for (const r of ROUTES.filter((x) => x.body)) {
      const schema = bodyJsonSchema(r)!;
      expect(schema['type'] ?? schema['anyOf'] ?? schema['$ref'], r.operationId).toBeDefined();
      expect(modelName(r)).toMatch(/^[A-Za-z0-9]+$/);
    }
  });
});

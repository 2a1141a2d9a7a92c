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

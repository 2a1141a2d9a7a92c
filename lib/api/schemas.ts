import * as z from 'zod';
import type { Route } from '../core/api/route.ts';

/** JSON Schema as a plain object. */
export type JsonSchema = Record<string, unknown>;

/**
 * A route's body schema as JSON Schema draft-04, the dialect API Gateway models accept. Zod 4 emits draft-04
 * directly; constructs it cannot express (transforms, custom refinements) become `{}` so the model stays valid and
 * the handler's own zod validation still applies them.
 */
export function bodyJsonSchema(route: Route): JsonSchema | undefined {
  if (!route.body) return undefined;
  const schema = z.toJSONSchema(route.body, { target: 'draft-04', unrepresentable: 'any', io: 'input' }) as JsonSchema;
  // API Gateway names the dialect by its own $schema URL and rejects unknown keywords at model creation.
  const { $schema: _ignored, ...rest } = schema;
  return { $schema: 'http://json-schema.org/draft-04/schema#', title: modelName(route), ...stripUnsupported(rest) };
}

/** A route's body or query schema as an OpenAPI 3.0 Schema Object. */
export function openApiSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as JsonSchema;
  const { $schema: _ignored, ...rest } = out;
  return rest;
}

/**
 * A route's response schema as an OpenAPI 3.0 Schema Object. Read as the answer's input side, so objects that
 * accept fields added later do not claim `additionalProperties: false`.
 */
export function openApiResponseSchema(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as JsonSchema;
  const { $schema: _ignored, ...rest } = out;
  return rest;
}

/** API Gateway model name of a route's body: alphanumeric, from the operation id (`createWorkflow` → `CreateWorkflowBody`). */
export function modelName(route: Route): string {
  return `${route.operationId.charAt(0).toUpperCase()}${route.operationId.slice(1)}Body`.replace(/[^A-Za-z0-9]/g, '');
}

// Keywords draft-04 does not define; zod may emit them for formats API Gateway's validator would reject.
const UNSUPPORTED = new Set([
  'contentEncoding',
  'contentMediaType',
  'const',
  'examples',
  'propertyNames',
  'if',
  'then',
  'else',
]);

function stripUnsupported(value: unknown): JsonSchema {
  return walk(value) as JsonSchema;
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'const') {
      out['enum'] = [v];
      continue;
    }
    if (UNSUPPORTED.has(k)) continue;
    // `properties`/`definitions` hold user names, not keywords: keep every key, walk the values.
    if (k === 'properties' || k === 'definitions' || k === 'patternProperties') {
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([pk, pv]) => [pk, walk(pv)]));
      continue;
    }
    out[k] = walk(v);
  }
  return out;
}

/**
 * JSON Schema files for the documents people write by hand, generated from the zod schemas Steward validates them
 * with, so editors complete and check them (`"$schema": "../schemas/workflow.schema.json"`) and cannot disagree with
 * Steward. `npm run schemas` writes them to `schemas/`; a test keeps the committed files equal to these.
 */
import * as z from 'zod';
import { manifestSchema } from '../core/supervision/manifest.ts';
import { workflowDocumentSchema } from '../core/workflow/schema.ts';
import type { JsonSchema } from './schemas.ts';

/** A published schema: the zod schema it comes from and what it describes. */
interface SchemaSource {
  readonly schema: z.ZodType;
  readonly title: string;
  readonly description: string;
}

/** Every published schema, by file name under `schemas/`. */
export const JSON_SCHEMA_SOURCES: Readonly<Record<string, SchemaSource>> = {
  'workflow.schema.json': {
    schema: workflowDocumentSchema,
    title: 'Steward workflow',
    description:
      'A workflow document (statemachines/*.json, POST /workflows): steps, dependencies, retries, error handlers, triggers. Steward also checks what a schema cannot (cycles, unknown step names, templates): run `steward validate`.',
  },
  'services.schema.json': {
    schema: manifestSchema,
    title: 'Steward services manifest',
    description:
      'services.json: the services Steward registers, probes and restarts, and their supervision groups. `steward local` and `cdk synth` also check what a schema cannot (dependency cycles, group names).',
  },
};

/** The JSON Schema (draft 2020-12) of one source, titled and described for editors. */
export function jsonSchemaOf(source: SchemaSource): JsonSchema {
  const generated = z.toJSONSchema(source.schema, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    io: 'input',
  }) as JsonSchema;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: source.title,
    description: source.description,
    ...rest,
  };
}

/** Every published schema, generated now, by file name. */
export function jsonSchemas(): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(JSON_SCHEMA_SOURCES).map(([file, s]) => [file, jsonSchemaOf(s)]));
}

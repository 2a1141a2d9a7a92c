/**
 * The published JSON Schemas (schemas/*.json): equal to what the zod schemas generate, referenced by every example,
 * accepting every example and rejecting documents Steward rejects for their structure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from '../../lib/api/json-schemas.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, path), 'utf8'));
const generated = jsonSchemas();
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validator = (file: string) => ajv.compile(read(`schemas/${file}`));
const examples = readdirSync(join(root, 'statemachines'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => `statemachines/${f}`);

const minimal = {
  name: 'w',
  definition: { steps: [{ name: 'a', step_type: 'service_call', service: 's', endpoint: '/x' }] },
};

describe('published JSON Schemas', () => {
  it.each(Object.keys(generated))('schemas/%s is what the zod schemas generate (run npm run schemas)', (file) => {
    expect(read(`schemas/${file}`)).toEqual(generated[file]);
  });

  it.each(examples)('%s references the workflow schema and is accepted by it', (file) => {
    const doc = read(file);
    const validate = validator('workflow.schema.json');

    expect(doc.$schema).toBe('../schemas/workflow.schema.json');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('services.json references the manifest schema and is accepted by it', () => {
    const manifest = read('services.json');
    const validate = validator('services.schema.json');

    expect(manifest.$schema).toBe('./schemas/services.schema.json');
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['an unknown step type', { ...minimal, definition: { steps: [{ name: 'a', step_type: 'email' }] } }],
    ['a misspelled field', { ...minimal, descripton: 'typo' }],
    ['no steps', { name: 'w', definition: { steps: [] } }],
    ['no name', { definition: minimal.definition }],
    ['a trigger of an unknown type', { ...minimal, triggers: [{ type: 'webhook', url: 'x' }] }],
  ])('the workflow schema rejects %s', (_what, doc) => {
    expect(validator('workflow.schema.json')(doc)).toBe(false);
  });

  it.each([
    ['a service without a name', { services: [{ base_url: 'http://x' }] }],
    ['an unknown top-level field', { services: [], service: [] }],
    ['a group with an unknown strategy', { services: [], groups: [{ name: 'g', strategy: 'one_for_some' }] }],
  ])('the manifest schema rejects %s', (_what, manifest) => {
    expect(validator('services.schema.json')(manifest)).toBe(false);
  });
});

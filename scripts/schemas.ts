/**
 * Writes the JSON Schema files of `schemas/` from the zod schemas (lib/api/json-schemas.ts). Run after changing a
 * document schema: `npm run schemas`. A test fails while the committed files differ from what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas } from '../lib/api/json-schemas.ts';

const dir = join(import.meta.dirname, '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${file}`);
}

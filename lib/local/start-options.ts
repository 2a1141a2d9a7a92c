/**
 * What `steward local` needs before local mode's code loads: the default ports and root, the start error, the
 * secrets file check. Kept apart from runtime.ts (which loads every endpoint, the SDK and dynalite, about a second),
 * so the CLI can check its options and start the synthesis first (lib/cli/local.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SecretsFile, SecretsService } from './secrets/index.ts';

/** Default ports: the API, the AWS endpoint, DynamoDB. */
export const DEFAULT_PORTS = { api: 4500, aws: 4501, dynamodb: 4502 } as const;

/** The repository root local mode runs from by default: the directory above lib/. */
export const DEFAULT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Local mode could not start; the message says what and where. Nothing is left running. */
export class LocalStartError extends Error {
  override readonly name = 'LocalStartError';
}

/** Reads a secrets file for local mode (see lib/local/secrets); a bad file fails naming it. */
export function readSecretsFile(path: string): SecretsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LocalStartError(`secrets file ${path} could not be read as JSON: ${(error as Error).message}`);
  }
  try {
    new SecretsService().load(parsed as SecretsFile);
  } catch (error) {
    throw new LocalStartError(`secrets file ${path}: ${(error as Error).message}`);
  }
  return parsed as SecretsFile;
}

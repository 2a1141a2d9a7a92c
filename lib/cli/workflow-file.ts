/**
 * Reading workflow files for the CLI: JSON parse errors and validation problems become `file: path: message` lines.
 */
import { readFile } from 'node:fs/promises';
import { parseJsonFile } from '../core/json-file.ts';
import { type Problem, type ValidateOptions, validateWorkflow, type WorkflowDocument } from '../core/workflow/index.ts';

/** A workflow file read and validated. */
export type LoadedWorkflow = { ok: true; workflow: WorkflowDocument } | { ok: false; problems: Problem[] };

/** Reads, parses and validates a workflow file. */
export async function loadWorkflowFile(file: string, options: ValidateOptions = {}): Promise<LoadedWorkflow> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [{ path: '', message: `cannot read the file: ${(e as Error).message}` }] };
  }
  let doc: unknown;
  try {
    doc = parseJsonFile(text);
  } catch (e) {
    return { ok: false, problems: [{ path: '', message: `not valid JSON: ${(e as Error).message}` }] };
  }
  return validateWorkflow(doc, options);
}

/** Formats problems one per line as `file: path: message`. */
export function formatProblems(file: string, problems: Problem[]): string {
  return problems.map((p) => `${file}: ${p.path || '(document)'}: ${p.message}`).join('\n');
}

/** Streams the CLI writes to (replaceable in tests). */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's stdout / stderr. */
export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseJsonFile } from '../core/json-file.ts';
import { type Manifest, parseManifest } from '../core/supervision/manifest.ts';
import { compileWorkflow, validateWorkflow, type WorkflowDocument } from '../core/workflow/index.ts';

/** A workflow of `statemachines/`, validated and compiled. */
export interface DeployedWorkflow {
  /** File it came from, relative to the repository root. */
  readonly file: string;
  readonly document: WorkflowDocument;
  /** State machine name suffix: the workflow name as a slug. */
  readonly slug: string;
  readonly asl: object;
  readonly type: 'STANDARD' | 'EXPRESS';
}

/** Thrown when an input of the app is invalid: lists every problem with its file and JSON path. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(readonly problems: readonly { file: string; path: string; message: string }[]) {
    super(`Steward cannot synthesize:\n${problems.map((p) => `  ${p.file} ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** `Agent Task Execution` → `agent-task-execution`. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** The recommended type of a compile report (`recommended_type`, else its `execution_type`). */
function typeOf(report: unknown): 'STANDARD' | 'EXPRESS' {
  const r = report as { recommended_type?: string; execution_type?: string };
  const t = (r.recommended_type ?? r.execution_type ?? 'standard').toUpperCase();
  return t === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
}

/** Validates and compiles one workflow document; problems are collected with `file`. */
export function compileDocument(
  file: string,
  json: unknown,
  problems: { file: string; path: string; message: string }[],
): DeployedWorkflow | undefined {
  const checked = validateWorkflow(json);
  if (!checked.ok) {
    for (const p of checked.problems) problems.push({ file, path: p.path, message: p.message });
    return undefined;
  }
  const { asl, report } = compileWorkflow(checked.workflow);
  return { file, document: checked.workflow, slug: slugify(checked.workflow.name), asl, type: typeOf(report) };
}

/** Loads, validates and compiles every `statemachines/*.json`; any problem fails with all of them listed. */
export function loadWorkflows(rootDir: string): DeployedWorkflow[] {
  const dir = path.join(rootDir, 'statemachines');
  if (!existsSync(dir)) return [];
  const problems: { file: string; path: string; message: string }[] = [];
  const out: DeployedWorkflow[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const file = `statemachines/${name}`;
    let json: unknown;
    try {
      json = parseJsonFile(readFileSync(path.join(dir, name), 'utf8'));
    } catch (error) {
      problems.push({ file, path: '$', message: `is not valid JSON (${(error as Error).message})` });
      continue;
    }
    const wf = compileDocument(file, json, problems);
    if (wf) out.push(wf);
  }
  const seen = new Map<string, string>();
  for (const wf of out) {
    const other = seen.get(wf.slug);
    if (other)
      problems.push({
        file: wf.file,
        path: 'name',
        message: `'${wf.document.name}' has the same state machine name as ${other}`,
      });
    seen.set(wf.slug, wf.file);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** Loads `services.json` (missing file: no managed services); problems fail naming the field. */
export function loadManifest(rootDir: string, file = 'services.json'): Manifest {
  const full = path.join(rootDir, file);
  if (!existsSync(full)) return { services: [] };
  let json: unknown;
  try {
    json = parseJsonFile(readFileSync(full, 'utf8'));
  } catch (error) {
    throw new InputError([{ file, path: '$', message: `is not valid JSON (${(error as Error).message})` }]);
  }
  const parsed = parseManifest(json);
  if (!parsed.ok) throw new InputError(parsed.problems.map((p) => ({ file, path: p.path, message: p.message })));
  return parsed.manifest;
}

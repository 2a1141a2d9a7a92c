/**
 * Validation of workflow documents: structure (zod) first, then meaning. Every problem is returned at once, each
 * with the JSON path of the offending node and a sentence saying what to change.
 */
import type * as z from 'zod';
import type { Problem } from './errors.ts';
import type { WorkflowDocument } from './schema.ts';
import { workflowDocumentSchema } from './schema.ts';
import { checkDocument } from './validate-document.ts';
import { checkGraphShape } from './validate-graph.ts';

/** Options of `validateWorkflow`. */
export interface ValidateOptions {
  /** Names of the workflows a `sub_workflow` step may call; unchecked when absent. */
  knownWorkflows?: readonly string[];
  /**
   * The workflow's id when it has one already (a new version of an API-created workflow): event triggers are checked
   * against its runs' events with this id too, besides the id a deployed workflow of that name has.
   */
  workflowId?: string;
}

/** Result of `validateWorkflow`. */
export type ValidationResult = { ok: true; workflow: WorkflowDocument } | { ok: false; problems: Problem[] };

/**
 * Validates a workflow document and returns every problem found. When the structure is wrong, the names, edges and
 * cycles are still checked on what can be read, so one run shows as much as possible.
 */
export function validateWorkflow(doc: unknown, options: ValidateOptions = {}): ValidationResult {
  const parsed = workflowDocumentSchema.safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(issueToProblem);
    problems.push(...checkGraphShape(doc).filter((p) => !problems.some((q) => q.path === p.path)));
    return { ok: false, problems: dedupe(problems) };
  }
  const problems = checkDocument(parsed.data, options);
  return problems.length === 0 ? { ok: true, workflow: parsed.data } : { ok: false, problems: dedupe(problems) };
}

/** Formats a path array as `definition.steps[2].depends_on[0]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

function issueToProblem(issue: z.core.$ZodIssue): Problem {
  const path = formatPath(issue.path);
  const last = issue.path[issue.path.length - 1];
  switch (issue.code) {
    case 'unrecognized_keys':
      return {
        path,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling or remove ${issue.keys.length > 1 ? 'them' : 'it'}`,
      };
    case 'invalid_type':
      if ((issue as { input?: unknown }).input === undefined && !issue.message.includes('received undefined')) {
        return { path, message: `expected ${issue.expected}` };
      }
      return issue.message.includes('received undefined')
        ? { path, message: `"${String(last)}" is required (${issue.expected})` }
        : { path, message: `expected ${issue.expected}, ${issue.message.replace(/^.*(received \w+)$/, '$1')}` };
    case 'invalid_union': {
      const discriminated = issue as { discriminator?: string; options?: unknown[] };
      if (discriminated.discriminator) {
        const options = (discriminated.options ?? []).map(String).join(', ');
        return { path, message: `${discriminated.discriminator} must be one of: ${options}` };
      }
      if (last === 'condition' || issue.path.includes('condition')) {
        return {
          path,
          message:
            'a condition is {"variable": "$' +
            '{context.x}", <test>: value} with <test> one of equals, not_equals, ' +
            'greater_than, greater_than_or_equals, less_than, less_than_or_equals, exists, in; ' +
            'or {"and": [...]}, {"or": [...]}, {"not": {...}}',
        };
      }
      return { path, message: 'does not match any accepted form' };
    }
    case 'invalid_value':
      return { path, message: `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'too_small':
      return {
        path,
        message: `needs at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'item(s)' : ''}`.trim(),
      };
    default:
      return { path, message: issue.message };
  }
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

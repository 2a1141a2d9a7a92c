/**
 * The compiled graph and report of a workflow definition, kept per warm function so reading a run's graph does not
 * compile the workflow again on every page load (a 200-step workflow compiles to 400 states). Keyed by a hash of the
 * definition's content, never by workflow id and version: a workflow deleted and created again can reuse both with a
 * different definition. Bounded: least recently used entries go first.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/core/execution/ids.ts';
import {
  type CompileReport,
  compileWorkflow,
  type StateGraph,
  stateGraph,
  type WorkflowDocument,
} from '../../lib/core/workflow/index.ts';

/** What the graph route answers for one definition. */
export interface CompiledGraph {
  graph: StateGraph;
  report: CompileReport;
}

/** Most definitions kept at once (a 200-step graph is about 180 KB of JSON). */
export const GRAPH_CACHE_MAX = 32;

const cache = new Map<string, CompiledGraph>();
let compiles = 0;

/** SHA-256 of the definition's canonical JSON: equal content, equal key, whatever the key order. */
export function definitionHash(definition: WorkflowDocument): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

/** The compiled graph and report of `definition`, from the cache when the same content was compiled before. */
export function compiledGraph(definition: WorkflowDocument): CompiledGraph {
  const key = definitionHash(definition);
  const hit = cache.get(key);
  if (hit) {
    // Re-inserted so the Map's order is least recently used first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = compileWorkflow(definition);
  const entry: CompiledGraph = { graph: stateGraph(definition, compiled), report: compiled.report };
  compiles++;
  cache.set(key, entry);
  while (cache.size > GRAPH_CACHE_MAX) cache.delete(cache.keys().next().value!);
  return entry;
}

/** Cache figures (for tests): entries held and compiles done since the function started. */
export function graphCacheStats(): { size: number; compiles: number } {
  return { size: cache.size, compiles };
}

import { describe, expect, it } from 'vitest';
import {
  compiledGraph,
  definitionHash,
  GRAPH_CACHE_MAX,
  graphCacheStats,
} from '../../lambdas/api-workflows/graph-cache.ts';
import type { WorkflowDocument } from '../../lib/core/workflow/index.ts';

/** A two-step workflow whose first step is called `first` (the graph shows step names). */
const doc = (first: string): WorkflowDocument =>
  ({
    name: 'Cache Test',
    version: '1.0.0',
    definition: {
      steps: [
        { name: first, step_type: 'service_call', service: 'planning', endpoint: '/a', sequence: 1 },
        { name: 'finish', step_type: 'service_call', service: 'planning', endpoint: '/done', sequence: 2 },
      ],
    },
  }) as unknown as WorkflowDocument;

describe('the compiled graph cache', () => {
  it('keys by content: equal definitions share an entry whatever their key order, a changed one does not', () => {
    const a = doc('prepare');
    const reorder = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reorder)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reorder(x)]),
            )
          : v;
    const reordered = reorder(a) as WorkflowDocument;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(a));
    expect(definitionHash(reordered)).toBe(definitionHash(a));
    expect(definitionHash(doc('other'))).not.toBe(definitionHash(a));

    const first = compiledGraph(a);
    const before = graphCacheStats().compiles;
    expect(compiledGraph(reordered)).toBe(first);
    expect(graphCacheStats().compiles).toBe(before);
    const other = compiledGraph(doc('other'));
    expect(graphCacheStats().compiles).toBe(before + 1);
    expect(other.graph).not.toEqual(first.graph);
  });

  it('holds at most GRAPH_CACHE_MAX definitions and drops the least recently read first', () => {
    const kept = doc('kept');
    compiledGraph(kept);
    for (let i = 0; i < GRAPH_CACHE_MAX; i++) {
      compiledGraph(doc(`filler_${i}`));
      // Read on every round, so it stays the most recently used.
      compiledGraph(kept);
    }
    expect(graphCacheStats().size).toBe(GRAPH_CACHE_MAX);
    const compiles = graphCacheStats().compiles;
    compiledGraph(kept);
    expect(graphCacheStats().compiles).toBe(compiles);
    // The oldest filler was evicted: reading it compiles again.
    compiledGraph(doc('filler_0'));
    expect(graphCacheStats().compiles).toBe(compiles + 1);
  });
});

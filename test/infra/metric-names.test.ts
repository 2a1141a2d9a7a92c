/**
 * One style for metric names, checked over every metric the handlers emit: the seed's names where the seed gives
 * one (its Prometheus names, kept as they are), CloudWatch's PascalCase otherwise.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Metric names the seed's API document lists. */
const SEED_METRICS = new Set([
  'workflow_execution_count',
  'workflow_execution_duration_seconds',
  'workflow_step_execution_duration_seconds',
  'workflow_error_rate',
  'step_error_rate',
  'workflow_retry_count',
  'api_request_duration_seconds',
  'api_request_count',
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const emitted = sources(join(root, 'lambdas')).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/addMetric\(\s*(?:[^,]*\?\s*)?'([^']+)'(?:\s*:\s*'([^']+)')?/g)].flatMap(
    (m) =>
      [m[1], m[2]].filter((n): n is string => n !== undefined).map((name) => ({ file: relative(root, file), name })),
  ),
);

describe('metric names', () => {
  it('finds the metrics the handlers emit', () => {
    expect(emitted.length).toBeGreaterThan(10);
  });

  it("uses the seed's name or PascalCase for every metric", () => {
    const offStyle = emitted.filter(({ name }) => !SEED_METRICS.has(name) && !/^[A-Z][A-Za-z0-9]*$/.test(name));
    expect(offStyle).toEqual([]);
  });
});

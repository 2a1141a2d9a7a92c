/**
 * Properties over random DAGs (2..30 steps): the compiled ASL validates; executed with stubs of known durations,
 * every step starts after all its dependencies ended; on series-parallel DAGs the makespan is the critical path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflow, type WorkflowDocument } from '../../../lib/core/workflow/index.ts';
import { runAsl, sleep } from '../../support/asl-runner.ts';
import { arbitraryDag, arbitrarySpDag, criticalPathOf, dagWorkflow } from './dag-generators.ts';
import { aslProblems } from './helpers.ts';

async function execute(deps: number[][], durations: number[]) {
  const { asl, report } = compileWorkflow(dagWorkflow(deps) as unknown as WorkflowDocument);
  const run = await runAsl(asl, {
    byKind: {
      service_call: async (p) => {
        await sleep(durations[Number(String(p.step).slice(1))]!);
        return { status: 'completed', output: { s: p.step } };
      },
    },
  });
  return { asl, report, run };
}

// Each property runs a bounded number of cases (numRuns); the budget covers a loaded 2-core machine.
describe('random DAG properties', () => {
  it('compiles every random DAG to ASL that asl-validator and the Retry checks accept', () => {
    fc.assert(
      fc.property(arbitraryDag(30), (deps) => {
        const { asl, report } = compileWorkflow(dagWorkflow(deps) as unknown as WorkflowDocument);
        expect(aslProblems(asl)).toEqual([]);
        expect(report.transitions.happy_path).toBeGreaterThanOrEqual(deps.length);
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('starts every step after all its dependencies ended, and runs each step once', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryDag(30),
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 30, maxLength: 30 }),
        async (deps, durations) => {
          const { run } = await execute(deps, durations);
          expect(run.error).toBeUndefined();
          const steps = run.calls.filter((c) => c.kind === 'service_call');
          const byStep = new Map(steps.map((c) => [c.state, c]));
          expect(steps).toHaveLength(deps.length);
          deps.forEach((d, j) => {
            for (const i of d) expect(byStep.get(`s${j}`)!.start).toBeGreaterThanOrEqual(byStep.get(`s${i}`)!.end);
          });
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('reaches the critical path exactly on series-parallel DAGs', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitrarySpDag(24),
        fc.array(fc.integer({ min: 5, max: 30 }), { minLength: 30, maxLength: 30 }),
        async (deps, durations) => {
          const { run, report } = await execute(deps, durations);
          expect(report.parallelism.exact).toBe(true);
          const cp = criticalPathOf(deps, (i) => durations[i]!);
          const first = Math.min(...run.calls.map((c) => c.start));
          const makespan = Math.max(...run.calls.map((c) => c.end)) - first;
          // Timers fire late, never early: allow scheduling overhead per step on the critical path, not lost parallelism.
          expect(makespan).toBeGreaterThanOrEqual(cp - 1);
          expect(makespan).toBeLessThan(cp + 4 * deps.length + 25);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});

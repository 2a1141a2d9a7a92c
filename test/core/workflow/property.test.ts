/**
 * Properties over random DAGs (2..30 steps): the compiled ASL validates; executed with stubs of known durations,
 * every step starts after all its dependencies ended; on series-parallel DAGs no step waits for one it does not
 * depend on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileWorkflow, type WorkflowDocument } from '../../../lib/core/workflow/index.ts';
import { latch, runAsl, sleep } from '../../support/asl-runner.ts';
import { arbitraryDag, arbitrarySpDag, dagWorkflow } from './dag-generators.ts';
import { aslProblems } from './helpers.ts';

/** Every step `target` depends on, directly or through others. */
function ancestorsOf(deps: number[][], target: number): Set<number> {
  const found = new Set<number>();
  const visit = (j: number): void => {
    for (const i of deps[j] ?? []) {
      if (!found.has(i)) {
        found.add(i);
        visit(i);
      }
    }
  };
  visit(target);
  return found;
}

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

  it('starts each step of a series-parallel DAG once its dependencies ended, whatever else is still running', async () => {
    // Exactness without a stopwatch: every step outside the target's ancestors is held until the target starts. A
    // compiled schedule that made the target wait for anything but its ancestors would never start it, and the held
    // steps give up (the run fails). Timings cannot make this pass or fail; a busy machine only makes it slower.
    await fc.assert(
      fc.asyncProperty(arbitrarySpDag(20), fc.nat(), async (deps, pick) => {
        const target = pick % deps.length;
        const ancestors = ancestorsOf(deps, target);
        const targetStarted = latch(`s${target} to start while the steps it does not depend on are held`);
        const { asl, report } = compileWorkflow(dagWorkflow(deps) as unknown as WorkflowDocument);
        const run = await runAsl(asl, {
          byKind: {
            service_call: async (p) => {
              const i = Number(String(p.step).slice(1));
              if (i === target) targetStarted.open();
              else if (!ancestors.has(i)) await targetStarted.wait();
              return { status: 'completed', output: { s: p.step } };
            },
          },
        });
        expect(report.parallelism.exact).toBe(true);
        expect(run.error).toBeUndefined();
        expect(run.calls).toHaveLength(deps.length);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

/**
 * The order local DynamoDB's requests reach dynalite in: a few at once; when they queue, callers that wait on the
 * answer (the API's functions) first, yet the others are never starved.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Admission } from '../../../lib/local/admission.ts';

/** Admits requests (true = priority), finishing none until told; records the order they started in. */
function harness(limit: number) {
  const admission = new Admission(limit);
  const started: string[] = [];
  const done = new Map<string, () => void>();
  return {
    admission,
    started,
    add(name: string, priority: boolean) {
      admission.admit(priority, (finish) => {
        started.push(name);
        done.set(name, finish);
      });
    },
    finish(name: string) {
      done.get(name)?.();
    },
  };
}

describe('admission of DynamoDB requests', () => {
  it('starts requests at once while there is room, then queues them', () => {
    const h = harness(2);
    h.add('a', false);
    h.add('b', false);
    h.add('c', false);
    expect(h.started).toEqual(['a', 'b']);
    expect(h.admission.queued).toBe(1);
    h.finish('a');
    expect(h.started).toEqual(['a', 'b', 'c']);
  });

  it('serves queued priority requests before the others queued earlier', () => {
    const h = harness(1);
    h.add('running', false);
    h.add('run-1', false);
    h.add('run-2', false);
    h.add('api', true);
    h.finish('running');
    expect(h.started).toEqual(['running', 'api']);
    h.finish('api');
    h.finish('run-1');
    expect(h.started).toEqual(['running', 'api', 'run-1', 'run-2']);
  });

  it('counts a request done once, however often it reports', () => {
    const h = harness(1);
    h.add('a', false);
    h.add('b', false);
    h.add('c', false);
    h.finish('a');
    h.finish('a');
    expect(h.started).toEqual(['a', 'b']);
  });

  it('starts every request exactly once, never more at once than the limit, and lets no request wait for ever', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
        (limit, priorities) => {
          const admission = new Admission(limit);
          let running = 0;
          let most = 0;
          const order: number[] = [];
          const finishers: Array<() => void> = [];
          for (const [i, priority] of priorities.entries()) {
            admission.admit(priority, (finish) => {
              running++;
              most = Math.max(most, running);
              order.push(i);
              finishers.push(() => {
                running--;
                finish();
              });
            });
          }
          // Finish the oldest running request until none is left.
          while (finishers.length > 0) finishers.shift()?.();
          expect([...order].sort((a, b) => a - b)).toEqual(priorities.map((_, i) => i));
          expect(most).toBeLessThanOrEqual(limit);
          // A non-priority request is overtaken by at most 8 priority ones per request started before it.
          priorities.forEach((priority, i) => {
            if (priority) return;
            const position = order.indexOf(i);
            const overtakenBy = order.slice(0, position).filter((j) => j > i).length;
            expect(overtakenBy).toBeLessThanOrEqual(8 * (i + 1));
          });
        },
      ),
    );
  });
});

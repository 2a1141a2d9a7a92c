import type * as BusPut from './bus-put.ts';
import type * as SfnCallbacks from './sfn-callbacks.ts';

/** Runs `load` once; every caller shares its promise. */
const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    return loading;
  };
};

/*
 * SDK clients a handler needs on some paths only, imported on first use. The bundle keeps each `import()` in a chunk of
 * its own (lib/constructs/bundling.ts) that is neither parsed nor constructed until a path needs it; the client is
 * still one per execution environment (the modules in this folder construct it once).
 */

/**
 * The Step Functions client and SendTaskSuccess. The event router, the waiter and the step runner answer a token only
 * when an event matches, an early event is found or a join completes; most cold starts never do.
 */
export const loadSfnCallbacks: () => Promise<typeof SfnCallbacks> = once(() => import('./sfn-callbacks.ts'));

/**
 * The EventBridge client and PutEvents (lambdas/shared/events.ts): the step runner publishes for service calls, not
 * for joins, compensations or sub-workflow starts; the event router and the waiter never publish.
 */
export const loadBusPut: () => Promise<typeof BusPut> = once(() => import('./bus-put.ts'));

import type * as SfnCallbacks from './sfn-callbacks.ts';

let loading: Promise<typeof SfnCallbacks> | undefined;

/**
 * The Step Functions client and SendTaskSuccess, imported on first use. The event router, the waiter and the step
 * runner answer a token only when an event matches, an early event is found or a join completes; most cold starts
 * never do, and the bundle keeps this `import()` in a chunk of its own (lib/constructs/bundling.ts) that is neither
 * parsed nor constructed until then. The client is still one per execution environment (clients/sfn.ts).
 */
export function loadSfnCallbacks(): Promise<typeof SfnCallbacks> {
  loading ??= import('./sfn-callbacks.ts');
  return loading;
}

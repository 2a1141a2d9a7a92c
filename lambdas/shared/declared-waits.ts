import { routeFenceMs, routesCacheMs, waitUntil } from '../../lib/core/routing/routes.ts';
import { waitedEventTypes } from '../../lib/core/workflow/names.ts';
import type { WorkflowDocument } from '../../lib/core/workflow/schema.ts';
import { declarationsComplete, declareWaits } from './repositories/waiters.ts';

/**
 * Declared waits: before a workflow version's runs can start, the event types its `event_wait` steps wait for are
 * declared, so the event router knows which types some run may still wait for. An event of a type nobody declared
 * is stored (GET /events lists it) and nothing more: no early event for later waits, no look for waiters. Steward's
 * own lifecycle events (six for a 2-step run) are such events unless a workflow waits for them, so this halves their
 * writes.
 *
 * Why no event a run could take is lost: a router trusts a "nobody waits" read for the routes cache's lifetime, and
 * only once it knows every stored version's waits are declared (see lambdas/event-router/route.ts). A declaration
 * written after such a read is not in it; the declarer then waits out that lifetime ({@link DECLARATION_FENCE_MS},
 * on its own monotonic clock) before the version can start a run, so every run of the version starts after every
 * router stopped trusting the read, and an early event only ever serves runs that started before the event was
 * received. A declarer that finds the declarations not yet complete need not wait: no router trusts such a read yet.
 */

/** How long a declarer of a new type waits before its version may start runs: the routers' fence. */
export const DECLARATION_FENCE_MS = routeFenceMs(routesCacheMs(process.env.STEWARD_ROUTES_CACHE_MS));

/**
 * Clock skew allowed between two declarers of one type: a declaration made this recently by another declarer's
 * clock may still be inside its fence, so this one waits too.
 */
const DECLARATION_SKEW_MS = 30_000;

/** The fence's wait (an object, so a test can tell whether a declaration waited without timing it). */
export const declarationFence = { wait: waitUntil };

/**
 * Declares event types some workflow version waits for and, when a declaration is new and routers may already trust
 * reads without it, waits out their cache lifetime. Call it before the version can start a run (before its record,
 * its triggers, its alias or its deployed state machine point at it).
 */
export async function declareEventTypes(types: readonly string[], now = Date.now()): Promise<void> {
  if (types.length === 0) return;
  const latest = await declareWaits(types, now);
  const declaredAt = performance.now();
  if (DECLARATION_FENCE_MS === 0 || latest < now - DECLARATION_FENCE_MS - DECLARATION_SKEW_MS) return;
  if (await declarationsComplete()) await declarationFence.wait(declaredAt, DECLARATION_FENCE_MS);
}

/** {@link declareEventTypes} for the waits of a workflow document; returns the declared types. */
export async function declareWorkflowWaits(workflow: WorkflowDocument, now = Date.now()): Promise<string[]> {
  const types = waitedEventTypes(workflow);
  await declareEventTypes(types, now);
  return types;
}

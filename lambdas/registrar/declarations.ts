import { setTimeout as sleep } from 'node:timers/promises';
import { waitedEventTypes } from '../../lib/core/workflow/names.ts';
import { declareEventTypes } from '../shared/declared-waits.ts';
import { declarationsComplete, declareWaits, markDeclarationsComplete } from '../shared/repositories/waiters.ts';
import { listVersions, listWorkflows } from '../shared/repositories/workflows.ts';

/**
 * How long a request the previous workflows API began may still run (its function's 29-second timeout, with a
 * margin); STEWARD_DECLARATIONS_SETTLE_MS overrides it (tests).
 */
const IN_FLIGHT_MS = Number(process.env.STEWARD_DECLARATIONS_SETTLE_MS ?? 30_000);

/** Properties of the `Custom::StewardWaitDeclarations` resource: what the stack's deployed workflows wait for. */
export interface DeclarationProperties {
  event_types?: string[];
  /** Completes the declarations (see {@link declareDeployedWaits}); CloudFormation passes it as a string. */
  complete?: boolean | 'true' | 'false';
}

/** What a declaration run did. */
export interface DeclarationOutcome {
  declared: number;
  /** Versions whose waits were declared because they were stored before declarations existed (first run only). */
  backfilled_versions: number;
}

/**
 * Declares the event types a stack's deployed workflows wait for (declared waits, lambdas/shared/declared-waits.ts).
 * CloudFormation runs it before it creates or updates those workflows' state machines, which depend on it. The
 * resource that completes the declarations (in the API stack, once the workflows API that declares is live) declares
 * the waits of every workflow version already stored (API-created ones and those of earlier deployments) the first
 * time, then records that declarations are complete: from then on routers may skip the early events of types nobody
 * declared.
 */
export async function declareDeployedWaits(
  props: DeclarationProperties,
  now = Date.now(),
): Promise<DeclarationOutcome> {
  const types = [...new Set(props.event_types ?? [])].filter((t) => typeof t === 'string' && t !== '').sort();
  await declareEventTypes(types, now);
  let backfilled = 0;
  const completes = props.complete === true || props.complete === 'true';
  if (completes && !(await declarationsComplete())) {
    // The previous workflows API may still be finishing a create or a new version it began before it was replaced
    // (API Gateway waits 29 s at most), which would store a version without declaring it: with workflows from the
    // API stored, such a request could be under way, so its time is waited out first (once per deployment's life;
    // it also lets the workflows index catch up). A deployment without any has had no workflows API in use (more
    // than a page of workflows counts as some).
    let page = await listWorkflows(100);
    if (page.lastKey || page.items.some((w) => w.managed_by === 'api')) {
      await sleep(IN_FLIGHT_MS);
      page = await listWorkflows(100);
    }
    for (;;) {
      // A page's workflows side by side: at a start of local mode this is on the way to ready.
      const counts = await Promise.all(page.items.map((workflow) => declareVersionsOf(workflow.id, now)));
      backfilled += counts.reduce((a, b) => a + b, 0);
      if (!page.lastKey) break;
      page = await listWorkflows(100, page.lastKey);
    }
    await markDeclarationsComplete(Date.now());
  }
  return { declared: types.length, backfilled_versions: backfilled };
}

/** Declares what every stored version of a workflow waits for; returns how many versions it read. */
async function declareVersionsOf(workflowId: string, now: number): Promise<number> {
  const types = new Set<string>();
  let read = 0;
  let versions: Awaited<ReturnType<typeof listVersions>> | undefined;
  do {
    versions = await listVersions(workflowId, 100, versions?.lastKey);
    for (const version of versions.items) for (const t of waitedEventTypes(version.definition)) types.add(t);
    read += versions.items.length;
  } while (versions.lastKey);
  await declareWaits([...types], now);
  return read;
}

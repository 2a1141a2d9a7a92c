import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { WAIT_DECLARATIONS_RESOURCE_TYPE } from '../../lib/core/routing/routes.ts';
import { lambdaHandler } from '../shared/handler.ts';
import { logger } from '../shared/powertools.ts';
import { type DeclarationProperties, declareDeployedWaits } from './declarations.ts';
import { registerDeployedGroups, registerDeployedServices } from './services.ts';
import { type DeployedWorkflow, removeDeployedWorkflow, upsertDeployedWorkflow } from './workflows.ts';

interface RegistrarProperties {
  workflows?: DeployedWorkflow[];
  services?: unknown[];
  groups?: unknown[];
}

/** What the Provider framework expects back from onEvent. */
export interface RegistrarResponse {
  PhysicalResourceId: string;
  Data: Record<string, string>;
}

/**
 * Deploy-time registration (CloudFormation custom resource, Provider framework `onEvent`): upserts the deployed
 * workflows (managed_by deployment) and removes those a stack update dropped or a stack deletion takes away;
 * registers the deployed services (source `deployment`). Services are not retired on deletion: their health
 * history stays, and retiring is an explicit act (DELETE /services/{id}).
 */
export const handler = lambdaHandler(async (event: CloudFormationCustomResourceEvent): Promise<RegistrarResponse> => {
  if (event.ResourceType === WAIT_DECLARATIONS_RESOURCE_TYPE) return declarations(event);
  const props = event.ResourceProperties as unknown as RegistrarProperties;
  const workflows = props.workflows ?? [];
  const counts: Record<string, number> = { created: 0, updated: 0, unchanged: 0, removed: 0 };
  if (event.RequestType === 'Delete') {
    for (const w of workflows) if (await removeDeployedWorkflow(w.name)) counts.removed = (counts.removed ?? 0) + 1;
  } else {
    for (const w of workflows) {
      const outcome = await upsertDeployedWorkflow(w);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    // Groups first: a service's supervision reads its group's strategy.
    counts.groups = await registerDeployedGroups(props.groups ?? []);
    const services = await registerDeployedServices(props.services ?? []);
    counts.services_created = services.created;
    counts.services_changed = services.changed;
    if (event.RequestType === 'Update') {
      const old = (event.OldResourceProperties as unknown as RegistrarProperties).workflows ?? [];
      const keep = new Set(workflows.map((w) => w.name));
      for (const w of old) {
        if (!keep.has(w.name) && (await removeDeployedWorkflow(w.name))) counts.removed = (counts.removed ?? 0) + 1;
      }
    }
  }
  logger.info('Registered deployed workflows', counts);
  return {
    // One registration per stack: its logical id names it; an existing one keeps its id (no replacement).
    PhysicalResourceId:
      event.RequestType === 'Create' ? `steward-registration-${event.LogicalResourceId}` : event.PhysicalResourceId,
    Data: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, String(v)])),
  };
});

/**
 * Declared waits of a stack's deployed workflows: declared on Create and Update; nothing on Delete (a declaration
 * only ever keeps more early events than needed, and runs of a deleted workflow may still wait).
 */
async function declarations(event: CloudFormationCustomResourceEvent): Promise<RegistrarResponse> {
  const outcome =
    event.RequestType === 'Delete'
      ? { declared: 0, backfilled_versions: 0 }
      : await declareDeployedWaits(event.ResourceProperties as unknown as DeclarationProperties);
  logger.info('Declared the waits of deployed workflows', { ...outcome });
  return {
    PhysicalResourceId:
      event.RequestType === 'Create' ? `steward-declarations-${event.LogicalResourceId}` : event.PhysicalResourceId,
    Data: Object.fromEntries(Object.entries(outcome).map(([k, v]) => [k, String(v)])),
  };
}

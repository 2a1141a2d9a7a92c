import { WORKFLOW_ROUTES } from '../../lib/core/api/routes/workflows.ts';
import { apiHandler } from '../shared/http.ts';
import { createWorkflow, createWorkflowVersion, updateWorkflow } from './define.ts';
import {
  deleteWorkflow,
  getWorkflow,
  getWorkflowGraph,
  listWorkflowSteps,
  listWorkflows,
  listWorkflowVersions,
  validateWorkflowOperation,
} from './read.ts';

/** REST: workflow definitions and versions; API-created workflows get real Step Functions state machines. */
export const handler = apiHandler(WORKFLOW_ROUTES, {
  createWorkflow,
  listWorkflows,
  getWorkflow,
  updateWorkflow,
  deleteWorkflow,
  createWorkflowVersion,
  listWorkflowVersions,
  validateWorkflow: validateWorkflowOperation,
  listWorkflowSteps,
  getWorkflowGraph,
});
